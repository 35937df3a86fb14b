//! Storage: durable writes, the on-disk layout, the encrypted blob codec and size padding.
//! Nothing here knows what evidence, a catalog or a case is; everything above builds on it.
//! Within it, `layout` and `durable` use `names`, and `blob` uses `durable` and `padding`.

pub(crate) mod blob;
pub(crate) mod durable;
pub(crate) mod layout;
pub(crate) mod names;
pub mod padding;
