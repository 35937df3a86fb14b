//! PDF output: page layout on krilla, the signed incremental update that carries the annexes,
//! and verification of a received dossier.

pub(crate) mod check;
pub(crate) mod cms;
pub mod layout;
pub mod recovery;
pub mod render;
pub mod structure;
pub mod text;
pub(crate) mod update;

pub use check::{AnnexCheck, MANIFEST_NAME, Manifest, ManifestAnnex, PdfReport, verify_pdf};
