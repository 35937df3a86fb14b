//! Process hygiene: a crash must not write decrypted evidence or keys into a core dump.

/// Sets RLIMIT_CORE to 0 (inherited by child processes, e.g. the webview's) and marks the
/// process non-dumpable (which also blocks same-user ptrace). Call first thing in `main`.
pub fn disable_core_dumps() -> nix::Result<()> {
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0)?;
    nix::sys::prctl::set_dumpable(false)
}
