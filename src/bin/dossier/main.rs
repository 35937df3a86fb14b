//! `dossier`: the command-line front end. Parses flags, reads the passphrase, calls the core,
//! prints. Exit status: 0 success, 1 a negative answer (verify found problems, check-file found
//! no match), 2 an error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

/// Writes a line to stdout; a failed write (closed pipe, full disk) is an error, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        anyhow::Context::context(writeln!(std::io::stdout(), $($arg)*), "cannot write to standard output")?
    }};
}

/// Writes a message to stderr; if even that fails there is no one left to tell.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod checks;
mod devices;
mod dossiers;
mod items;
mod keys;
mod ocr;
mod progress;
mod register;
mod sharing;
mod unlock;

/// Set by Ctrl-C (or SIGTERM): long work stops at the next chunk and removes its partial files.
static CANCELLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
use clap::{Parser, Subcommand};
use dossier::{CreateOptions, DEFAULT_WORK_FACTOR, Imported, ItemEdit, Vault};
use progress::CliProgress;
use unlock::new_passphrase;

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
    Import(items::ImportArgs),
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
        Some(file) => unlock::open_with_identity(&root, file)?,
        None => unlock::open(&root, pass_file)?,
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
        Command::Import(args) => items::import(vault, args)?,
        Command::List { json, all } => items::list(vault, json, all)?,
        Command::Show { id, json } => items::show(vault, &id, json)?,
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
            return checks::print_verify(&report, json);
        }
        Command::Backup { to, verify, json } => return checks::backup(vault, to, verify, json),
        Command::CheckFile { path } => return items::check_file(vault, &path),
        Command::Log { item, json } => items::log(vault, item, json)?,
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
            let outcomes = vault.import_attachments(&email, &CliProgress::new())?;
            let total = outcomes.len();
            let mut failed = 0;
            for (name, outcome) in outcomes {
                match outcome {
                    Ok(imported) => {
                        if let Imported::Duplicate(item) = &imported {
                            note!(
                                "{name} is already in the vault as {} ({})",
                                item.id,
                                item.name
                            );
                        }
                        say!("{}", imported.item().id);
                    }
                    Err(e) => {
                        note!("error: attachment {name}: {e}");
                        failed += 1;
                    }
                }
            }
            dossiers::send_time_stamps(vault)?;
            if failed > 0 {
                anyhow::bail!(
                    "{failed} of {total} attachments were not stored; everything else is stored"
                );
            }
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
