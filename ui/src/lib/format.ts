import { locale, t } from "./strings.svelte";

/** Bytes as people read them. */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MiB`;
  return `${(n / 1073741824).toFixed(2)} GiB`;
}

/** The first 12 hex digits of a hash, for tables (the whole hash is on the item page). */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

/** What kind of evidence a media type is, for the type filter and the icon in lists. */
export type Kind = "image" | "pdf" | "email" | "text" | "other";

export function kindOf(mediaType: string): Kind {
  if (mediaType.startsWith("image/")) return "image";
  if (mediaType === "application/pdf") return "pdf";
  if (mediaType === "message/rfc822") return "email";
  if (mediaType.startsWith("text/")) return "text";
  return "other";
}

/** A register date as written (`2031`, `2031-03`, `~2031-03-12`) made readable, in the
 *  language on screen ("12 March 2031", "12 марта 2031 г.", "about April 2031"). */
export function registerDate(date: string | null, approximate = false): string {
  if (!date) return t.undated.toLowerCase();
  const bare = date.replace(/^~/, "");
  const [y, m, d] = bare.split("-").map(Number);
  let text = `${y}`;
  if (y && m) {
    // Noon UTC: the day never shifts with the time zone.
    const when = new Date(Date.UTC(y, m - 1, d || 1, 12));
    const parts: Intl.DateTimeFormatOptions = d
      ? { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }
      : { month: "long", year: "numeric", timeZone: "UTC" };
    text = new Intl.DateTimeFormat(locale(), parts).format(when);
  }
  return approximate || date.startsWith("~") ? `${t.about} ${text}` : text;
}

/** A day (`2031-03-12`) as the language on screen writes it in a list: 12/03/2031, 12.03.2031. */
export function shortDate(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return day;
  const when = new Date(Date.UTC(y, m - 1, d, 12));
  // A four-digit year: "12.03.31" is ambiguous in a register of evidence.
  const parts: Intl.DateTimeFormatOptions = { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), parts).format(when);
}

/** A moment (RFC 3339, UTC) in the user's time zone, as the language on screen writes it. */
export function moment(at: string): string {
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return at;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeStyle: "short" }).format(when);
}
