//! `dossier key …`: the ways to open the vault (passphrase, recovery keys).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use dossier::{ExposeSecret, SecretString, Vault};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Make a recovery key that opens the vault on its own (shown once: print it, store it
    /// offline; open with `dossier --identity FILE`)
    AddRecovery {
        /// What this key is, e.g. "paper copy in the office safe"
        #[arg(long, default_value = "recovery key")]
        label: String,
        /// Also write it as a one-page PDF to print (the key as text and as a QR code)
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Add a slot for an age plugin recipient, e.g. a YubiKey's from `age-plugin-yubikey`
    /// (the plugin binary must be on PATH, now and to open)
    AddPlugin {
        /// The plugin's recipient, age1<plugin>1…
        #[arg(long, value_name = "RECIPIENT")]
        recipient: String,
        #[arg(long, default_value = "plugin key")]
        label: String,
    },
    /// List the key slots
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a key slot (by id or prefix, or `passphrase`); never the last one
    Remove { id: String },
}

pub fn key(vault: &mut Vault, command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::AddRecovery { label, pdf } => {
            let key = vault.add_recovery_key(&label)?;
            if let Some(out) = &pdf {
                // The slot exists already: a sheet that cannot be written must not hide the key.
                match vault.export_recovery_sheet(&key, out) {
                    Ok(()) => note!("wrote the printable sheet to {}", out.display()),
                    Err(e) => note!("error: the sheet was not written ({e}); the key is below"),
                }
            }
            note!(
                "added key slot {} ({}). The recovery key below opens the vault without the \
                 passphrase. It is shown once and not stored: write it down or print it, keep it \
                 offline, and never beside the computer.",
                key.slot.id,
                key.slot.label
            );
            say!("# Dossier recovery key for vault {}", vault.vault_id());
            say!("# slot {} · {}", key.slot.id, key.slot.label);
            say!("{}", key.secret.expose_secret());
        }
        KeyCommand::AddPlugin { recipient, label } => {
            let slot = vault.add_plugin_key(&recipient, &label, TermUi)?;
            note!(
                "added key slot {} ({}): open with `dossier --identity FILE`, FILE holding the \
                 plugin's AGE-PLUGIN-… identity",
                slot.id,
                slot.label
            );
        }
        KeyCommand::List { json } => {
            let slots = vault.key_slots()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&slots)?);
            } else {
                for s in &slots {
                    let missing = if s.present { "" } else { " [FILE MISSING]" };
                    say!(
                        "{:<32}  {:<10}  {}  {}{missing}",
                        s.id,
                        s.kind,
                        s.created_at
                            .as_deref()
                            .and_then(|t| t.get(..10))
                            .unwrap_or("-"),
                        s.label
                    );
                }
            }
        }
        KeyCommand::Remove { id } => {
            let slot = vault
                .remove_key_slot(&id)
                .with_context(|| format!("cannot remove key slot {id:?}"))?;
            note!(
                "removed key slot {} ({}). Copies of the vault made before still hold it.",
                slot.id,
                slot.label
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Relays an age plugin's messages and questions ("touch your YubiKey", its PIN) to the
/// terminal.
#[derive(Clone)]
pub struct TermUi;

fn ask(prompt: &str) -> Option<String> {
    use std::io::Write as _;
    let mut err = std::io::stderr();
    write!(err, "{prompt} ").ok()?;
    err.flush().ok()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok()?;
    Some(line.trim_end_matches(['\r', '\n']).to_string())
}

impl dossier::PluginUi for TermUi {
    fn display_message(&self, message: &str) {
        note!("{message}");
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        let answer = ask(&format!("{message} [{yes}/{}]", no.unwrap_or("no")))?;
        Some(answer.trim().eq_ignore_ascii_case(yes))
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        ask(description)
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        rpassword::prompt_password(format!("{description} "))
            .ok()
            .map(SecretString::from)
    }
}
