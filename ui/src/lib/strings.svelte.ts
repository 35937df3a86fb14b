// The UI's words in the chosen language. `t` is one object that every component reads
// (`t.save`); every read goes through one signal, the catalogue on screen, so switching
// language is one write and every screen follows without a reload. (A deep `$state` copy of
// the catalogue cost a signal per key and a proxy per table at every switch.) The language is
// the vault's setting once unlocked, the system's before.
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

let current = $state<UiLang>("en");
// Catalogues are never changed: no deep proxy needed.
let shown = $state.raw<Strings>(en);
export const t: Strings = new Proxy(en, {
  get: (_, key) => Reflect.get(shown, key),
  has: (_, key) => Reflect.has(shown, key),
  ownKeys: () => Reflect.ownKeys(shown),
  getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(shown, key),
  set: () => false,
});

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
  shown = catalogues[lang];
  current = lang;
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  return lang;
}
