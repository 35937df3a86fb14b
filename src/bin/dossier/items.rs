//! The item commands that print: import, list, show, the custody log, and check-file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use dossier::{ImportOptions, Imported, Item, Vault};

use crate::progress::CliProgress;
use crate::{dossiers, ocr};

#[derive(Args)]
pub struct ImportArgs {
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
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
}

/// Imports files, printing each id once its batch is durable.
pub fn import(vault: &mut Vault, args: ImportArgs) -> anyhow::Result<()> {
    let ImportArgs {
        files,
        source,
        note,
        allow_duplicate,
        no_ocr,
        recursive,
    } = args;
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
    Ok(())
}

pub fn list(vault: &mut Vault, json: bool, all: bool) -> anyhow::Result<()> {
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
    Ok(())
}

/// One item: its record, what extraction found, its links and its custody.
pub fn show(vault: &mut Vault, id: &str, json: bool) -> anyhow::Result<()> {
    let item = vault.item(id)?;
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
    Ok(())
}

/// Whether a file is in the vault: exit 0 and the items that hold it, or 1.
pub fn check_file(vault: &mut Vault, path: &Path) -> anyhow::Result<ExitCode> {
    let (sha256, items) = vault.check_file(path, &CliProgress::new())?;
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
    Ok(ExitCode::SUCCESS)
}

pub fn log(vault: &mut Vault, item: Option<String>, json: bool) -> anyhow::Result<()> {
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
    Ok(())
}

fn item_json(item: &Item) -> serde_json::Value {
    let mut v = serde_json::to_value(item).expect("items serialise");
    v["status"] = item.status().into();
    v
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
