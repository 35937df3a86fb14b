import { describe, expect, it } from "vitest";
import { filterRows, noFilter } from "./filter";
import { kindOf, registerDate, shortHash } from "./format";
import { apply, current, newProgress, overall } from "./progress";
import { estimateBits, strength } from "./strength";
import { visibleRange } from "./virtual";
import type { LibraryRow, ProgressEvent } from "./bindings";

function row(id: string, over: Partial<LibraryRow> = {}): LibraryRow {
  return {
    id, name: `${id}.txt`, size: 1, media_type: "text/plain", sha256: "ab".repeat(32),
    imported_at: "2031-03-01T00:00:00Z", source: null, notes: "", deleted_at: null,
    deleted_reason: null, purged_at: null, thumbnail: false, day: "2031-03-01", cases: [],
    people: [], ...over,
  };
}

describe("strength", () => {
  it("rates several random words above a short complex token", () => {
    expect(strength("Tr0ub4d&").score).toBeLessThanOrEqual(2);
    expect(strength("correct horse battery staple mountain river").score).toBe(4);
  });
  it("gives nothing for short or repetitive passphrases", () => {
    expect(strength("abc").score).toBe(0);
    expect(strength("aaaaaaaaaaaaaaaa").score).toBe(1);
    // The same vectors as src/strength.rs: the meter and the app's rule agree.
    expect(strength("password").score).toBe(1);
    expect(strength("correct horse battery staple").score).toBe(3);
    expect(strength("benchmark passphrase").score).toBe(3);
    expect(strength("мой пароль очень длинный и сложный").score).toBeGreaterThanOrEqual(3);
    expect(estimateBits("")).toBe(0);
  });
  it("counts repeated words once", () => {
    expect(estimateBits("river river river river")).toBeLessThan(estimateBits("river stone cloud lamp"));
  });
});

describe("visibleRange", () => {
  it("renders only the rows in view plus a margin, padding the rest", () => {
    const w = visibleRange(36_000, 600, 36, 10_000, 5);
    expect(w.start).toBe(995);
    expect(w.end).toBe(1022);
    expect(w.padTop + (w.end - w.start) * 36 + w.padBottom).toBe(10_000 * 36);
  });
  it("clamps at both ends", () => {
    expect(visibleRange(-50, 600, 36, 3).start).toBe(0);
    const end = visibleRange(1e9, 600, 36, 100);
    expect(end.end).toBe(100);
    expect(end.start).toBeLessThanOrEqual(100);
    expect(end.padBottom).toBe(0);
  });
});

describe("filterRows", () => {
  const rows = [
    row("a", { cases: ["c1"], day: "2031-03-12", media_type: "image/jpeg" }),
    row("b", { people: ["p1"], day: "2031-04-02" }),
    row("c", { cases: ["c1"], people: ["p1"], day: "2030-12-31", media_type: "application/pdf" }),
  ];
  it("applies case, person, kind and date filters together", () => {
    expect(filterRows(rows, { ...noFilter, case: "c1" }, null).map((r) => r.id)).toEqual(["a", "c"]);
    expect(filterRows(rows, { ...noFilter, person: "p1", case: "c1" }, null).map((r) => r.id)).toEqual(["c"]);
    expect(filterRows(rows, { ...noFilter, kind: "image" }, null).map((r) => r.id)).toEqual(["a"]);
    expect(filterRows(rows, { ...noFilter, from: "2031", to: "2031-03" }, null).map((r) => r.id)).toEqual(["a"]);
  });
  it("keeps search order and drops hits that are not rows", () => {
    expect(filterRows(rows, noFilter, ["c", "zzz", "a"]).map((r) => r.id)).toEqual(["c", "a"]);
    expect(filterRows(rows, { ...noFilter, kind: "pdf" }, ["a", "c"]).map((r) => r.id)).toEqual(["c"]);
  });
});

describe("progress", () => {
  it("folds events into overall and per-file fractions", () => {
    const events: ProgressEvent[] = [
      { kind: "batch", count: 2, bytes: 300 },
      { kind: "start", label: "a.pdf", total: 100 },
      { kind: "position", done: 50 },
    ];
    let p = events.reduce(apply, newProgress());
    expect(current(p)).toBe(0.5);
    expect(overall(p)).toBeCloseTo(50 / 300);
    p = apply(p, { kind: "finish" });
    p = apply(p, { kind: "file", index: 0, outcome: { name: "a.pdf", status: "new", id: "x", message: null } });
    expect(overall(p)).toBeCloseTo(100 / 300);
    expect(p.files).toHaveLength(1);
  });
});

describe("format", () => {
  it("names kinds and dates as the register writes them", () => {
    expect(kindOf("message/rfc822")).toBe("email");
    expect(kindOf("application/zip")).toBe("other");
    expect(registerDate("~2031-04")).toBe("about April 2031");
    expect(registerDate("2031-03-12")).toBe("12 March 2031");
    expect(registerDate(null)).toBe("undated");
    expect(shortHash("0123456789abcdef")).toBe("0123456789ab");
  });
});
