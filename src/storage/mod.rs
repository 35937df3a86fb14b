//! Storage: durable writes, the on-disk layout, the encrypted blob codec, size padding, and
//! (format 2) journal segments, the journal folder, sync-engine debris and the device state.
//! Nothing here knows what evidence, a catalog or a case is; everything above builds on it.
//! Within it, `layout` and `durable` use `names`, and `blob` uses `durable` and `padding`.

pub(crate) mod blob;
#[allow(dead_code)] // format 2: used by the vault from the next step of #13
pub(crate) mod debris;
#[allow(dead_code)] // format 2: used by the vault from the next step of #13
pub(crate) mod device;
pub(crate) mod durable;
#[allow(dead_code)] // format 2: used by the vault from the next step of #13
pub(crate) mod journal;
pub(crate) mod layout;
pub(crate) mod names;
pub(crate) mod pack;
pub mod padding;
#[allow(dead_code)] // format 2: used by the vault from the next step of #13
pub(crate) mod sealed;
#[allow(dead_code)] // format 2: used by the vault from the next step of #13
pub(crate) mod segment;
