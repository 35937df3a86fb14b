//! Long work: import, verification of a file or a dossier, dossier export. Each runs while the
//! UI shows progress from a channel, and stops at the next safe point when cancelled.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use dossier::submission::{ExportOptions, ExportPreview, ExportReport, FieldState, Lang, Template};
use dossier::verify::Report;
use dossier::{ImportOptions, Imported, Progress, files_to_import};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::commands::reporter;
use crate::dialogs;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::progress::Reporter;
use crate::state::AppState;
use crate::wire::{
    ExportInput, FileOutcome, ImportReport, OcrReport, ProgressEvent, VerifyOutcome,
};

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// Splits an import into groups of at most 64 files or 64 MiB (a file larger than that is a
/// group of its own): what one hold of the vault imports.
fn groups(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    const FILES: usize = 64;
    const BYTES: u64 = 64 << 20;
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, f) in files.iter().enumerate() {
        let len = f.metadata().map_or(0, |m| m.len());
        if i > start && (i - start >= FILES || bytes + len > BYTES) {
            out.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += len;
    }
    if start < files.len() {
        out.push(&files[start..]);
    }
    out
}

impl AppState {
    /// Imports files and folders (walked recursively). The vault is taken per group of
    /// files (see [`groups`]), so the library stays usable while a long import runs. Files already in the vault (same
    /// SHA-256) are reported as duplicates and not stored again. A failed file does not stop
    /// the others; cancelling or locking does.
    pub fn import_paths(&self, paths: &[PathBuf], progress: &Reporter) -> ApiResult<ImportReport> {
        let (files, skipped) = files_to_import(paths);
        let bytes = files
            .iter()
            .filter_map(|f| f.metadata().ok())
            .map(|m| m.len())
            .sum();
        progress.send(ProgressEvent::Batch {
            count: (files.len() + skipped.len()) as u32,
            bytes,
        });
        let mut report = ImportReport {
            files: Vec::new(),
            ids: Vec::new(),
            cancelled: false,
            time_stamps: None,
        };
        let record = |report: &mut ImportReport, outcome: FileOutcome| {
            progress.send(ProgressEvent::File {
                index: report.files.len() as u32,
                outcome: outcome.clone(),
            });
            if let Some(id) = &outcome.id {
                report.ids.push(id.clone());
            }
            report.files.push(outcome);
        };
        for (path, why) in skipped {
            let outcome = FileOutcome {
                name: file_name(&path),
                status: "failed".into(),
                id: None,
                message: Some(format!("{}: {why}", path.display())),
            };
            record(&mut report, outcome);
        }
        let options = ImportOptions::default();
        // In groups: each is imported in durable batches (one sync and one journal entry for
        // many files), and the vault is released between groups so the library stays usable.
        for group in groups(&files) {
            if progress.is_cancelled() {
                report.cancelled = true;
                break;
            }
            let mut results: Vec<(PathBuf, dossier::Result<Imported>)> = Vec::new();
            let run = self.with_vault(|v| {
                v.import_many(group, &options, progress, &mut |path, result| {
                    results.push((path.to_path_buf(), result))
                })
            });
            for (path, result) in results {
                let name = file_name(&path);
                let outcome = match result {
                    Ok(Imported::New(item)) => FileOutcome {
                        name,
                        status: "new".into(),
                        id: Some(item.id),
                        message: None,
                    },
                    Ok(Imported::Duplicate(item)) => FileOutcome {
                        name,
                        status: "duplicate".into(),
                        message: Some(format!("already in the vault as “{}”", item.name)),
                        id: Some(item.id),
                    },
                    Err(e) => FileOutcome {
                        name,
                        status: "failed".into(),
                        id: None,
                        message: Some(e.to_string()),
                    },
                };
                record(&mut report, outcome);
            }
            match run {
                Ok(()) => {}
                Err(e) if e.code == ErrorCode::Cancelled => {
                    report.cancelled = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if report.files.iter().any(|f| f.status == "new") {
            report.time_stamps = self.send_time_stamps()?;
        }
        Ok(report)
    }

    /// Imports an e-mail item's attachments as items of their own, each related to the
    /// e-mail (the same core call as `dossier import-attachments`).
    pub fn import_attachments(&self, email: &str, progress: &Reporter) -> ApiResult<ImportReport> {
        let imported = self.with_vault(|v| v.import_attachments(email, progress))?;
        let mut report = ImportReport {
            files: Vec::new(),
            ids: Vec::new(),
            cancelled: false,
            time_stamps: None,
        };
        for (name, outcome) in imported {
            let i = match outcome {
                Ok(i) => i,
                Err(e) => {
                    report.files.push(FileOutcome {
                        name,
                        status: "failed".into(),
                        id: None,
                        message: Some(e.to_string()),
                    });
                    continue;
                }
            };
            let (status, message) = match &i {
                Imported::New(_) => ("new", None),
                Imported::Duplicate(item) => (
                    "duplicate",
                    Some(format!("already in the vault as “{}”", item.name)),
                ),
            };
            report.ids.push(i.item().id.clone());
            report.files.push(FileOutcome {
                name,
                status: status.into(),
                id: Some(i.item().id.clone()),
                message,
            });
        }
        if report.files.iter().any(|f| f.status == "new") {
            report.time_stamps = self.send_time_stamps()?;
        }
        Ok(report)
    }

    /// Asks the authority for the tokens of the items that wait for one; the vault is taken
    /// only to plan and to record, never while the network answers. `None`: no authority.
    pub fn send_time_stamps(&self) -> ApiResult<Option<dossier::StampReport>> {
        let Some((url, batches)) = self.with_vault(|v| v.time_stamp_batches())? else {
            return Ok(None);
        };
        let report =
            dossier::send_time_stamp_batches(&url, &batches, &mut |batch, token, stamp| {
                self.with_vault(|v| v.record_time_stamp(&url, batch, token, stamp))
            })?;
        Ok(Some(report))
    }

    /// Recognises the text of the scans and photos waiting for OCR, in the background: the
    /// vault is taken only to read an item and to record its text, never while Tesseract runs,
    /// so the library stays usable. One parser worker serves the whole pass.
    pub fn recognise_queued(&self, progress: &Reporter) -> ApiResult<OcrReport> {
        let (settings, queue) = self.with_vault(|v| Ok((v.ocr_settings()?, v.ocr_queue()?)))?;
        let mut report = OcrReport {
            recognised: 0,
            failed: 0,
            queued: queue.len() as u32,
        };
        if !settings.enabled || !settings.available {
            return Ok(report);
        }
        progress.send(ProgressEvent::Batch {
            count: queue.len() as u32,
            bytes: queue.iter().map(|i| i.size).sum(),
        });
        let mut parser = dossier::worker::Parser::new();
        for (index, item) in queue.iter().enumerate() {
            if progress.is_cancelled() {
                break;
            }
            progress.start(&item.name, item.size);
            let job = self.with_vault(|v| v.ocr_job(&item.id))?;
            let result = parser.ocr(
                &job.bytes,
                &job.item.media_type,
                &job.languages,
                dossier::extract::ocr::DEFAULT_MAX_PAGES,
            );
            let failed = self.with_vault(|v| v.record_ocr(&job, result))?;
            progress.finish();
            report.queued -= 1;
            if failed.is_some() {
                report.failed += 1;
            } else {
                report.recognised += 1;
            }
            progress.send(ProgressEvent::File {
                index: index as u32,
                outcome: FileOutcome {
                    name: item.name.clone(),
                    status: if failed.is_some() { "failed" } else { "new" }.into(),
                    id: Some(item.id.clone()),
                    message: failed,
                },
            });
        }
        Ok(report)
    }

    /// Reads every item's metadata and text again (`dossier reindex`), for example after an
    /// update taught the parsers more; the evidence is not touched. How many items were read.
    pub fn reindex(&self, progress: &dyn Progress) -> ApiResult<usize> {
        self.with_vault(|v| v.reindex(progress))
    }

    /// Decrypts and re-hashes every item, checks the custody chains and the journal: what
    /// `dossier verify` does.
    pub fn verify_vault(&self, progress: &dyn Progress) -> ApiResult<Report> {
        self.with_vault(|v| v.verify(progress))
    }

    /// A file the user wants to check: a signed dossier gets the signature and annex report
    /// (pinned to this vault's own signer when it has one); anything else is looked up by
    /// SHA-256.
    pub fn verify_path(&self, path: &Path, progress: &dyn Progress) -> ApiResult<VerifyOutcome> {
        let name = file_name(path);
        let mut head = [0u8; 5];
        let is_pdf = File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
            && &head == b"%PDF-";
        if is_pdf {
            let own = self.with_vault(|v| {
                v.stored_signer()?
                    .map(|s| dossier::signer::parse_fingerprint(&s.summary()?.fingerprint))
                    .transpose()
            })?;
            let bytes = std::fs::read(path).map_err(|e| {
                ApiError::new(
                    ErrorCode::Other,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            let report = dossier::worker::verify_pdf(&bytes, own.as_deref());
            if report.signed {
                return Ok(VerifyOutcome::Dossier {
                    name,
                    own_signer: report.fingerprint_matches == Some(true),
                    report,
                });
            }
        }
        let (sha256, items) = self.with_vault(|v| v.check_file(path, progress))?;
        Ok(VerifyOutcome::File {
            name,
            sha256,
            items,
        })
    }

    pub fn export_dossier(
        &self,
        input: ExportInput,
        out: PathBuf,
        progress: &dyn Progress,
    ) -> ApiResult<ExportReport> {
        let options = export_options(input, out)?;
        self.with_vault(|v| v.export_dossier(&options, progress))
    }

    /// The case's submission form for a template: every field, its value and origin.
    pub fn submission_form(&self, case: &str, template: &str) -> ApiResult<Vec<FieldState>> {
        let template = Template::parse(template)
            .ok_or_else(|| invalid(format!("{template:?} is not a template")))?;
        self.with_vault(|v| v.submission_form(case, template))
    }

    /// Saves one field of the form (empty clears it).
    pub fn set_submission_field(&self, case: &str, key: &str, value: &str) -> ApiResult<()> {
        self.with_vault(|v| v.set_submission_field(case, key, Some(value)))
    }

    /// Lays the dossier out unsigned, in memory, for its pages to be looked at before
    /// signing (`dossier://localhost/draft/<n>`); returns how many pages it has.
    pub fn dossier_draft(&self, input: ExportInput) -> ApiResult<u32> {
        let options = export_options(input, PathBuf::new())?;
        let draft = self.with_vault(|v| v.export_draft(&options))?;
        *self.draft.lock().unwrap_or_else(|p| p.into_inner()) = Some(draft.pdf);
        Ok(draft.pages as u32)
    }

    /// Page `n` of the draft on show, as a JPEG.
    pub fn draft_page(&self, n: u32) -> ApiResult<Vec<u8>> {
        let pdf = self
            .draft
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| invalid("no dossier draft is on show".to_string()))?;
        self.with_vault(|v| v.pdf_page(&pdf, n))
    }

    /// What the export would carry and lack, before the user chooses where to save it.
    pub fn export_preview(&self, input: ExportInput) -> ApiResult<ExportPreview> {
        let options = export_options(input, PathBuf::new())?;
        self.with_vault(|v| v.export_preview(&options))
    }
}

fn export_options(input: ExportInput, out: PathBuf) -> ApiResult<ExportOptions> {
    {
        let template = Template::parse(&input.template)
            .ok_or_else(|| invalid(format!("{:?} is not a template", input.template)))?;
        let lang = Lang::parse(&input.lang)
            .ok_or_else(|| invalid(format!("{:?} is not a language", input.lang)))?;
        let options = ExportOptions {
            case: input.case,
            template,
            out,
            items: input.items,
            lang,
            strip_exif: input.strip_exif,
            // A European Parliament petition attaches pictures without their location and
            // camera data; the app does not offer to keep it.
            keep_metadata: false,
            no_originals: input.no_originals,
            signer: dossier::signer::SignerName::new(&input.signer_name, &input.signer_org),
        };
        Ok(options)
    }
}

/// Chooses files with the dialog and imports them. `None`: the dialog was closed.
#[tauri::command(async)]
pub fn import_files(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<ImportReport>> {
    let Some(paths) = dialogs::pick_files(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .import_paths(&paths, &reporter(channel, &job))
        .map(Some)
}

/// Imports the attachments of the e-mail item `id` as items.
#[tauri::command(async)]
pub fn import_attachments(
    state: State<'_, AppState>,
    id: String,
    channel: Channel<ProgressEvent>,
) -> ApiResult<ImportReport> {
    let job = state.begin_job()?;
    state.import_attachments(&id, &reporter(channel, &job))
}

/// Chooses a folder with the dialog and imports everything in it.
#[tauri::command(async)]
pub fn import_folder(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<ImportReport>> {
    let Some(folder) = dialogs::pick_folder(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .import_paths(&[folder], &reporter(channel, &job))
        .map(Some)
}

/// Imports what was last dropped on the window (the paths never passed through the webview).
#[tauri::command(async)]
pub fn import_dropped(
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<ImportReport> {
    let paths = std::mem::take(&mut *state.dropped.lock().unwrap_or_else(|p| p.into_inner()));
    let job = state.begin_job()?;
    state.import_paths(&paths, &reporter(channel, &job))
}

/// Forgets what was dropped (the user declined the import).
#[tauri::command]
pub fn discard_dropped(state: State<'_, AppState>) {
    state
        .dropped
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
}

/// Recognises text in the scans waiting for OCR (run after an import, in the background).
#[tauri::command(async)]
pub fn recognise_queued(
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<OcrReport> {
    let job = state.begin_job()?;
    state.recognise_queued(&reporter(channel, &job))
}

#[tauri::command]
pub fn cancel_job(state: State<'_, AppState>) {
    state.cancel_job();
}

/// Checks the whole vault, with progress.
#[tauri::command(async)]
pub fn verify_vault(
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Report> {
    let job = state.begin_job()?;
    state.verify_vault(&reporter(channel, &job))
}

#[tauri::command(async)]
pub fn reindex(state: State<'_, AppState>, channel: Channel<ProgressEvent>) -> ApiResult<usize> {
    let job = state.begin_job()?;
    state.reindex(&reporter(channel, &job))
}

/// Chooses a file and says whether the vault holds it, or checks a signed dossier.
#[tauri::command(async)]
pub fn verify_file(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<VerifyOutcome>> {
    let Some(path) = dialogs::pick_file(&app, &title) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state.verify_path(&path, &reporter(channel, &job)).map(Some)
}

#[tauri::command(async)]
pub fn dossier_draft(state: State<'_, AppState>, input: ExportInput) -> ApiResult<u32> {
    state.dossier_draft(input)
}

#[tauri::command(async)]
pub fn submission_form(
    state: State<'_, AppState>,
    case: String,
    template: String,
) -> ApiResult<Vec<FieldState>> {
    state.submission_form(&case, &template)
}

#[tauri::command(async)]
pub fn set_submission_field(
    state: State<'_, AppState>,
    case: String,
    key: String,
    value: String,
) -> ApiResult<()> {
    state.set_submission_field(&case, &key, &value)
}

/// What a dossier would carry out of the vault (personal data) and lack, without writing it.
#[tauri::command(async)]
pub fn export_preview(state: State<'_, AppState>, input: ExportInput) -> ApiResult<ExportPreview> {
    state.export_preview(input)
}

/// Asks where to save, then exports and signs the case's dossier.
#[tauri::command(async)]
pub fn export_dossier(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    input: ExportInput,
    channel: Channel<ProgressEvent>,
) -> ApiResult<Option<ExportReport>> {
    let suggested = format!("dossier-{}.pdf", input.template);
    let Some(out) = dialogs::save(&app, &title, &suggested) else {
        return Ok(None);
    };
    let job = state.begin_job()?;
    state
        .export_dossier(input, out, &reporter(channel, &job))
        .map(Some)
}
