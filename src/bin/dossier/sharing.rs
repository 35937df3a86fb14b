//! `dossier contact …`, `dossier share`, `dossier receive`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use dossier::Vault;

use crate::progress::CliProgress;

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Add a contact: a name and their age public key (age1…); compare the fingerprint with
    /// them over another channel
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "AGE1…")]
        key: String,
    },
    /// List contacts with their keys and fingerprints
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a contact (by id, id prefix or name)
    Remove { contact: String },
    /// This vault's own sharing key: give it to those who will send you bundles
    Me,
}

#[derive(Args)]
pub struct ShareArgs {
    /// The case whose evidence to share (all its items, unless --item is given)
    #[arg(long, value_name = "CASE")]
    case: Option<String>,
    /// An item to share; repeat for several
    #[arg(long = "item", value_name = "ID")]
    items: Vec<String>,
    /// A recipient: a contact (name or id) or an age public key; repeat for several
    #[arg(long = "to", value_name = "RECIPIENT", required = true)]
    to: Vec<String>,
    /// The bundle file to write (must not exist)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
pub struct ReceiveArgs {
    /// The bundle file
    bundle: PathBuf,
    /// Link the received items to this case
    #[arg(long, value_name = "CASE")]
    case: Option<String>,
}

pub fn contact(vault: &mut Vault, command: ContactCommand) -> anyhow::Result<ExitCode> {
    match command {
        ContactCommand::Add { name, key } => {
            let c = vault.add_contact(&name, &key)?;
            say!("{}", c.id);
            note!(
                "added {} · fingerprint {} — read it to them over another channel",
                c.name,
                c.fingerprint
            );
        }
        ContactCommand::List { json } => {
            let contacts = vault.contacts()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&contacts)?);
            } else {
                for c in &contacts {
                    say!("{}  {}  {}  {}", c.id, c.fingerprint, c.recipient, c.name);
                }
                if contacts.is_empty() {
                    note!("no contacts yet: dossier contact add --name NAME --key AGE1…");
                }
            }
        }
        ContactCommand::Remove { contact } => {
            let c = vault.remove_contact(&contact)?;
            note!("removed contact {} ({})", c.name, c.id);
        }
        ContactCommand::Me => {
            let key = vault.sharing_key()?;
            say!("{key}");
            note!(
                "fingerprint {} — others add this key as a contact to send you bundles",
                dossier::contacts::fingerprint(&key)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn share(vault: &mut Vault, args: ShareArgs) -> anyhow::Result<ExitCode> {
    let report = vault.share(
        args.case.as_deref(),
        &args.items,
        &args.to,
        &args.out,
        &CliProgress::new(),
    )?;
    say!("{}", report.out);
    note!(
        "wrote {} items ({} bytes) for {}; bundle SHA-256 {}",
        report.items,
        report.bytes,
        report.recipients.join(", "),
        report.sha256
    );
    Ok(ExitCode::SUCCESS)
}

pub fn receive(vault: &mut Vault, args: ReceiveArgs) -> anyhow::Result<ExitCode> {
    let report = vault.receive(&args.bundle, args.case.as_deref(), &CliProgress::new())?;
    for id in &report.items {
        say!("{id}");
    }
    note!(
        "received {} items from vault {}{} ({} already here)",
        report.items.len(),
        report.from_vault,
        report
            .case_title
            .as_deref()
            .map(|t| format!(", case \"{t}\""))
            .unwrap_or_default(),
        report.duplicates
    );
    Ok(ExitCode::SUCCESS)
}
