//! `verify` and `backup`: checking the vault or a backup, and copying the vault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use dossier::Vault;
use dossier::verify::Status;

use crate::progress::CliProgress;

/// Prints a verify report (of the vault or a backup); exit 1 when anything is wrong.
pub fn print_verify(report: &dossier::verify::Report, json: bool) -> anyhow::Result<ExitCode> {
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

pub fn backup(
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
