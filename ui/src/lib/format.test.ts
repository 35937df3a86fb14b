import { describe, expect, it } from "vitest";
import { humanSize } from "./format";
import { isApiError } from "./api";

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
