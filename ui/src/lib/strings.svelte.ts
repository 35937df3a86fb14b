// The UI's words in the chosen language. `t` is one reactive object that every component
// reads (`t.save`); switching language swaps its contents in place, so every screen follows
// without a reload. The language is the vault's setting once unlocked, the system's before.
import { en, type Strings } from "./i18n/en";
import { fr } from "./i18n/fr";
import { kk } from "./i18n/kk";
import { ru } from "./i18n/ru";

export type { Strings };
export const catalogues: Record<UiLang, Strings> = { en, ru, kk, fr };
export type UiLang = "en" | "ru" | "kk" | "fr";
/** Each language named in itself, for the picker. */
export const uiLanguages: Record<UiLang, string> = {
  en: "English",
  ru: "Русский",
  kk: "Қазақша",
  fr: "Français",
};

export const t: Strings = $state(structuredCloneSafe(en));
let current = $state<UiLang>("en");

/** The language on screen. */
export function uiLang(): UiLang {
  return current;
}

/** A locale tag for dates and numbers (`Intl`), matching the language on screen. */
export function locale(): string {
  return { en: "en-GB", ru: "ru-RU", kk: "kk-KZ", fr: "fr-FR" }[current];
}

/** The first of the system's languages the app speaks, else English. */
export function systemLanguage(preferred: readonly string[] = navigator.languages ?? []): UiLang {
  for (const tag of preferred) {
    const code = tag.toLowerCase().split("-")[0] ?? "";
    if (code in catalogues) return code as UiLang;
  }
  return "en";
}

/** Shows the app in `code` (unknown codes: English). */
export function setUiLanguage(code: string): UiLang {
  const lang: UiLang = code in catalogues ? (code as UiLang) : "en";
  Object.assign(t, structuredCloneSafe(catalogues[lang]));
  current = lang;
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  return lang;
}

/** A copy a `$state` proxy can own: nested tables copied, functions kept. */
function structuredCloneSafe(s: Strings): Strings {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] = v && typeof v === "object" ? { ...(v as object) } : v;
  }
  return out as Strings;
}
