// The app speaks English, Russian, Kazakh and French (issue #15): every catalogue has every
// key of the English one, translated, and no component carries text of its own.
/// <reference types="vite/client" />
import { afterEach, describe, expect, it } from "vitest";

import { registerDate, shortDate } from "./format";
import { noticeText, type Notice } from "./api";
import { catalogues, setUiLanguage, systemLanguage, t, type UiLang } from "./strings.svelte";

/** Texts that are the same in English and the other language (names, codes, cognates). */
const SAME = new Set([
  "Dossier", "SHA-256", "PDF", "English", "Français", "Русский", "Español", "Type", "Date",
  "Notes", "Source", "Action", "Description", "Page", "pages", "annexes", "Contacts",
  "Orientation", "Pages", "Cc", "communication", "bits", "source", "Impression",
]);

/** Every leaf of a catalogue by its path: strings, and functions called with sample values. */
function leaves(v: unknown, path = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof v === "string") out.set(path, v);
  else if (typeof v === "function") {
    const args = Array.from({ length: v.length }, (_, i) => (i % 2 ? "Ⓧ" : 3));
    out.set(`${path}(${v.length})`, String((v as (...a: unknown[]) => unknown)(...args)));
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) for (const [p, s] of leaves(x, `${path}.${k}`)) out.set(p, s);
  }
  return out;
}

describe("catalogues", () => {
  const english = leaves(catalogues.en);
  for (const lang of ["ru", "kk", "fr"] as UiLang[]) {
    it(`${lang} has every key of English, and nothing else`, () => {
      const other = leaves(catalogues[lang]);
      expect([...other.keys()].sort()).toEqual([...english.keys()].sort());
    });
    it(`${lang} translates every text`, () => {
      const other = leaves(catalogues[lang]);
      for (const [path, en] of english) {
        const text = other.get(path) ?? "";
        expect(text.trim(), `${lang}${path} is empty`).not.toBe("");
        if (text === en && !SAME.has(en)) {
          throw new Error(`${lang}${path} is still English: ${JSON.stringify(en)}`);
        }
      }
    });
  }
});

describe("switching language", () => {
  afterEach(() => setUiLanguage("en"));

  it("changes every screen's words and dates at once", () => {
    expect(t.navLibrary).toBe("Evidence");
    setUiLanguage("ru");
    expect(t.navLibrary).toBe("Доказательства");
    expect(t.kinds.email).toBe("Письмо");
    expect(registerDate("2031-03-12")).toMatch(/^12 марта 2031/);
    expect(registerDate("~2031-04")).toMatch(/^около апрел/i);
    setUiLanguage("kk");
    expect(t.navLibrary).toBe("Дәлелдер");
    expect(shortDate("2031-03-12")).toBe("12.03.2031");
    setUiLanguage("fr");
    expect(registerDate("2031-03-12")).toBe("12 mars 2031");
    expect(shortDate("2031-03-12")).toBe("12/03/2031");
    setUiLanguage("xx");
    expect(t.navLibrary).toBe("Evidence");
  });

  it("starts in the system's language when the app speaks it", () => {
    expect(systemLanguage(["kk-KZ", "ru"])).toBe("kk");
    expect(systemLanguage(["de-DE", "fr-BE"])).toBe("fr");
    expect(systemLanguage(["de-DE"])).toBe("en");
  });
});

describe("components", () => {
  // Every component's source, as text (Vite reads them at build time of the test).
  const sources = import.meta.glob("../**/*.svelte", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  /** Markup with scripts, styles and `{…}` expressions taken out. */
  function markup(src: string): string {
    let s = src.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<style[\s\S]*?<\/style>/g, "");
    let out = "";
    let depth = 0;
    for (const c of s) {
      if (c === "{") depth++;
      else if (c === "}") depth = Math.max(0, depth - 1);
      else if (depth === 0) out += c;
    }
    s = out;
    return s;
  }
  // Formats shown as examples, the same in every language.
  const ALLOWED = new Set(["OCR", "https://", "YYYY-MM-DD", "Ctrl+L", "age1yubikey1…", "AGE-SECRET-KEY-1…"]);

  it("show no text of their own: every word comes from the catalogue", () => {
    const found: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(15);
    for (const [f, src] of Object.entries(sources)) {
      const m = markup(src);
      for (const [, text = ""] of m.matchAll(/>([^<>]*)</g)) {
        const words = text.trim();
        if (/\p{L}/u.test(words) && !ALLOWED.has(words)) found.push(`${f}: ${words}`);
      }
      for (const [, attr, value = ""] of m.matchAll(/\s(placeholder|title|aria-label|alt)="([^"]*)"/g)) {
        if (/\p{L}/u.test(value) && !ALLOWED.has(value)) found.push(`${f}: ${attr}="${value}"`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe("notices from opening", () => {
  afterEach(() => setUiLanguage("en"));
  const missing: Notice = {
    key: "missing_entries",
    args: ["15", "17", "Laptop (ab12cd34)", "2031-05-03", "later_entry", ""],
    text: "entries 15–17 of device Laptop (ab12cd34), made on 2031-05-03, are missing from this vault",
    standing: true,
  };
  const debris: Notice = { key: "sync_debris", args: ["/v/.stfolder", "syncthing_folder"], text: "/v/.stfolder is …", standing: true };

  it("are said in the language on screen, with dates as it writes them", () => {
    setUiLanguage("ru");
    const said = noticeText(missing);
    expect(said).toContain("Записи 15–17 устройства Laptop (ab12cd34)");
    expect(said).toContain("03.05.2031");
    expect(said).toContain("более поздняя запись того же устройства");
    // Known to this device's own record, or to another device: each said as what it is.
    expect(noticeText({ ...missing, args: ["15", "17", "Laptop (ab12cd34)", "", "this_device", ""] })).toContain("их раньше видело это устройство");
    setUiLanguage("en");
    expect(noticeText({ ...missing, args: ["15", "17", "Laptop (ab12cd34)", "", "device", "Office (cd34ef56)"] })).toContain("device Office (cd34ef56) has seen them");
    setUiLanguage("kk");
    expect(noticeText(debris)).toBe("/v/.stfolder — Syncthing қалтасының қызметтік белгісі немесе баптаулары: сақталды, оқылмайды.");
    setUiLanguage("en");
    expect(noticeText(debris)).toContain("Syncthing's own folder marker");
  });

  it("name the app's own action where the CLI's words name a command", () => {
    const unfinished: Notice = {
      key: "extraction_unfinished",
      args: ["2"],
      text: "metadata extraction of 2 item(s) did not finish last time; they are stored, and `dossier reindex` retries",
      standing: false,
    };
    for (const lang of ["en", "ru", "kk", "fr"] as UiLang[]) {
      setUiLanguage(lang);
      const said = noticeText(unfinished);
      expect(said).toContain("2");
      expect(said).toContain(t.reindex);
      expect(said).toContain(t.navVerify);
      expect(said).not.toContain("dossier reindex");
    }
  });

  it("fall back to the core's words for a kind the catalogue does not know", () => {
    expect(noticeText({ key: "unknown" as Notice["key"], args: [], text: "in English", standing: false })).toBe("in English");
  });
});
