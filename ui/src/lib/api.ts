// The only door to the Rust side: components call these functions, never `invoke` with
// strings, so the boundary is typed in one place (the types are generated from Rust into
// bindings.ts) and tests can replace it.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type * as B from "./bindings";
import { shortDate } from "./format";
import { t } from "./strings.svelte";

export type * from "./bindings";

export function isApiError(e: unknown): e is B.ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** A message for people from anything thrown across the boundary: in the UI's language when
 * the core named its kind (`key`, with its values in `args`), else the core's own words. */
export function errorText(e: unknown): string {
  if (!isApiError(e)) return String(e);
  const say = e.key ? t.errors[e.key] : undefined;
  if (!say) return e.message;
  const args = e.key === "no_such_entity" ? [t.entityKinds[e.args[0] ?? ""] ?? e.args[0] ?? "", ...e.args.slice(1)] : e.args;
  return say(...args);
}

/** What opening found, in the UI's language: a notice's kind and values, dates as the
 * language writes them, and what made a stray file. */
export function noticeText(n: B.Notice): string {
  const say = t.notices[n.key];
  if (!say) return n.text;
  const args = [...n.args];
  if (n.key === "missing_entries" && args[3]) args[3] = shortDate(args[3]);
  if (n.key === "sync_debris") args[1] = t.debris[args[1] as B.DebrisKind] ?? args[1] ?? "";
  return say(...args);
}

export type OnProgress = (event: B.ProgressEvent) => void;

function channel(onProgress: OnProgress): Channel<B.ProgressEvent> {
  return new Channel<B.ProgressEvent>(onProgress);
}

export const api = {
  status: () => invoke<B.VaultStatus>("vault_status"),
  create: (passphrase: string, acceptWeak: boolean) => invoke<void>("create_vault", { passphrase, acceptWeak }),
  suggestPassphrase: () => invoke<string>("suggest_passphrase"),
  unlock: (passphrase: string) => invoke<B.Opened>("unlock", { passphrase }),
  /** A pasted recovery key, or `null`: Rust asks for a key file (`null` back: dialog closed). */
  unlockWithKey: (key: string | null) => invoke<B.Opened | null>("unlock_with_key", { key, title: t.dialogs.keyFile }),
  answerPrompt: (id: number, answer: string | null) => invoke<boolean>("answer_prompt", { id, answer }),
  addPluginKey: (passphrase: string, recipient: string, label: string) =>
    invoke<B.KeySlot>("add_plugin_key", { passphrase, recipient, label }),
  acceptDamaged: () => invoke<string[]>("accept_damaged"),
  conflicts: () => invoke<B.Conflict[]>("conflicts"),
  resolveConflict: (number: number, keep: number) => invoke<void>("resolve_conflict", { number, keep }),
  lock: () => invoke<void>("lock"),
  stillHere: () => invoke<void>("still_here"),
  settings: () => invoke<B.Settings>("settings"),
  setAutoLock: (minutes: number) => invoke<void>("set_auto_lock", { minutes }),
  setOcr: (enabled: boolean, languages: string) => invoke<B.OcrSettings>("set_ocr", { enabled, languages }),
  setUiLanguage: (code: string) => invoke<void>("set_ui_language", { code }),
  setTimeStampingAuthority: (url: string, imports: boolean) => invoke<void>("set_time_stamping_authority", { url, imports }),
  sendTimeStamps: () => invoke<B.StampReport | null>("send_time_stamps"),
  changePassphrase: (current: string, next: string, acceptWeak: boolean) =>
    invoke<void>("change_passphrase", { current, new: next, acceptWeak }),
  exportIdentity: (passphrase: string) => invoke<string | null>("export_identity", { passphrase, title: t.dialogs.saveIdentity }),
  exportSigner: (signerName: string) => invoke<string | null>("export_signer", { signerName, title: t.dialogs.saveSigner }),

  library: () => invoke<B.LibraryRow[]>("library"),
  prepareSearch: () => invoke<void>("prepare_search"),
  search: (input: B.SearchInput) => invoke<B.Hit[]>("search", { input }),
  why: (text: string, items: string[]) => invoke<string[]>("why", { text, items }),
  item: (id: string) => invoke<B.ItemDetail>("item_detail", { id }),
  setItemNotes: (id: string, notes: string) => invoke<B.Item>("set_item_notes", { id, notes }),
  setItemDate: (id: string, date: string) => invoke<B.Item>("set_item_date", { id, date }),
  link: (link: B.Link) => invoke<void>("link", { link }),
  linkAll: (links: B.Link[]) => invoke<number>("link_all", { links }),
  unlink: (link: B.Link) => invoke<void>("unlink", { link }),
  extract: (id: string) => invoke<string | null>("extract_item", { id, title: t.dialogs.saveCopy }),

  cases: () => invoke<B.Case[]>("cases"),
  people: () => invoke<B.Person[]>("people"),
  lists: () => invoke<B.Lists>("lists"),
  caseView: (id: string) => invoke<B.CaseView>("case_view", { id }),
  personView: (id: string) => invoke<B.PersonView>("person_view", { id }),
  addCase: (input: B.NewCaseInput) => invoke<B.Case>("add_case", { input }),
  editCase: (id: string, input: B.CaseEditInput) => invoke<B.Case>("edit_case", { id, input }),
  deleteCase: (id: string) => invoke<B.Case>("delete_case", { id }),
  purgeItem: (id: string, passphrase: string) => invoke<B.Item>("purge_item", { id, passphrase }),
  editEvent: (id: string, input: B.EventEditInput) => invoke<B.Event>("edit_event", { id, input }),
  addPerson: (input: B.NewPersonInput) => invoke<B.PersonAdded>("add_person", { input }),
  editPerson: (id: string, input: B.NewPersonInput) => invoke<B.Person>("edit_person", { id, input }),
  deletePerson: (id: string) => invoke<B.Person>("delete_person", { id }),
  deleteEvent: (id: string) => invoke<B.Event>("delete_event", { id }),
  custodyLog: () => invoke<B.Entry[]>("custody_log"),
  addEvent: (input: B.NewEventInput) => invoke<string>("add_event", { input }),

  importFiles: (p: OnProgress) => invoke<B.ImportReport | null>("import_files", { channel: channel(p), title: t.dialogs.importFiles }),
  importAttachments: (id: string, p: OnProgress) =>
    invoke<B.ImportReport>("import_attachments", { id, channel: channel(p) }),
  importFolder: (p: OnProgress) => invoke<B.ImportReport | null>("import_folder", { channel: channel(p), title: t.dialogs.importFolder }),
  importDropped: (p: OnProgress) => invoke<B.ImportReport>("import_dropped", { channel: channel(p) }),
  discardDropped: () => invoke<void>("discard_dropped"),
  recogniseQueued: (p: OnProgress) => invoke<B.OcrReport>("recognise_queued", { channel: channel(p) }),
  cancelJob: () => invoke<void>("cancel_job"),
  reindex: (p: OnProgress) => invoke<number>("reindex", { channel: channel(p) }),
  verifyVault: (p: OnProgress) => invoke<B.Report>("verify_vault", { channel: channel(p) }),
  deleteItem: (id: string, reason: string) => invoke<B.Item>("delete_item", { id, reason }),
  renameItem: (id: string, name: string, source: string) => invoke<B.Item>("rename_item", { id, name, source }),
  verifyFile: (p: OnProgress) => invoke<B.VerifyOutcome | null>("verify_file", { channel: channel(p), title: t.dialogs.verifyFile }),
  exportPreview: (input: B.ExportInput) => invoke<B.ExportPreview>("export_preview", { input }),
  dossierDraft: (input: B.ExportInput) => invoke<number>("dossier_draft", { input }),
  submissionForm: (caseId: string, template: string) =>
    invoke<B.FieldState[]>("submission_form", { case: caseId, template }),
  setSubmissionField: (caseId: string, key: string, value: string) =>
    invoke<void>("set_submission_field", { case: caseId, key, value }),
  exportDossier: (input: B.ExportInput, p: OnProgress) =>
    invoke<B.ExportReport | null>("export_dossier", { input, channel: channel(p), title: t.dialogs.saveDossier }),

  keySlots: () => invoke<B.KeySlot[]>("key_slots"),
  addRecoveryKey: (passphrase: string, label: string, sheet: boolean) =>
    invoke<B.RecoveryKeyShown>("add_recovery_key", { passphrase, label, sheet, title: t.dialogs.saveRecoverySheet }),
  removeKeySlot: (passphrase: string, id: string) => invoke<B.KeySlot>("remove_key_slot", { passphrase, id }),
  backup: (p: OnProgress) => invoke<B.BackupReport | null>("backup", { channel: channel(p), title: t.dialogs.backupFolder }),
  pull: (p: OnProgress) => invoke<B.Pulled | null>("pull", { channel: channel(p), title: t.dialogs.pullFrom }),
  verifyBackup: (p: OnProgress) => invoke<B.Report | null>("verify_backup", { channel: channel(p), title: t.dialogs.checkBackup }),
  contacts: () => invoke<B.Contact[]>("contacts"),
  addContact: (name: string, key: string) => invoke<B.Contact>("add_contact", { name, key }),
  removeContact: (id: string) => invoke<B.Contact>("remove_contact", { id }),
  sharingKey: () => invoke<B.SharingKey>("sharing_key"),
  shareCase: (caseId: string, contacts: string[], p: OnProgress) =>
    invoke<B.ShareReport | null>("share_case", { case: caseId, contacts, channel: channel(p), title: t.dialogs.saveBundle }),
  receiveBundle: (caseId: string | null, p: OnProgress) =>
    invoke<B.ReceiveReport | null>("receive_bundle", { case: caseId, channel: channel(p), title: t.dialogs.receiveBundle }),

  /** Files were dropped on the window: their count (the paths stay in Rust). */
  onDropped: (f: (count: number) => void): Promise<UnlistenFn> =>
    listen<number>("files-dropped", (e) => f(e.payload)),
  /** The vault locked itself after the idle time. */
  onLocked: (f: () => void): Promise<UnlistenFn> => listen("locked", () => f()),
  /** A key plugin's question or message (a YubiKey's PIN, "touch your key"). */
  onKeyPrompt: (f: (p: B.KeyPrompt) => void): Promise<UnlistenFn> =>
    listen<B.KeyPrompt>("key-prompt", (e) => f(e.payload)),
  /** The plugin's run ended (opened, added, failed or gave up): what it showed can go. */
  onKeyPromptsDone: (f: () => void): Promise<UnlistenFn> => listen("key-prompts-done", () => f()),
};

/** `dossier://` serves renditions decrypted in memory, never cached (see src-tauri/src/protocol.rs). */
/** Page `page` (from 1) of a PDF item, drawn when asked for. */
export function pageUrl(id: string, page: number): string {
  return navigator.userAgent.includes("Windows")
    ? `http://dossier.localhost/page/${id}/${page}`
    : `dossier://localhost/page/${id}/${page}`;
}

/** Page `page` of the dossier draft on show; `version` makes a new draft load afresh. */
export function draftUrl(page: number, version: number): string {
  return navigator.userAgent.includes("Windows")
    ? `http://dossier.localhost/draft/${page}?v=${version}`
    : `dossier://localhost/draft/${page}?v=${version}`;
}

export function renditionUrl(which: "thumb" | "preview", id: string): string {
  // WebKitGTK and WKWebView use the scheme directly; WebView2 maps it to http://<scheme>.localhost.
  return navigator.userAgent.includes("Windows")
    ? `http://dossier.localhost/${which}/${id}`
    : `dossier://localhost/${which}/${id}`;
}
