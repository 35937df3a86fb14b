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

/** A register date as written (`2031`, `2031-03`, `~2031-03-12`) made readable. */
export function registerDate(date: string | null, approximate = false): string {
  if (!date) return "undated";
  const bare = date.replace(/^~/, "");
  const [y, m, d] = bare.split("-");
  const months = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const month = m ? months[Number(m) - 1] : undefined;
  const text = d && month ? `${Number(d)} ${month} ${y}` : month ? `${month} ${y}` : `${y}`;
  return approximate || date.startsWith("~") ? `about ${text}` : text;
}
