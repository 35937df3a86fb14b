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

    /// Why each of `items` matches the search `query`, in order: the passage of its name,
    /// notes, linked cases and people, or text that shows the most of the query's words, with
    /// matches in [brackets] (empty when none shows). For the rows on screen after a search
    /// with [`Query::ids_only`].
    pub fn why(&mut self, query: &str, items: &[String]) -> Result<Vec<String>> {
        self.texts()?;
        let texts = &self.texts.as_ref().expect("loaded above").db;
        search::why(&self.catalog.db, texts, query, items)
    }
}
