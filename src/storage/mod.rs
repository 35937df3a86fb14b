//! Storage: durable writes, the on-disk layout, the encrypted blob codec, size padding, and
//! (format 2) journal segments, the journal folder, sync-engine debris and the device state.
//! Nothing here knows what evidence, a catalog or a case is; everything above builds on it.
//! Within it, `layout` and `durable` use `names`, `blob` uses `durable` and `padding`, and
//! `pack` (many small items in one age file) uses `blob`'s errors and `padding`.

pub(crate) mod blob;
pub(crate) mod debris;
pub(crate) mod device;
pub(crate) mod durable;
pub(crate) mod journal;
pub(crate) mod layout;
pub(crate) mod names;
pub(crate) mod pack;
pub mod padding;
pub(crate) mod sealed;
pub(crate) mod segment;
