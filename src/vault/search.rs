//! Full-text search on the vault: loads the text index on first use and hands the query to
//! [`crate::search`].

use super::Vault;
use crate::error::Result;
use crate::search::{self, Hit, Query};

impl Vault {
    /// Full-text search, ranked (BM25), with a snippet per hit. Deleted items are not shown.
    pub fn search(&mut self, q: &Query) -> Result<Vec<Hit>> {
        self.texts()?; // loaded on first use
        let texts = &self.texts.as_ref().expect("loaded above").db;
        search::search(&self.catalog.db, texts, q)
    }
}
