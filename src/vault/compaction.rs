//! Compaction: a device removes its own old journal segments once snapshots hold them, so
//! the journal does not grow with every change for ever.
//!
//! A segment of this device numbered K or lower is removed only when
//! - two snapshots written by this device, each read whole and authenticated (HMAC with the
//!   vault's secret), cover this device up to K or further: one damaged snapshot never takes
//!   history with it; and
//! - every other snapshot in the folder, of any device, covers this device up to K too (read
//!   from its header: a planted one can only hold a removal back). Every snapshot another
//!   device could start from then continues without a gap into what is left; a device whose
//!   newer snapshot has not arrived yet through the sync engine loads an older one that
//!   still does.
//!
//! A device that receives the removals before the snapshots that cover them sees a gap and
//! says it is waiting for that device's files; nothing is lost meanwhile, and backups keep
//! every segment (a backup never removes one). Removal is file by file and idempotent: a
//! kill part-way leaves segments the snapshots already cover, which the next compaction
//! removes.

use std::fs;
use std::path::Path;

use crate::catalog::cache;
use crate::storage::durable;
use crate::storage::journal::Journal;

use super::Vault;

impl Vault {
    /// Removes this device's segments that every snapshot covers (see the module). Called
    /// after this device wrote the snapshot `written` (its coverage is this state's, so it
    /// need not be read back); never an error (the journal stays as it was).
    pub(super) fn compact(&mut self, written: &Path) {
        if self.read_only.is_some() {
            return;
        }
        let Some(log) = self.catalog.log() else {
            return;
        };
        // A vault with problems (damage, missing files, forks) keeps everything until the
        // user has dealt with them.
        if !log.problems.is_empty() {
            return;
        }
        let me = log.device();
        let now = log.heads().get(&me).map_or(0, |h| h.seq);
        // First by the headers alone (cheap): how far every snapshot covers this device.
        let mut upto = now;
        let mut own = Vec::new();
        for (writer, path) in cache::list(&self.layout.root) {
            if path == written {
                continue;
            }
            let Some(peeked) = cache::peek(&path, &self.key.identity) else {
                return; // unreadable: it might be the one someone starts from
            };
            upto = upto.min(peeked.covered.get(&me).map_or(0, |c| c.0));
            if writer == me {
                own.push(path);
            }
        }
        let journal = Journal::new(&self.layout.root);
        let Ok(listing) = journal.list() else {
            return;
        };
        let Some(seqs) = listing.segments.get(&me) else {
            return;
        };
        if own.is_empty() || seqs.range(..=upto).next().is_none() {
            return; // no second own snapshot, or nothing to remove
        }
        // Then the own snapshot besides the one just written, read whole and authenticated.
        let (mac, vault) = self.key.journal_key();
        for path in &own {
            match cache::authenticate(path, me, &self.key.identity, &mac, &vault) {
                Ok(covered) => upto = upto.min(covered.get(&me).map_or(0, |c| c.0)),
                Err(_) => return, // a damaged own snapshot: keep every segment
            }
        }
        let mut removed = false;
        for &seq in seqs.range(..=upto) {
            if fs::remove_file(journal.path(me, seq)).is_ok() {
                removed = true;
            }
        }
        if removed && let Some(dir) = journal.path(me, 1).parent() {
            let _ = durable::sync_dir(dir);
        }
    }
}
