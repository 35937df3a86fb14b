import { describe, expect, it } from "vitest";
import { humanSize } from "./format";
import { errorText, isApiError } from "./api";
import { catalogues, setUiLanguage } from "./strings.svelte";

describe("humanSize", () => {
  it("uses binary units with one decimal", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(1536)).toBe("1.5 KiB");
    expect(humanSize(10_000_000)).toBe("9.5 MiB");
    expect(humanSize(3 * 1073741824)).toBe("3.00 GiB");
  });
});

describe("isApiError", () => {
  it("recognises the {code, message} errors the Rust side sends", () => {
    expect(isApiError({ code: "wrong_passphrase", message: "wrong passphrase" })).toBe(true);
    expect(isApiError("a plain string")).toBe(false);
    expect(isApiError(null)).toBe(false);
  });
});

describe("errorText", () => {
  it("says the core's errors in the UI's language, and falls back to the core's words", () => {
    const e = (key: string | null, args: string[], message = "in the core's words") =>
      ({ code: "invalid_input", message, key, args }) as const;
    try {
      setUiLanguage("ru");
      expect(errorText(e("output_exists", ["/home/a/Досье.pdf"]))).toBe("/home/a/Досье.pdf уже существует: Dossier не перезаписывает файлы.");
      expect(errorText(e("no_such_entity", ["person", "ab12"]))).toBe("Не найдено: человек ab12.");
      setUiLanguage("kk");
      expect(errorText(e("wrong_passphrase", []))).toContain("Құпия сөйлем қате");
      // A kind the catalogues do not know, or none: the core's message as it is.
      expect(errorText(e("kdf_too_expensive", ["x"]))).toBe("in the core's words");
      expect(errorText(e(null, []))).toBe("in the core's words");
      expect(errorText(new Error("boom"))).toBe("Error: boom");
    } finally {
      setUiLanguage("en");
    }
  });

  it("has every error kind in every language", () => {
    for (const [lang, strings] of Object.entries(catalogues)) {
      expect(Object.keys(strings.errors).sort(), lang).toEqual(Object.keys(catalogues.en.errors).sort());
    }
  });
});
