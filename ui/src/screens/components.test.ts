// @vitest-environment jsdom
// Components with the API module replaced: what the user does on screen becomes the right
// call across the boundary, and what comes back is shown.
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FieldState, KeyPrompt, KeySlot, LibraryRow, Link, Lists } from "../lib/bindings";

const api = vi.hoisted(() => ({
  keySlots: vi.fn(),
  removeKeySlot: vi.fn(),
  addRecoveryKey: vi.fn(),
  exportIdentity: vi.fn(),
  linkAll: vi.fn(),
  search: vi.fn(),
  why: vi.fn(),
  submissionForm: vi.fn(),
  setSubmissionField: vi.fn(),
  onKeyPrompt: vi.fn(),
  onKeyPromptsDone: vi.fn(),
  answerPrompt: vi.fn(),
}));
vi.mock("../lib/api", () => ({
  api,
  errorText: (e: unknown) => (typeof e === "object" && e && "message" in e ? String(e.message) : String(e)),
  renditionUrl: () => "",
}));

import { setUiLanguage } from "../lib/strings.svelte";
import KeyPrompts from "./KeyPrompts.svelte";
import KeySlots from "./KeySlots.svelte";
import Library from "./Library.svelte";
import SubmissionForm from "./SubmissionForm.svelte";

let target: HTMLElement;
let app: ReturnType<typeof mount> | null = null;
beforeEach(() => {
  target = document.body.appendChild(document.createElement("div"));
  for (const f of Object.values(api)) f.mockReset();
});
afterEach(() => {
  if (app) unmount(app);
  app = null;
  target.remove();
});

const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
  await new Promise((r) => setTimeout(r, 0));
  flushSync();
};
const q = <T extends Element>(css: string) => {
  const el = target.querySelector<T>(css);
  if (!el) throw new Error(`no ${css} in ${target.innerHTML.slice(0, 400)}`);
  return el;
};
function typeInto(css: string, value: string) {
  const el = q<HTMLInputElement>(css);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

describe("KeySlots", () => {
  const slots: KeySlot[] = [
    { id: "passphrase", kind: "passphrase", label: "passphrase", created_at: "2031-03-01T00:00:00Z", present: true } as KeySlot,
    { id: "ab".repeat(16), kind: "recovery", label: "paper copy", created_at: "2031-03-02T00:00:00Z", present: true } as KeySlot,
  ];

  it("asks before removing a way in, with its own passphrase, and keeps the slot on a refusal", async () => {
    api.keySlots.mockResolvedValue(slots);
    api.removeKeySlot.mockRejectedValueOnce({ code: "wrong_passphrase", message: "Wrong passphrase" });
    app = mount(KeySlots, { target });
    await settle();
    // The slot's kind in words ("recovery key"), not the wire's "recovery".
    expect([...target.querySelectorAll("li.slot .muted")].map((e) => e.textContent)).toEqual([
      "passphrase · 2031-03-01",
      "recovery key · 2031-03-02",
    ]);
    q<HTMLButtonElement>('.remove-key[data-label="paper copy"]').click();
    flushSync();
    expect(target.textContent).toContain("no longer open this vault");
    expect(api.removeKeySlot).not.toHaveBeenCalled();

    typeInto("#remove-passphrase", "not it");
    q<HTMLButtonElement>("#remove-key-yes").click();
    await settle();
    expect(api.removeKeySlot).toHaveBeenCalledWith("not it", "ab".repeat(16));
    expect(q("#key-slots .error").textContent).toContain("Wrong passphrase");
    expect(q<HTMLInputElement>("#remove-passphrase").value).toBe("");

    api.removeKeySlot.mockResolvedValueOnce(slots[1]);
    api.keySlots.mockResolvedValue([slots[0]]);
    typeInto("#remove-passphrase", "right one");
    q<HTMLButtonElement>("#remove-key-yes").click();
    await settle();
    expect(api.removeKeySlot).toHaveBeenLastCalledWith("right one", "ab".repeat(16));
    expect(q("#key-message").textContent).toContain("Key slot removed");
    expect(q("#key-slots ul").textContent).not.toContain("paper copy");
  });

  it("offers a recovery key on paper or the key as a file, one at a time", async () => {
    api.keySlots.mockResolvedValue(slots.slice(0, 1));
    api.exportIdentity.mockResolvedValue("/media/stick/vault-key.txt");
    app = mount(KeySlots, { target });
    await settle();
    expect(target.querySelector("#recovery-add")).not.toBeNull();
    const file = q<HTMLInputElement>("#recovery-file");
    file.checked = true;
    file.dispatchEvent(new Event("change", { bubbles: true }));
    flushSync();
    expect(target.querySelector("#recovery-add")).toBeNull();
    typeInto("#recovery-passphrase", "pass words");
    q<HTMLButtonElement>("#recovery-file-save").click();
    await settle();
    expect(api.exportIdentity).toHaveBeenCalledWith("pass words");
    expect(api.addRecoveryKey).not.toHaveBeenCalled();
    expect(q("#recovery-message").textContent).toContain("/media/stick/vault-key.txt");
    expect(q<HTMLInputElement>("#recovery-passphrase").value).toBe("");
  });
});

describe("Library", () => {
  const row = (id: string, name: string): LibraryRow =>
    ({ id, name, size: 1, media_type: "text/plain", sha256: "ab".repeat(32), imported_at: "2031-03-01T00:00:00Z",
       source: null, notes: "", deleted_at: null, deleted_reason: null, purged_at: null, thumbnail: false,
       day: "2031-03-01", cases: [], people: [] }) as LibraryRow;
  const lists: Lists = { cases: [{ id: "c1", label: "Жұмабаева v. Kazakhstan" }], people: [{ id: "p1", label: "Ерлан Сұлтанұлы" }] };

  it("links every ticked item to the chosen person in one call", async () => {
    api.linkAll.mockResolvedValue(2);
    const changed = vi.fn();
    // jsdom has no layout: the list keeps its default height of 600 px, enough for the rows.
    globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} };
    app = mount(Library, { target, props: { rows: [row("i1", "a.txt"), row("i2", "b.txt"), row("i3", "c.txt")], lists, open: () => {}, changed } });
    await settle();
    expect(target.querySelector("#selected-count")).toBeNull();
    for (const id of ["i1", "i3"]) q<HTMLInputElement>(`input.pick[data-id="${id}"]`).click();
    flushSync();
    expect(q("#selected-count").textContent).toContain("2 selected");
    const select = q<HTMLSelectElement>("#link-target");
    select.value = "person:p1";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    flushSync();
    q<HTMLButtonElement>("#link-selected").click();
    await settle();
    const links: Link[] = [
      { kind: "person_item", person: "p1", item: "i1" },
      { kind: "person_item", person: "p1", item: "i3" },
    ];
    expect(api.linkAll).toHaveBeenCalledWith(links);
    expect(changed).toHaveBeenCalled();
    expect(q("#link-note").textContent).toContain("2 items linked to Ерлан Сұлтанұлы");
    expect(target.querySelector("#selected-count")).toBeNull();
  });

  it("never shows why an older query matched", async () => {
    globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} };
    const rows = Array.from({ length: 200 }, (_, i) => row(`i${i}`, `note-${i}.txt`));
    const hit = (id: string) => ({ kind: "item", id, label: "", snippet: "", rank: 0 });
    // Each call answers when the test says so.
    const pending: { q: string; resolve: (v: unknown) => void }[] = [];
    api.search.mockImplementation((input: { text: string }) => new Promise((resolve) => pending.push({ q: input.text, resolve })));
    api.why.mockImplementation((q: string, ids: string[]) => new Promise((resolve) => pending.push({ q: "why:" + q, resolve: () => resolve(ids.map((id) => `${q} passage of ${id}`)) })));
    app = mount(Library, { target, props: { rows, lists, open: () => {}, changed: () => {} } });
    await settle();
    typeInto("#search", "суд");
    await new Promise((r) => setTimeout(r, 80));
    pending.find((p) => p.q === "суд")!.resolve(rows.slice(0, 150).map((r) => hit(r.id)));
    await settle();
    pending.find((p) => p.q === "why:суд")!.resolve(null);
    await settle();
    // A keystroke, then the list scrolls while the new search runs: rows come into view and
    // are asked about under the old query.
    typeInto("#search", "судь");
    const scroll = q<HTMLDivElement>(".scroll");
    scroll.scrollTop = 44 * 40;
    scroll.dispatchEvent(new Event("scroll"));
    await settle();
    const stale = pending.filter((p) => p.q === "why:суд").at(-1)!;
    await new Promise((r) => setTimeout(r, 80));
    pending.find((p) => p.q === "судь")!.resolve(rows.slice(0, 150).map((r) => hit(r.id)));
    await settle();
    stale.resolve(null); // the old query's answer arrives last
    await settle();
    for (const el of target.querySelectorAll(".why")) expect(el.textContent).not.toContain("суд passage");
  });

  it("searches for ids only and asks why for the rows in view, once each", async () => {
    globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} };
    // More rows than the view holds: only the first screenful is asked about.
    const rows = Array.from({ length: 200 }, (_, i) => row(`i${i}`, `note-${i}.txt`));
    api.search.mockResolvedValue(rows.slice(0, 150).map((r, i) => ({ kind: "item", id: r.id, label: "", snippet: "", rank: -i })));
    api.why.mockImplementation(async (_q: string, ids: string[]) => ids.map((id) => (id === "i0" ? "Person: [Жұмабаева] Әлия" : "")));
    app = mount(Library, { target, props: { rows, lists, open: () => {}, changed: () => {} } });
    await settle();
    typeInto("#search", "Жумабаева");
    await new Promise((r) => setTimeout(r, 80));
    await settle();
    await settle();
    expect(api.search).toHaveBeenCalledTimes(1);
    expect(api.search.mock.calls[0]?.[0]).toMatchObject({ text: "Жумабаева", kind: "item", ids_only: true });
    expect(q("#shown-count").textContent).toContain("150");
    expect(api.why).toHaveBeenCalledTimes(1);
    const [text, asked] = api.why.mock.calls[0] ?? [];
    expect(text).toBe("Жумабаева");
    expect(asked[0]).toBe("i0");
    expect(asked.length).toBeLessThan(40);
    // The passage shows without brackets; a row with no passage shows its cases instead.
    expect(q('.item-row[data-id="i0"] .why').textContent).toBe("Person: Жұмабаева Әлия");
    expect(target.querySelector('.item-row[data-id="i1"] .why')).toBeNull();
  });
});

describe("SubmissionForm", () => {
  afterEach(() => setUiLanguage("en"));
  const field = (key: string, label: string, required: boolean, value = "") =>
    ({ key, label, kind: "text", required, value, origin: value ? "field" : "empty" }) as FieldState;

  it("asks each question in the language on screen, and names the empty required ones in it", async () => {
    setUiLanguage("ru");
    api.submissionForm.mockResolvedValue([
      field("summary", "Summary of the case", true, "Кратко."),
      field("remedies", "Domestic remedies pursued and their results", true),
      field("a key this UI predates", "A question from a newer core", false),
    ]);
    // As `bind:missing` passes it: the form writes the list back through the setter.
    let missing: string[] = [];
    const props = { caseId: "c1", template: "wgad", items: [], get missing() { return missing; }, set missing(v) { missing = v; } };
    app = mount(SubmissionForm, { target, props });
    await settle();
    const labels = [...target.querySelectorAll("label")].map((l) => l.textContent?.replace(/\s*\*$/, "").trim());
    expect(labels).toEqual([
      "Краткое изложение дела",
      "Использованные внутренние средства правовой защиты и их результаты",
      "A question from a newer core",
    ]);
    expect(missing).toEqual(["Использованные внутренние средства правовой защиты и их результаты"]);
  });
});

describe("KeyPrompts", () => {
  it("shows what the key's plugin says, and sends a PIN back to the question that asked", async () => {
    let tell: (p: KeyPrompt) => void = () => {};
    api.onKeyPrompt.mockImplementation((f: (p: KeyPrompt) => void) => { tell = f; return Promise.resolve(() => {}); });
    let done: () => void = () => {};
    api.onKeyPromptsDone.mockImplementation((f: () => void) => { done = f; return Promise.resolve(() => {}); });
    api.answerPrompt.mockResolvedValue(true);
    app = mount(KeyPrompts, { target });
    await settle();
    expect(target.querySelector("#key-prompts")).toBeNull();
    tell({ id: 1, kind: "message", text: "Touch your YubiKey", yes: null, no: null });
    tell({ id: 2, kind: "secret", text: "Enter PIN for YubiKey", yes: null, no: null });
    flushSync();
    expect(q("#key-prompts").textContent).toContain("Touch your YubiKey");
    expect(q("#key-prompts label").textContent).toContain("Enter PIN for YubiKey");
    typeInto("#key-prompt-answer", "123456");
    q<HTMLButtonElement>("#key-prompt-ok").click();
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledWith(2, "123456");
    expect(target.querySelector("#key-prompt-answer")).toBeNull();
    // Declining a question answers it with nothing, so the plugin stops waiting.
    tell({ id: 3, kind: "text", text: "Which slot?", yes: null, no: null });
    flushSync();
    q<HTMLButtonElement>("#key-prompt-cancel").click();
    await settle();
    expect(api.answerPrompt).toHaveBeenLastCalledWith(3, null);
    // "Touch your key" after the last question stays until the plugin's run ends.
    tell({ id: 4, kind: "message", text: "Touch your YubiKey again", yes: null, no: null });
    flushSync();
    expect(q("#key-prompts").textContent).toContain("again");
    done();
    flushSync();
    expect(target.querySelector("#key-prompts")).toBeNull();
  });
});

