//! Storage: durable writes, the on-disk layout, the encrypted blob codec and size padding.
//! Nothing here knows what evidence, a catalog or a case is; everything above builds on it.

pub(crate) mod blob;
pub(crate) mod durable;
pub(crate) mod layout;
pub mod padding;
