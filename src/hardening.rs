//! Process hygiene: a crash must not write decrypted evidence or keys into a core dump.

/// Sets RLIMIT_CORE to 0 (inherited by child processes, e.g. the webview's) and marks the
/// process non-dumpable (which also blocks same-user ptrace). Call first thing in `main`.
pub fn disable_core_dumps() -> nix::Result<()> {
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0)?;
    nix::sys::prctl::set_dumpable(false)
}

/// Environment that stops GPU drivers from caching compiled shaders under `~/.cache`
/// (Mesa: `mesa_shader_cache`; NVIDIA: `~/.nv/GLCache`). Shaders are not evidence, but the
/// cache's dates and sizes say when and how much the app drew.
///
/// WebKit also draws without GPU compositing. Its GL path compiled every shader afresh at
/// each start (no cache allowed), with Mesa's LLVM where there is no GPU: 0.8 s of CPU before
/// the first paint, most of a cold start. A window of forms and lists needs no GPU, and
/// with no GL in the web process there are no shaders to cache.
pub const NO_SHADER_CACHE: [(&str, &str); 4] = [
    ("MESA_SHADER_CACHE_DISABLE", "true"),
    ("MESA_GLSL_CACHE_DISABLE", "true"),
    ("__GL_SHADER_DISK_CACHE", "0"),
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
];

/// Drivers, GTK and WebKit read their environment when they start, before any Rust code could
/// change it (and changing a running process's environment is unsound with threads). So unless
/// every variable of `env` already has its value, the program starts itself again, in place
/// (same process id, same arguments), with them set; the new image finds them set and goes on,
/// so this happens once. `Ok` means they are set; an error says why the restart could not be
/// done, and the caller goes on as it is.
#[cfg(unix)]
pub fn restart_with(env: &[(String, std::ffi::OsString)]) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    if env
        .iter()
        .all(|(k, v)| std::env::var_os(k).is_some_and(|set| set == *v))
    {
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    Err(std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .exec())
}
