//! Opening the vault: the passphrase (from a file or the terminal), a recovery key or plugin
//! identity, and what every unlock prints.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};
use dossier::{SecretString, Vault};

use crate::keys;

pub fn open(root: &Path, pass_file: Option<&Path>) -> anyhow::Result<Vault> {
    // Say "not a vault" before asking for a passphrase.
    dossier::check_vault_header(root)?;
    let pass = match pass_file {
        Some(f) => read_passphrase_file(f)?,
        None => prompt("Passphrase: ")?,
    };
    let vault = Vault::open(root, &pass)?;
    Ok(opened(root, vault))
}

pub fn open_with_identity(root: &Path, file: &Path) -> anyhow::Result<Vault> {
    dossier::check_vault_header(root)?;
    let identity = if file == Path::new("-") {
        prompt("Recovery key (AGE-SECRET-KEY-1…): ")?
    } else {
        dossier::read_identity_file(file)?
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
    let text = dossier::read_secret_file(path, "passphrase file")?;
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

pub fn new_passphrase(file: Option<&Path>) -> anyhow::Result<SecretString> {
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
