//! `dossier`: the command-line front end. Parses flags, reads the passphrase, calls the core,
//! prints. Exit status: 0 success, 1 a negative answer (verify found problems, check-file found
//! no match), 2 an error.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

/// Writes a line to stdout; a failed write (closed pipe, full disk) is an error, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*).context("cannot write to standard output")?
    }};
}

/// Writes a message to stderr; if even that fails there is no one left to tell.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod devices;
mod dossiers;
mod keys;
mod ocr;
mod register;
mod sharing;

/// Set by Ctrl-C (or SIGTERM): long work stops at the next chunk and removes its partial files.
static CANCELLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
use clap::{Parser, Subcommand};
use dossier::{
    CreateOptions, DEFAULT_WORK_FACTOR, ImportOptions, Imported, Item, ItemEdit, Progress,
    SecretString, Vault, verify::Status,
};
use indicatif::{ProgressBar, ProgressStyle};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "An encrypted, verifiable evidence vault",
    max_term_width = 100
)]
struct Cli {
    /// The vault folder [default: the platform data folder, e.g. ~/.local/share/dossier/vault]
    #[arg(long, global = true, value_name = "DIR", env = "DOSSIER_VAULT")]
    vault: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE instead of prompting
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Open the vault with an age identity instead of the passphrase: a recovery key (the
    /// AGE-SECRET-KEY-1… line, in FILE, or `-` to type it) or a plugin identity (YubiKey)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "passphrase_file"
    )]
    identity: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new vault
    Init {
        /// scrypt work factor (log2 N) protecting the passphrase slot
        #[arg(long, value_name = "N", default_value_t = DEFAULT_WORK_FACTOR,
              value_parser = clap::value_parser!(u8).range(dossier::MIN_WORK_FACTOR as i64..=dossier::MAX_WORK_FACTOR as i64))]
        kdf_work_factor: u8,
    },
    /// Import files as evidence (prints one item id per file)
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Where the evidence came from [default: the path it is imported from]
        #[arg(long)]
        source: Option<String>,
        /// A note stored with each imported item
        #[arg(long)]
        note: Option<String>,
        /// Store a second copy of bytes that are already in the vault
        #[arg(long)]
        allow_duplicate: bool,
        /// Do not recognise text in scans now (they stay queued: `dossier ocr` later)
        #[arg(long)]
        no_ocr: bool,
        /// Import the files inside folders too, folder by folder in name order (symbolic links
        /// are not followed), as the app's "Import a folder" does
        #[arg(long, short = 'r')]
        recursive: bool,
    },
    /// List the items in the vault
    List {
        #[arg(long)]
        json: bool,
        /// Include deleted and purged items
        #[arg(long)]
        all: bool,
    },
    /// Show one item and its custody history
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the original bytes of an item to a new file
    Extract {
        id: String,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Decrypt and re-hash every item, check the custody chain, report unknown files
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Copy the vault to a backup folder (incremental, each file read back and compared), or
    /// check a backup with --verify. Restoring is opening the backup: `dossier --vault DIR`
    Backup {
        /// The backup folder: absent or empty the first time, then the same folder each time
        #[arg(
            long,
            value_name = "DIR",
            conflicts_with = "verify",
            required_unless_present = "verify"
        )]
        to: Option<PathBuf>,
        /// Check a backup instead: decrypt and re-hash every item in it
        #[arg(long, value_name = "DIR")]
        verify: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Import the attachments of an e-mail item as items of their own (prints their ids)
    ImportAttachments { email: String },
    /// Extract metadata and text again from every item and rebuild the search index of text
    Reindex {
        /// Do not recognise text in scans now (they stay queued: `dossier ocr` later)
        #[arg(long)]
        no_ocr: bool,
    },
    /// Recognise text in scans and photographed documents (OCR) waiting in the queue; or turn
    /// OCR on or off, or set its languages, for this vault
    Ocr(ocr::OcrArgs),
    /// Write an item's thumbnail (images; PDFs: the first page) as a JPEG without EXIF to a new file
    Thumbnail {
        id: String,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// The 1600 px preview instead of the 320 px thumbnail
        #[arg(long)]
        preview: bool,
    },
    /// Tell whether a file is in the vault (exit 0 and the item) or not (exit 1)
    CheckFile { path: PathBuf },
    /// Print the custody log
    Log {
        /// Only the entries about this item
        #[arg(long, value_name = "ID")]
        item: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change an item's name, notes, source or document date
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        source: Option<String>,
        /// When the document was issued, written, taken or sent: YYYY, YYYY-MM or YYYY-MM-DD,
        /// ~ first if approximate; "" goes back to the date in the file's metadata, if any
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Mark an item deleted (its bytes are kept until `purge`)
    Delete {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove a deleted item's bytes for good
    Purge { id: String },
    /// Cases: add, show (people, chronology, evidence), list, edit, delete
    #[command(subcommand)]
    Case(register::CaseCommand),
    /// People: add (with duplicate check), show, list, edit, delete
    #[command(subcommand)]
    Person(register::PersonCommand),
    /// Dated events: add, show, edit, delete
    #[command(subcommand)]
    Event(register::EventCommand),
    /// Link two entities (both directions): --case/--person/--event with --item or --person
    Link(register::LinkArgs),
    /// Remove a link (both entities stay)
    Unlink(register::LinkArgs),
    /// Full-text search over items, cases, people and events (exit 1 when nothing is found)
    Search(register::SearchArgs),
    /// Values changed on two devices at once (through a sync folder), with what each wrote
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// Resolve a conflict: keep one of its values (`dossier conflicts` numbers them)
    Resolve {
        /// The conflict's number
        number: usize,
        /// The value to keep (1 is the one in use)
        #[arg(long, value_name = "N")]
        keep: usize,
    },
    /// Copy back from a backup (or another copy of the vault) the journal entries and evidence
    /// files this vault lacks: after it went back, or when a sync lost files
    Pull {
        /// The backup or copy to pull from
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Continue after a damaged catalog file (the vault stays read-only until you do)
    Repair {
        /// Continue from the catalog generation that loaded; the damaged files are kept
        #[arg(long, required = true)]
        accept_damaged_catalog: bool,
    },
    /// Build a signed PDF dossier of a case for the UN WGAD, PACE, the European Parliament
    Export(dossiers::ExportArgs),
    /// A case's submission as fields (what each body asks): show the form, set a field
    #[command(subcommand)]
    Submission(dossiers::SubmissionCommand),
    /// Check a signed dossier: signature, whole-file coverage, signer, annexes (no vault needed)
    VerifyPdf(dossiers::VerifyPdfArgs),
    /// The certificate that signs dossiers
    #[command(subcommand)]
    Signer(dossiers::SignerCommand),
    /// The vault's age identity
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// The vault passphrase (lost it? `dossier --identity RECOVERY-KEY passphrase change`)
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// Ways to open the vault: the passphrase, recovery keys, plugin identities (YubiKey)
    #[command(subcommand)]
    Key(keys::KeyCommand),
    /// People and organisations to share with (name and age public key)
    #[command(subcommand)]
    Contact(sharing::ContactCommand),
    /// Write items of a case as one encrypted bundle for named recipients
    Share(sharing::ShareArgs),
    /// Import a bundle shared with this vault (checked whole before anything is stored)
    Receive(sharing::ReceiveArgs),
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Write the age identity that decrypts the vault (keep it offline, e.g. printed)
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum PassphraseCommand {
    /// Re-wrap the vault key under a new passphrase
    Change {
        /// Read the new passphrase from FILE instead of prompting
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        #[arg(long, value_name = "N", default_value_t = DEFAULT_WORK_FACTOR,
              value_parser = clap::value_parser!(u8).range(dossier::MIN_WORK_FACTOR as i64..=dossier::MAX_WORK_FACTOR as i64))]
        kdf_work_factor: u8,
    },
}

fn main() -> ExitCode {
    // A parser worker (this same binary, started by the vault process) serves and exits here.
    dossier::worker::serve_if_requested();
    if let Err(e) = dossier::hardening::disable_core_dumps() {
        note!("warning: could not disable core dumps: {e}");
    }
    let _ = ctrlc::set_handler(|| CANCELLED.store(true, std::sync::atomic::Ordering::Relaxed));
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            note!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = match &cli.vault {
        Some(v) => v.clone(),
        None => dirs::data_dir()
            .ok_or_else(|| anyhow!("no data folder on this system; pass --vault DIR"))?
            .join("dossier")
            .join("vault"),
    };
    let pass_file = cli.passphrase_file.as_deref();
    if let Command::VerifyPdf(args) = cli.command {
        return dossiers::verify_pdf(args);
    }
    if let Command::Init { kdf_work_factor } = cli.command {
        let pass = new_passphrase(pass_file)?;
        let mut vault = Vault::create(
            &root,
            &pass,
            &CreateOptions {
                work_factor: kdf_work_factor,
            },
        )?;
        note!("created vault {} at {}", vault.vault_id(), root.display());
        for w in vault.take_warnings() {
            note!("warning: {w}");
        }
        note!("keep a recovery copy: dossier identity export --out FILE (store it offline)");
        return Ok(ExitCode::SUCCESS);
    }
    let mut vault = match &cli.identity {
        Some(file) => open_with_identity(&root, file)?,
        None => open(&root, pass_file)?,
    };
    let result = command(&mut vault, cli.command);
    // The text index is derived data, saved once per command rather than per change. Failing
    // to save it loses nothing that `reindex` cannot rebuild: a warning, not a failed command
    // (the evidence the command stored is stored).
    if let Err(e) = vault.flush() {
        note!(
            "warning: the search index of extracted text could not be saved ({e}); run `dossier reindex`"
        );
    }
    for w in vault.take_warnings() {
        note!("warning: {w}");
    }
    result
}

/// Every command but `init`, on an open vault.
fn command(vault: &mut Vault, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init { .. } | Command::VerifyPdf(_) => {
            unreachable!("handled before the vault is opened")
        }
        Command::Export(args) => return dossiers::export(vault, args),
        Command::Signer(c) => return dossiers::signer(vault, c),
        Command::Submission(c) => return dossiers::submission(vault, c),
        Command::Key(c) => return keys::key(vault, c),
        Command::Contact(c) => return sharing::contact(vault, c),
        Command::Share(args) => return sharing::share(vault, args),
        Command::Receive(args) => return sharing::receive(vault, args),
        Command::Import {
            files,
            source,
            note,
            allow_duplicate,
            no_ocr,
            recursive,
        } => {
            // The same walk as the app's: what cannot be read is reported, the rest imported.
            let (files, skipped) = if recursive {
                dossier::files_to_import(&files)
            } else {
                (files, Vec::new())
            };
            for (path, why) in &skipped {
                note!("error: importing {}: {why}", path.display());
            }
            let options = ImportOptions {
                source,
                notes: note,
                allow_duplicate,
                ..Default::default()
            };
            let bar = CliProgress::new();
            let mut failed = skipped.len();
            // An id printed is an acknowledgement: a failure to print it is the command's.
            let mut unprinted: Option<anyhow::Error> = None;
            let mut report = |file: &std::path::Path, result: dossier::Result<Imported>| {
                let printed = (|| -> anyhow::Result<()> {
                    match result {
                        Ok(Imported::New(item)) => say!("{}", item.id),
                        Ok(Imported::Duplicate(item)) => {
                            note!(
                                "{}: already in the vault as {} ({}); not stored again",
                                file.display(),
                                item.id,
                                item.name
                            );
                            say!("{}", item.id);
                        }
                        Err(e) => {
                            bar.clear();
                            note!("error: importing {}: {e}", file.display());
                            failed += 1;
                        }
                    }
                    Ok(())
                })();
                if let Err(e) = printed {
                    unprinted.get_or_insert(e);
                }
            };
            let total = files.len() + skipped.len();
            if files.is_empty() {
                bail!("nothing to import: no file was found");
            } else if files.len() == 1 {
                let result = vault.import(&files[0], &options, &bar);
                report(&files[0], result);
            } else if let Err(e) = vault.import_many(&files, &options, &bar, &mut report) {
                // Cancelled, or the vault turned read-only: what was acknowledged is stored.
                bar.clear();
                note!("error: the import stopped: {e}");
                failed = total;
            }
            if let Some(e) = unprinted {
                return Err(e);
            }
            if !no_ocr && failed < total {
                ocr::recognise(vault)?;
            }
            if failed < total {
                dossiers::send_time_stamps(vault)?;
            }
            if failed > 0 {
                bail!("{failed} of {total} files were not imported; everything else is stored");
            }
        }
        Command::List { json, all } => {
            let items = vault.items(all)?;
            if json {
                let list: Vec<_> = items.iter().map(item_json).collect();
                say!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for i in &items {
                    let status = if i.status() == "active" {
                        String::new()
                    } else {
                        format!(" [{}]", i.status())
                    };
                    let day = i.imported_at.get(..10).unwrap_or(&i.imported_at);
                    let short = i.sha256.get(..16).unwrap_or(&i.sha256);
                    say!(
                        "{}  {:>12}  {day}  {short}  {}{status}",
                        i.id,
                        i.size,
                        i.name
                    );
                }
                if items.is_empty() {
                    note!("the vault holds no items");
                }
            }
        }
        Command::Show { id, json } => {
            let item = vault.item(&id)?;
            let log = vault.custody_log(Some(&item.id))?;
            let links = vault.item_links(&item.id)?;
            let extraction = vault.extraction(&item.id)?;
            let recognised = vault.recognised_text(&item.id)?;
            let dated = vault.document_date(&item.id)?;
            if json {
                let mut v = item_json(&item);
                v["document_date"] = serde_json::to_value(&dated)?;
                v["recognised_text"] = serde_json::to_value(&recognised)?;
                v["links"] = serde_json::to_value(&links)?;
                v["extraction"] = serde_json::to_value(&extraction)?;
                v["custody"] = serde_json::to_value(&log)?;
                say!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                say!("id:        {}", item.id);
                say!("name:      {}", item.name);
                say!("size:      {} bytes", item.size);
                say!("type:      {}", item.media_type);
                say!("sha256:    {}", item.sha256);
                say!(
                    "dated:     {}",
                    dated.map_or(
                        "- (no document date: `dossier edit ID --date YYYY-MM-DD`)".into(),
                        |d| { format!("{} ({})", d.date, origin_words(d.origin)) }
                    )
                );
                say!("imported:  {}", item.imported_at);
                say!("source:    {}", item.source.as_deref().unwrap_or("-"));
                say!(
                    "notes:     {}",
                    if item.notes.is_empty() {
                        "-"
                    } else {
                        &item.notes
                    }
                );
                say!("status:    {}", item.status());
                if let Some(x) = &extraction {
                    for (k, v) in &x.metadata {
                        if k == "ocr" {
                            let status = v["status"].as_str().unwrap_or("-");
                            match v["error"].as_str() {
                                Some(e) => say!("ocr:       {status} ({e})"),
                                None if status == "done" && recognised.is_none() => {
                                    say!("ocr:       done, no text found")
                                }
                                None => say!("ocr:       {status}"),
                            }
                            continue;
                        }
                        let value = v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string());
                        say!("{:<10} {value}", format!("{k}:"));
                    }
                    if let Some(e) = &x.error {
                        say!("extraction: {e}");
                    }
                }
                if let Some(r) = &recognised {
                    let pages: Vec<String> = r
                        .pages
                        .iter()
                        .map(|p| format!("p.{} {:.0}%", p.page, p.confidence))
                        .collect();
                    say!(
                        "recognised text (machine-recognised by {}, {}; confidence {}; may contain errors):",
                        r.engine,
                        r.languages,
                        pages.join(", ")
                    );
                    for line in r.text.lines() {
                        say!("  | {line}");
                    }
                }
                for (label, refs) in [
                    ("cases", &links.cases),
                    ("people", &links.people),
                    ("events", &links.events),
                    ("attached", &links.attachments),
                    ("attached to", &links.attached_to),
                ] {
                    for r in refs {
                        say!("{label:<10} {}  {}", r.id, r.label);
                    }
                }
                say!("custody:");
                for e in &log {
                    say!("  #{} {} {} {}", e.seq, e.at, e.action, e.detail);
                }
            }
        }
        Command::Extract { id, out } => {
            let item = vault.extract(&id, &out, &CliProgress::new())?;
            note!(
                "wrote {} ({} bytes, sha256 {}) to {}",
                item.name,
                item.size,
                item.sha256,
                out.display()
            );
        }
        Command::Verify { json } => {
            let report = vault.verify(&CliProgress::new())?;
            return print_verify(&report, json);
        }
        Command::Backup { to, verify, json } => return backup(vault, to, verify, json),
        Command::CheckFile { path } => {
            let (sha256, items) = vault.check_file(&path, &CliProgress::new())?;
            if items.is_empty() {
                say!("not in the vault: {} (sha256 {sha256})", path.display());
                return Ok(ExitCode::from(1));
            }
            for i in &items {
                say!(
                    "{}  {}  [{}]  sha256 {}",
                    i.id,
                    i.name,
                    i.status(),
                    i.sha256
                );
            }
        }
        Command::Log { item, json } => {
            let item = item.map(|i| vault.item(&i)).transpose()?;
            let log = vault.custody_log(item.as_ref().map(|i| i.id.as_str()))?;
            if json {
                say!("{}", serde_json::to_string_pretty(&log)?);
            } else {
                for e in &log {
                    say!(
                        "{:>5}  {}  {:<7}  {:<16}  {}",
                        e.seq,
                        e.at,
                        e.action,
                        e.item.as_deref().unwrap_or("-"),
                        e.detail
                    );
                }
            }
        }
        Command::Edit {
            id,
            name,
            note,
            source,
            date,
        } => {
            let item = vault.edit(
                &id,
                &ItemEdit {
                    name,
                    notes: note,
                    source,
                    date,
                },
            )?;
            say!("{}", item.id);
        }
        Command::Delete { id, reason } => {
            let item = vault.delete(&id, reason.as_deref())?;
            note!(
                "deleted {} ({}); its bytes stay until `dossier purge {}`",
                item.id,
                item.name,
                item.id
            );
        }
        Command::Purge { id } => {
            let item = vault.purge(&id)?;
            note!(
                "purged {} ({}); the catalog keeps its record and hash",
                item.id,
                item.name
            );
        }
        Command::ImportAttachments { email } => {
            for imported in vault.import_attachments(&email, &CliProgress::new())? {
                if let Imported::Duplicate(item) = &imported {
                    note!("{} is already in the vault as {}", item.name, item.id);
                }
                say!("{}", imported.item().id);
            }
            dossiers::send_time_stamps(vault)?;
        }
        Command::Thumbnail { id, out, preview } => {
            let which = if preview {
                dossier::Rendition::Preview
            } else {
                dossier::Rendition::Thumbnail
            };
            let item = vault.export_rendition(&id, which, &out)?;
            note!(
                "wrote the {} of {} to {}",
                if preview { "preview" } else { "thumbnail" },
                item.name,
                out.display()
            );
        }
        Command::Reindex { no_ocr } => {
            let n = vault.reindex(&CliProgress::new())?;
            note!("re-extracted metadata and text of {n} items");
            if !no_ocr {
                ocr::recognise(vault)?;
            }
        }
        Command::Ocr(args) => ocr::ocr(vault, args)?,
        Command::Case(cmd) => register::case(vault, cmd)?,
        Command::Person(cmd) => register::person(vault, cmd)?,
        Command::Event(cmd) => register::event(vault, cmd)?,
        Command::Link(args) => {
            vault.link_all(&args.to_links()?)?;
        }
        Command::Unlink(args) => {
            let [link] = args.to_links()?.try_into().map_err(|_| {
                anyhow::anyhow!("unlink takes one --item at a time, so none is left half done")
            })?;
            vault.unlink(&link)?;
        }
        Command::Search(args) => {
            if !register::search(vault, args)? {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Conflicts { json } => devices::conflicts(vault, json)?,
        Command::Resolve { number, keep } => devices::resolve(vault, number, keep)?,
        Command::Pull { from } => devices::pull(vault, &from)?,
        Command::Repair {
            accept_damaged_catalog: _,
        } => {
            let accepted = vault.accept_damaged_catalog()?;
            if accepted.is_empty() {
                note!("nothing to repair: every catalog file is readable");
            } else {
                note!(
                    "continuing without the damaged file(s) {} (kept); the vault holds {} journal entries",
                    accepted.join(", "),
                    vault.generation().0
                );
            }
        }
        Command::Identity(IdentityCommand::Export { out }) => {
            vault.export_identity(&out)?;
            note!(
                "wrote the vault identity to {}; anyone with this file can read the vault",
                out.display()
            );
        }
        Command::Passphrase(PassphraseCommand::Change {
            new_passphrase_file,
            kdf_work_factor,
        }) => {
            let new = new_passphrase(new_passphrase_file.as_deref())?;
            vault.change_passphrase(&new, kdf_work_factor)?;
            note!("passphrase changed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a verify report (of the vault or a backup); exit 1 when anything is wrong.
fn print_verify(report: &dossier::verify::Report, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        say!("{}", serde_json::to_string_pretty(report)?);
    } else {
        for w in &report.warnings {
            note!("warning: {w}");
        }
        for c in &report.items {
            let deleted = if c.item_status == "deleted" {
                " [deleted]"
            } else {
                ""
            };
            match &c.problem {
                None => say!("{:<10}  {}  {}{deleted}", c.status.as_str(), c.id, c.name),
                Some(p) => say!(
                    "{:<10}  {}  {}{deleted}: {p}",
                    c.status.as_str(),
                    c.id,
                    c.name
                ),
            }
        }
        for f in &report.unknown_files {
            say!("UNKNOWN     {f}: not accounted for by the catalog");
        }
        for p in &report.derived_problems {
            say!("DERIVED     {p}");
        }
        for p in &report.journal_problems {
            say!("JOURNAL     {p}");
        }
        for d in &report.sync_debris {
            say!("SYNC        {d} (kept, never read)");
        }
        match &report.custody_break {
            None => say!(
                "custody log: {} entries, chain intact",
                report.custody_entries
            ),
            Some(b) if b.device.is_empty() => {
                say!("custody log: BROKEN at entry {}: {}", b.seq, b.problem)
            }
            Some(b) => say!(
                "custody log: BROKEN at entry {} of device {}: {}",
                b.seq,
                &b.device[..8.min(b.device.len())],
                b.problem
            ),
        }
        say!(
            "{} items: {} OK, {} CHANGED, {} MISSING, {} UNREADABLE; {} unknown files ({} journal entries)",
            report.items.len(),
            report.count(Status::Ok),
            report.count(Status::Changed),
            report.count(Status::Missing),
            report.count(Status::Unreadable),
            report.unknown_files.len(),
            report.catalog_generation
        );
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn backup(
    vault: &mut Vault,
    to: Option<PathBuf>,
    verify: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(dir) = verify {
        let report = vault.verify_backup(&dir, &CliProgress::new())?;
        let code = print_verify(&report, json)?;
        // An interrupted backup is a consistent but older vault: not what the user relies on.
        if dir
            .join("tmp")
            .join(dossier::backup::INCOMPLETE_MARKER)
            .exists()
        {
            return Ok(ExitCode::from(1));
        }
        return Ok(code);
    }
    let Some(to) = to else {
        bail!("give --to DIR to make a backup, or --verify DIR to check one");
    };
    let report = vault.backup(&to, &CliProgress::new()).with_context(|| {
        format!(
            "the backup to {} did not finish; the vault is untouched, and running the same \
                 command again completes the backup",
            to.display()
        )
    })?;
    for w in &report.warnings {
        note!("warning: {w}");
    }
    if json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        say!(
            "backed up to {}: {} files copied ({} bytes, each read back and compared), {} already there, {} removed{}; catalog generation {}",
            report.to,
            report.copied,
            report.copied_bytes,
            report.skipped,
            report.removed,
            if report.resumed {
                "; an interrupted backup was completed"
            } else {
                ""
            },
            report.generation
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn item_json(item: &Item) -> serde_json::Value {
    let mut v = serde_json::to_value(item).expect("items serialise");
    v["status"] = item.status().into();
    v
}

fn open(root: &Path, pass_file: Option<&Path>) -> anyhow::Result<Vault> {
    // Say "not a vault" before asking for a passphrase.
    dossier::check_vault_header(root)?;
    let pass = match pass_file {
        Some(f) => read_passphrase_file(f)?,
        None => prompt("Passphrase: ")?,
    };
    let vault = Vault::open(root, &pass)?;
    Ok(opened(root, vault))
}

fn open_with_identity(root: &Path, file: &Path) -> anyhow::Result<Vault> {
    dossier::check_vault_header(root)?;
    let identity = if file == Path::new("-") {
        prompt("Recovery key (AGE-SECRET-KEY-1…): ")?
    } else {
        let mut text = Zeroizing::new(String::new());
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_string(&mut text))
            .with_context(|| format!("cannot read the identity file {}", file.display()))?;
        SecretString::from(text.to_string())
    };
    let vault = Vault::open_with_identity(root, &identity, keys::TermUi)
        .with_context(|| format!("cannot open the vault with {}", file.display()))?;
    Ok(opened(root, vault))
}

/// What every unlock prints: how much the journal holds, and warnings from opening.
fn opened(root: &Path, mut vault: Vault) -> Vault {
    if std::io::stderr().is_terminal() {
        // Shown at every unlock, so that a vault that went back is noticed.
        let (generation, saved) = vault.generation();
        let saved = time::OffsetDateTime::from_unix_timestamp(saved)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        note!(
            "vault {} · {generation} journal entries, the newest of {saved}",
            root.display()
        );
    }
    for w in vault.take_warnings() {
        note!("warning: {w}");
    }
    vault
}

fn read_passphrase_file(path: &Path) -> anyhow::Result<SecretString> {
    let mut text = Zeroizing::new(String::new());
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("cannot read the passphrase file {}", path.display()))?;
    let line = text.lines().next().unwrap_or("");
    Ok(SecretString::from(line.to_string()))
}

fn prompt(label: &str) -> anyhow::Result<SecretString> {
    if !std::io::stdin().is_terminal() && std::fs::File::open("/dev/tty").is_err() {
        bail!("no terminal to ask for the passphrase; use --passphrase-file FILE");
    }
    let p = rpassword::prompt_password(label).context("cannot read the passphrase")?;
    Ok(SecretString::from(p))
}

fn new_passphrase(file: Option<&Path>) -> anyhow::Result<SecretString> {
    use dossier::ExposeSecret;
    let pass = match file {
        Some(f) => read_passphrase_file(f)?,
        None => {
            let a = prompt("New passphrase: ")?;
            let b = prompt("Repeat it: ")?;
            if a.expose_secret() != b.expose_secret() {
                bail!("the two passphrases differ; nothing was changed");
            }
            a
        }
    };
    dossier::check_new_passphrase(&pass)?;
    Ok(pass)
}

/// A progress bar on stderr when it is a terminal; nothing when piped.
struct CliProgress(ProgressBar);

impl CliProgress {
    fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        CliProgress(bar)
    }
    fn clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for CliProgress {
    fn start(&self, label: &str, total: u64) {
        self.0.reset();
        self.0.set_length(total);
        self.0.set_message(label.to_string());
    }
    fn position(&self, done: u64) {
        self.0.set_position(done);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn is_cancelled(&self) -> bool {
        CANCELLED.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Where a document date comes from, as `show` says it.
fn origin_words(origin: dossier::dating::DateOrigin) -> &'static str {
    use dossier::dating::DateOrigin;
    match origin {
        DateOrigin::Stated => "stated",
        DateOrigin::Taken => "taken, from the photo's EXIF",
        DateOrigin::Sent => "sent, from the e-mail's Date header",
        DateOrigin::Created => "created, from the file's document properties",
    }
}
