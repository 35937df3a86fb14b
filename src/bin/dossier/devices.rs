//! More than one device on a vault: `conflicts`, `resolve` and `pull`.

use std::path::Path;

use dossier::Vault;

use crate::progress::CliProgress;

/// Values changed on two devices at once, numbered for `resolve`, each with every competing
/// value, the device that wrote it and when.
pub fn conflicts(vault: &Vault, json: bool) -> anyhow::Result<()> {
    let all = vault.conflicts()?;
    if json {
        say!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    if all.is_empty() {
        note!("no conflicts: no value was changed on two devices at once");
        return Ok(());
    }
    for (i, c) in all.iter().enumerate() {
        let field = if c.field.is_empty() {
            "deleted on one device, changed on another"
        } else {
            &c.field
        };
        say!("{}. {}: {field}", i + 1, c.subject);
        for (k, v) in c.values.iter().enumerate() {
            let what = if k == 0 { "in use" } else { "other " };
            say!(
                "   {what} {}: {:?}  (from {}, {})",
                k + 1,
                v.value,
                v.device,
                v.at
            );
        }
    }
    note!("keep one with: dossier resolve NUMBER --keep N");
    Ok(())
}

pub fn resolve(vault: &mut Vault, number: usize, keep: usize) -> anyhow::Result<()> {
    let c = vault.resolve(number, keep)?;
    note!("resolved: {} keeps value {keep}", c.subject);
    Ok(())
}

pub fn pull(vault: &mut Vault, from: &Path) -> anyhow::Result<()> {
    let r = vault.pull(from, &CliProgress::new())?;
    for w in &r.warnings {
        note!("warning: {w}");
    }
    note!(
        "pulled from {}: {} journal entries, {} snapshots, {} evidence files ({} bytes); the vault now holds {} journal entries",
        r.from,
        r.segments,
        r.snapshots,
        r.blobs,
        r.bytes,
        r.entries
    );
    Ok(())
}
