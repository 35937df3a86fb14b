// The library's filters, applied to rows the Rust side sent once: case, person, kind of
// evidence, date range, and (when the search box has text) the ids the search found.
import type { LibraryRow } from "./bindings";
import { kindOf, type Kind } from "./format";

export type LibraryFilter = {
  case: string;
  person: string;
  kind: Kind | "";
  /** `YYYY-MM-DD` or a prefix (`2031`, `2031-03`). */
  from: string;
  to: string;
};

export const noFilter: LibraryFilter = { case: "", person: "", kind: "", from: "", to: "" };

/** `hits`: ids in search order, or null when there is no search text. */
export function filterRows(rows: LibraryRow[], f: LibraryFilter, hits: string[] | null): LibraryRow[] {
  const keep = (r: LibraryRow) =>
    (!f.case || r.cases.includes(f.case)) &&
    (!f.person || r.people.includes(f.person)) &&
    (!f.kind || kindOf(r.media_type) === f.kind) &&
    (!f.from || r.day >= f.from) &&
    // A prefix bound ("2031-03") includes the whole month: compare the same length.
    (!f.to || r.day.slice(0, f.to.length) <= f.to);
  if (hits === null) return rows.filter(keep);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return hits.map((id) => byId.get(id)).filter((r): r is LibraryRow => r !== undefined && keep(r));
}
