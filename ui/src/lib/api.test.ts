// The boundary itself, with Tauri's invoke replaced: the file dialogs Rust opens are titled in
// the language on screen (GTK's dialogs know nothing of the app's language).
import { afterEach, describe, expect, it, vi } from "vitest";

const invoke = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke, Channel: class { onmessage = () => {}; } }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

import { api } from "./api";
import { setUiLanguage } from "./strings.svelte";

describe("file dialogs", () => {
  afterEach(() => setUiLanguage("en"));

  it("are titled in the language on screen", async () => {
    invoke.mockResolvedValue(null);
    setUiLanguage("ru");
    await api.importFiles(() => {});
    await api.unlockWithKey(null);
    setUiLanguage("kk");
    await api.backup(() => {});
    const titles = invoke.mock.calls.map(([, args]) => (args as { title?: string }).title);
    expect(titles).toEqual([
      "Импорт доказательств",
      "Выберите файл ключа, который открывает это хранилище",
      "Сақтық көшірме қалтасын таңдаңыз",
    ]);
  });
});
