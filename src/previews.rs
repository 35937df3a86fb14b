//! Pages of a PDF as pictures, beyond the first. Page 1 is the item's stored preview (made at
//! import); the others are drawn when someone asks for them, in the parser worker, and never
//! stored: a 300-page court file would otherwise cost 300 encrypted blobs of 480 KiB.

use crate::error::{Error, Result};
use crate::vault::Vault;

impl Vault {
    /// Page `page` (from 1) of a PDF item as a JPEG no larger than the stored preview.
    pub fn page_preview(&mut self, id: &str, page: u32) -> Result<Vec<u8>> {
        let item = self.catalog.item(id)?;
        if item.media_type != "application/pdf" {
            return Err(Error::Invalid(format!("{} is not a PDF", item.name)));
        }
        if page == 0 {
            return Err(Error::Invalid("pages count from 1".into()));
        }
        let bytes = self.read_item(&item)?;
        self.parser
            .render_page(&bytes, page)
            .map(|t| t.jpeg)
            .map_err(|e| Error::Invalid(format!("{}, page {page}: {e}", item.name)))
    }

    /// Page `page` (from 1) of a PDF held in memory, such as a dossier's draft, as a JPEG
    /// drawn by the parser worker.
    pub fn pdf_page(&mut self, pdf: &[u8], page: u32) -> Result<Vec<u8>> {
        if page == 0 {
            return Err(Error::Invalid("pages count from 1".into()));
        }
        self.parser
            .render_page(pdf, page)
            .map(|t| t.jpeg)
            .map_err(|e| Error::Invalid(format!("page {page}: {e}")))
    }
}
