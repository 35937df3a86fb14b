// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Refresh with `DOSSIER_BLESS=1 cargo test -p dossier-app bindings`.

export type ErrorCode = "wrong_passphrase" | "weak_passphrase" | "locked" | "in_use" | "cancelled" | "output_exists" | "invalid_input" | "integrity" | "read_only" | "other";

export type MessageKey = "wrong_passphrase" | "wrong_key" | "not_a_vault" | "vault_exists" | "unsupported_format" | "in_use" | "source" | "not_a_file" | "source_changed" | "output_exists" | "no_such_item" | "ambiguous_id" | "no_such_entity" | "purged" | "not_deleted" | "integrity" | "cancelled";

export type NoticeKey = "missing_entries" | "damaged_journal_file" | "device_forked" | "sync_debris" | "device_record_nowhere" | "device_record_unreadable" | "device_record_unsaved" | "snapshot_unsaved" | "interrupted_import_completed" | "interrupted_purge_finished" | "interrupted_work_untidy" | "extraction_unfinished" | "moved_to_format2" | "text_index_not_carried";

export type DebrisKind = "syncthing_conflict" | "syncthing_download" | "syncthing_folder" | "sync_service_conflict" | "numbered_copy" | "temporary" | "desktop_file" | "sync_client_state" | "stray";

export type Notice = { key: NoticeKey, 
/**
 * The values the sentence needs, in the order each kind documents.
 */
args: Array<string>, 
/**
 * In the core's words (English), as the CLI prints it.
 */
text: string, 
/**
 * What the vault holds now (the journal's problems, leftovers in its folder): said again
 * while it holds, so a front end replaces these when it asks again. Otherwise something
 * one opening (or pull) did or could not do, said once.
 */
standing: boolean, };

export type PullReport = { from: string, 
/**
 * Journal entries, snapshots and evidence files copied in.
 */
segments: number, snapshots: number, blobs: number, bytes: number, 
/**
 * Journal entries the vault now holds.
 */
entries: number, warnings: Array<string>, 
/**
 * Those of the warnings a front end says in its own language (reloading the journal
 * could not save the device record or a snapshot).
 */
notices: Array<Notice>, };

export type Pulled = { report: PullReport, 
/**
 * The notices as they stand now (missing entries the backup held are gone from them).
 */
notices: Array<Notice>, };

export type ApiError = { code: ErrorCode, 
/**
 * In the core's words (English).
 */
message: string, 
/**
 * The message's kind, when the UI's catalogues can say it in the user's language
 * (`errors.<key>` called with `args`); else the UI shows `message`.
 */
key: MessageKey | null, args: Array<string>, };

export type VaultStatus = { 
/**
 * Where the vault is (shown on the unlock screen: it is the user's own choice).
 */
path: string, exists: boolean, unlocked: boolean, };

export type Opened = { 
/**
 * What the journal and the folder hold that the user must know of, for the UI to say in
 * its language (missing entries, damaged journal files, sync-engine leftovers).
 */
notices: Array<Notice>, 
/**
 * The other warnings, in the core's words (the notices are not repeated here).
 */
warnings: Array<string>, 
/**
 * Why the vault is open read-only, if it is (a damaged journal file awaits a decision).
 */
read_only: string | null, 
/**
 * The damaged files the user may go on without (`accept_damaged`); empty when the vault
 * is read-only for another reason (an older copy put back), where going on would bury
 * newer work.
 */
damaged: Array<string>, 
/**
 * How many values were changed on two devices at once and await a choice.
 */
conflicts: number, };

export type Conflict = { 
/**
 * What it is about, in words: "person ad9f3cc1976aa06b (Алмаз Ахметов)".
 */
subject: string, 
/**
 * The field; empty when the entity was deleted on one device and changed on another.
 */
field: string, 
/**
 * The competing values, the one in use first.
 */
values: Array<ConflictValue>, };

export type ConflictValue = { 
/**
 * The value as text ("(empty)", "deleted", or the change made to the deleted entity).
 */
value: string, 
/**
 * The device that wrote it, by name.
 */
device: string, 
/**
 * When (RFC 3339, UTC, by that device's clock).
 */
at: string, };

export type Settings = { 
/**
 * Lock after this many idle minutes; 0 never locks by itself.
 */
auto_lock_minutes: number, signer: SignerSummary | null, ocr: OcrSettings, 
/**
 * The RFC 3161 authority dossier signatures are sent to, if the user named one.
 */
time_stamping_authority: string | null, 
/**
 * Imports are time-stamped too (when there is an authority).
 */
time_stamp_imports: boolean, 
/**
 * Items waiting for a time-stamp (the authority was out of reach).
 */
time_stamps_waiting: number, 
/**
 * The app's language on this vault (`en`, `ru`, `kk`, `fr`); none: the system's.
 */
ui_language: string | null, 
/**
 * The last check of the whole vault, by any device; none: never checked.
 */
last_check: LastCheck | null, };

export type SignerSummary = { 
/**
 * SHA-256 of the root certificate (DER), as `AB:CD:…` (the form `openssl x509
 * -fingerprint -sha256` prints).
 */
fingerprint: string, 
/**
 * SHA-256 of the signing (leaf) certificate: what pyHanko and PDF readers show. It
 * changes when the signing certificate is renewed; the root's does not.
 */
signer_fingerprint: string, root_subject: string, signer_subject: string, 
/**
 * Whom the signing certificate names, as a reader says it: "Name, Organisation".
 */
signed_as: string, not_after: string, };

export type Stamp = { 
/**
 * When the authority says it saw the digest, UTC (`2026-11-30T12:00:00Z`).
 */
time: string, 
/**
 * The authority's certificate subject, as it names itself.
 */
authority: string, 
/**
 * SHA-256 of the authority's certificate, hex: what a recipient compares to a trust list.
 */
authority_sha256: string, 
/**
 * The token's serial number at the authority, hex.
 */
serial: string, };

export type StampReport = { 
/**
 * Items time-stamped now.
 */
stamped: number, 
/**
 * Items still waiting (the authority could not be reached, or answered wrongly).
 */
waiting: number, 
/**
 * The last token's time and authority, if any was obtained.
 */
stamp: Stamp | null, 
/**
 * Why items still wait, in words.
 */
problem: string | null, };

export type ProgressEvent = { "kind": "batch", count: number, bytes: number, } | { "kind": "start", label: string, total: number, } | { "kind": "position", done: number, } | { "kind": "finish" } | { "kind": "file", index: number, outcome: FileOutcome, };

export type FileOutcome = { 
/**
 * The file's name (not its folder).
 */
name: string, 
/**
 * `new`, `duplicate` (the same SHA-256 is already stored as `id`) or `failed`.
 */
status: string, id: string | null, message: string | null, };

export type ImportReport = { files: Array<FileOutcome>, 
/**
 * Ids of the items now holding the imported files (new and duplicates), for linking.
 */
ids: Array<string>, cancelled: boolean, 
/**
 * What became of the time-stamps of the imported items (none without an authority).
 */
time_stamps: StampReport | null, };

export type OcrReport = { recognised: number, failed: number, 
/**
 * Items still waiting (the pass was cancelled, or OCR is off).
 */
queued: number, };

export type OcrSettings = { enabled: boolean, 
/**
 * Tesseract's language list, e.g. `rus+kaz+eng`.
 */
languages: string, 
/**
 * Whether Tesseract is installed on this machine.
 */
available: boolean, };

export type RecognisedText = { text: string, engine: string, languages: string, pages: Array<OcrPage>, };

export type OcrPage = { page: number, 
/**
 * Tesseract's mean word confidence, 0–100, weighted by word length.
 */
confidence: number, characters: number, };

export type VerifyOutcome = { "kind": "file", name: string, sha256: string, items: Array<Item>, } | { "kind": "dossier", name: string, report: PdfReport, own_signer: boolean, };

export type PersonAdded = { id: string, 
/**
 * People already in the register whose names are close: the UI asks whether to merge.
 */
possible_duplicates: Array<PossibleDuplicate>, };

export type Lists = { cases: Array<Ref>, people: Array<Ref>, };

export type NewCaseInput = { title: string, numbers: Array<CaseNumberInput>, court: string, status: string, notes: string, };

export type CaseNumberInput = { number: string, authority: string, };

export type CaseEditInput = { title: string | null, court: string | null, status: string | null, notes: string | null, 
/**
 * The case's numbers as they should be (rows left empty are ignored); `None` keeps them.
 */
numbers: Array<CaseNumberInput> | null, };

export type EventEditInput = { title: string, kind: EventKind | null, date: string, end: string, place: string, description: string, };

export type NewPersonInput = { name: string, aliases: Array<string>, 
/**
 * A date as the register writes them: `1987`, `1987-03`, `~1987-03-12`; empty for none.
 */
born: string, nationality: string, notes: string, };

export type NewEventInput = { case_id: string | null, title: string, 
/**
 * What it is; a submission picks events by kind.
 */
kind: EventKind | null, 
/**
 * `2031`, `2031-03`, `~2031-03-12`; empty for an undated event.
 */
date: string, end: string, place: string, description: string, people: Array<string>, items: Array<string>, };

export type Link = { "kind": "case_item", case: string, item: string, } | { "kind": "case_person", case: string, person: string, role: string, } | { "kind": "person_item", person: string, item: string, } | { "kind": "event_item", event: string, item: string, } | { "kind": "event_person", event: string, person: string, };

export type ExportInput = { case: string, 
/**
 * `wgad`, `pace`, `ep` or `generic`.
 */
template: string, 
/**
 * `en`, `fr`, `ru` or `es`.
 */
lang: string, 
/**
 * Annexes besides those the case links and its notes cite, in this order.
 */
items: Array<string>, strip_exif: boolean, no_originals: boolean, 
/**
 * Whom the signature names, a lawyer or an organisation: needed the first time the vault
 * signs (the certificates are made then).
 */
signer_name: string, signer_org: string, };

export type SearchInput = { text: string, case: string | null, person: string | null, 
/**
 * `item`, `case`, `person` or `event`.
 */
kind: string | null, 
/**
 * `image/`, `application/pdf`, …
 */
media_type: string | null, 
/**
 * Dates as the register writes them (`2031`, `2031-03-12`).
 */
from: string | null, to: string | null, limit: number, 
/**
 * Only kind, id and rank: the list asks [`why`] for the rows it shows.
 */
ids_only: boolean, };

export type ItemDetail = { item: Item, extraction: ExtractionRecord | null, links: ItemLinks, custody: Array<Entry>, 
/**
 * Extracted text (documents, e-mail bodies), cut at `TEXT_PREVIEW_CHARS`.
 */
text: string | null, text_truncated: boolean, 
/**
 * A 1600 px picture can be fetched from `dossier://localhost/preview/<id>`.
 */
preview: boolean, 
/**
 * Text recognised by OCR (shown apart from `text`, and marked as machine-recognised).
 */
recognised: RecognisedText | null, 
/**
 * When the document was issued, written, taken or sent, and where that date comes from.
 */
document_date: DocumentDate | null, };

export type DocumentDate = { 
/**
 * As written for events: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, `~` first when approximate.
 */
date: string, origin: DateOrigin, };

export type DateOrigin = "stated" | "taken" | "sent" | "created";

export type Item = { id: string, 
/**
 * The original file name.
 */
name: string, size: number, media_type: string, 
/**
 * SHA-256 of the original bytes, lowercase hex.
 */
sha256: string, imported_at: string, 
/**
 * Where it came from (the path it was imported from, or what the user wrote).
 */
source: string | null, notes: string, deleted_at: string | null, deleted_reason: string | null, purged_at: string | null, };

export type LibraryRow = { 
/**
 * It has a thumbnail rendition (an image).
 */
thumbnail: boolean, 
/**
 * `YYYY-MM-DD`: when the evidence was made (photo taken, e-mail sent), else imported.
 */
day: string, 
/**
 * Ids of the cases it is linked to, directly or through one of their events.
 */
cases: Array<string>, 
/**
 * Ids of the people it is linked to, directly or through an event they took part in.
 */
people: Array<string>, id: string, 
/**
 * The original file name.
 */
name: string, size: number, media_type: string, 
/**
 * SHA-256 of the original bytes, lowercase hex.
 */
sha256: string, imported_at: string, 
/**
 * Where it came from (the path it was imported from, or what the user wrote).
 */
source: string | null, notes: string, deleted_at: string | null, deleted_reason: string | null, purged_at: string | null, };

export type ExtractionRecord = { 
/**
 * `done` or `failed`.
 */
status: string, metadata: { [key in string]: JsonValue }, error: string | null, text_bytes: number, extracted_at: string, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type ItemLinks = { cases: Array<Ref>, people: Array<Ref>, events: Array<Ref>, 
/**
 * Items that came attached to this one (e-mail attachments).
 */
attachments: Array<Ref>, 
/**
 * Items this one came attached to.
 */
attached_to: Array<Ref>, };

export type Ref = { id: string, label: string, };

export type Entry = { 
/**
 * The device whose chain holds the entry (32 hex; empty for entries made in format 1).
 */
device: string, 
/**
 * Position in that device's chain, from 1.
 */
seq: number, at: string, action: string, item: string | null, 
/**
 * A JSON object with the details of the action.
 */
detail: string, prev_hash: string, hash: string, };

export type Hit = { kind: string, id: string, 
/**
 * The item's name, case title, person's name or event date and title.
 */
label: string, 
/**
 * The matching text with matches in [brackets].
 */
snippet: string, 
/**
 * BM25 score: lower is better.
 */
rank: number, };

export type Case = { id: string, title: string, numbers: Array<CaseNumber>, court: string, charges: Array<Charge>, status: string, notes: string, created_at: string, };

export type CaseNumber = { number: string, 
/**
 * The jurisdiction or authority that issued it (a court, a prosecutor's office, the WGAD).
 */
authority: string, };

export type Charge = { 
/**
 * The article reference, e.g. "Art. 190(4) Criminal Code of Kazakhstan".
 */
article: string, description: string, };

export type Person = { id: string, name: string, 
/**
 * Other spellings and transliterations.
 */
aliases: Array<string>, born: string | null, nationality: string, notes: string, created_at: string, };

export type PossibleDuplicate = { id: string, name: string, 
/**
 * The existing name or alias that matched.
 */
matched: string, similarity: number, };

export type Event = { id: string, case_id: string | null, title: string, 
/**
 * `None` when no kind was given.
 */
kind: EventKind | null, 
/**
 * As written: `2019`, `2019-03`, `~2019-03-12`; `None` for an undated event.
 */
date: string | null, precision: Precision | null, approximate: boolean, end_date: string | null, place: string, description: string, people: Array<string>, items: Array<string>, };

export type EventKind = "arrest" | "detention" | "hearing" | "judgment" | "appeal" | "transfer" | "ill_treatment" | "release" | "communication" | "other";

export type Precision = "day" | "month" | "year";

export type CaseView = { people: Array<CasePersonRole>, 
/**
 * Dated events, sorted by the first day they could mean.
 */
chronology: Array<Event>, undated: Array<Event>, items: Array<LinkedItem>, id: string, title: string, numbers: Array<CaseNumber>, court: string, charges: Array<Charge>, status: string, notes: string, created_at: string, };

export type CasePersonRole = { id: string, name: string, roles: Array<string>, };

export type LinkedItem = { id: string, name: string, media_type: string, size: number, sha256: string, 
/**
 * How it is linked: `direct`, or `event <id>` when only through one of the events.
 */
via: Array<string>, };

export type PersonView = { cases: Array<CaseRole>, events: Array<Event>, items: Array<LinkedItem>, id: string, name: string, 
/**
 * Other spellings and transliterations.
 */
aliases: Array<string>, born: string | null, nationality: string, notes: string, created_at: string, };

export type CaseRole = { id: string, title: string, roles: Array<string>, };

export type PdfReport = { signed: boolean, covers_whole_file: boolean, signature_valid: boolean, signer: string | null, 
/**
 * SHA-256 of the root certificate (or the signer's, when it has no root in the file).
 */
fingerprint: string | null, 
/**
 * None when no fingerprint was given to compare with.
 */
fingerprint_matches: boolean | null, 
/**
 * The time the signer's computer claimed (`/M`): its clock, nothing more.
 */
signed_at: string | null, 
/**
 * The RFC 3161 time-stamp over the signature (PAdES B-T), if it carries one that holds:
 * the signature existed no later than its time, by the word of the authority it names.
 */
time_stamp: Stamp | null, annexes: Array<AnnexCheck>, 
/**
 * Every failure, in words. Empty means the document verified.
 */
problems: Array<string>, };

export type AnnexCheck = { number: number, file: string, title: string, sha256: string, 
/**
 * `ok`, `ok-copy` (the attached copy without metadata is the one the signed list
 * names), `changed`, `missing` (listed but not embedded), `not-included` (left out by
 * the sender) or `unlisted` (embedded but not in the manifest).
 */
status: string, 
/**
 * The RFC 3161 time-stamp that proves the original (its SHA-256) existed no later than
 * its time, when the dossier carries one that holds.
 */
time_stamp: Stamp | null, };

export type ExportReport = { path: string, pages: number, annexes: number, bytes: number, fingerprint: string, 
/**
 * The time-stamp over the signature, when an authority was named and answered.
 */
stamp: Stamp | null, 
/**
 * Sections and fields the template wanted and the register did not have.
 */
missing: Array<string>, warnings: Array<string>, 
/**
 * The personal data the dossier carries out of the vault.
 */
personal_data: Array<PersonalDatum>, };

export type ExportPreview = { annexes: number, missing: Array<string>, warnings: Array<string>, 
/**
 * Every personal datum that would leave the vault, and where it would be.
 */
personal_data: Array<PersonalDatum>, };

export type FieldState = { key: string, label: string, kind: FieldKind, required: boolean, value: string, origin: FieldOrigin, };

export type FieldKind = "text" | "yes_no";

export type FieldOrigin = "field" | "case_notes" | "empty";

export type PersonalDatum = { 
/**
 * The annex that carries it; 0 for the dossier's own pages.
 */
annex: number, 
/**
 * The annex's file name in the vault ("" for the dossier's own pages).
 */
file: string, kind: DatumKind, value: string, 
/**
 * "the attached original", "the annex page" or both.
 */
carried_in: string, };

export type DatumKind = "location" | "email_address" | "phone_number" | "confidential_name";

export type KeySlot = { 
/**
 * `passphrase`, or the 32-hex id of a recipient slot.
 */
id: string, 
/**
 * `passphrase`, `recovery` or `plugin`.
 */
kind: string, label: string, 
/**
 * The age recipient a recovery or plugin slot is encrypted to.
 */
recipient: string | null, created_at: string | null, 
/**
 * False when the catalog lists the slot but its file is gone.
 */
present: boolean, };

export type RecoveryKeyShown = { slot: KeySlot, 
/**
 * `AGE-SECRET-KEY-1…`
 */
secret: string, 
/**
 * Where the printable page was saved, if it was.
 */
sheet: string | null, sheet_error: string | null, };

export type KeyPrompt = { 
/**
 * Answer with this id; a message needs no answer.
 */
id: number, kind: PromptKind, 
/**
 * The plugin's own words (it speaks English).
 */
text: string, 
/**
 * For a confirmation: the plugin's words for yes and, if it offers one, no.
 */
yes: string | null, no: string | null, };

export type PromptKind = "message" | "confirm" | "text" | "secret";

export type BackupReport = { to: string, 
/**
 * Files copied in this run (and verified by reading them back).
 */
copied: number, copied_bytes: number, 
/**
 * Files already in the backup.
 */
skipped: number, 
/**
 * Files removed from the backup because the vault no longer has them (purges, pruned
 * catalog generations, removed key slots).
 */
removed: number, 
/**
 * The catalog generation the backup now ends with.
 */
generation: number, 
/**
 * True when an interrupted earlier run was finished by this one.
 */
resumed: boolean, warnings: Array<string>, };

export type Report = { items: Array<ItemCheck>, 
/**
 * Paths (relative to the vault) of files the catalog does not account for.
 */
unknown_files: Array<string>, 
/**
 * Number of custody entries whose chain was checked, or where it breaks.
 */
custody_entries: number, custody_break: ChainBreak | null, 
/**
 * Journal entries in the vault, all devices together (format 1: the catalog generation).
 */
catalog_generation: number, 
/**
 * The journal's problems: entries this device, another device or a backup knows of that
 * are missing (the vault went back, or a sync has not finished), damaged journal files,
 * forks. Any of them makes the report unclean.
 */
journal_problems: Array<string>, 
/**
 * Derived files (thumbnails, previews) that are missing or do not decrypt: not evidence,
 * and `reindex` makes them again, but someone or something removed them.
 */
derived_problems: Array<string>, 
/**
 * Files sync engines and desktops leave (conflict copies, partial downloads, their own
 * markers), with what made them: never read, never deleted, listed.
 */
sync_debris: Array<string>, 
/**
 * Problems met while opening (skipped catalog generations, finished interrupted work).
 */
warnings: Array<string>, };

export type LastCheck = { 
/**
 * When it ran (RFC 3339, UTC).
 */
at: string, items: number, 
/**
 * Items CHANGED, MISSING or UNREADABLE.
 */
problems: number, 
/**
 * Files nothing in the catalog accounts for.
 */
unknown_files: number, chain_intact: boolean, };

export type ItemCheck = { id: string, name: string, status: Status, 
/**
 * `active` or `deleted`; purged items have no bytes left to check and are not listed.
 */
item_status: string, problem: string | null, };

export type Status = "OK" | "CHANGED" | "MISSING" | "UNREADABLE";

export type ChainBreak = { 
/**
 * The device whose chain breaks (empty: the format-1 chain).
 */
device: string, seq: number, problem: string, };

export type Contact = { id: string, name: string, 
/**
 * The age X25519 public key, `age1…`.
 */
recipient: string, 
/**
 * [`fingerprint`] of the recipient.
 */
fingerprint: string, created_at: string, };

export type SharingKey = { key: string, fingerprint: string, };

export type ShareReport = { out: string, items: number, bytes: number, 
/**
 * `name (fingerprint)` of each recipient.
 */
recipients: Array<string>, 
/**
 * SHA-256 of the bundle file, to compare with what arrives.
 */
sha256: string, };

export type ReceiveReport = { from_vault: string, case_title: string | null, 
/**
 * Item ids in this vault, in the bundle's order.
 */
items: Array<string>, 
/**
 * How many of them were already in this vault (same SHA-256) and were not stored again.
 */
duplicates: number, };

export type FieldKey = "summary" | "identity" | "arrest" | "detention" | "arbitrary" | "category i" | "category ii" | "category iii" | "category iv" | "category v" | "remedies" | "source" | "source consent" | "source confidential" | "urgent action" | "urgent reason" | "criterion a" | "criterion b" | "criterion c" | "criterion d" | "criterion e" | "pace request" | "signatories" | "subject" | "ep request" | "petitioner" | "petitioner eligible";
