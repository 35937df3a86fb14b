//! What the worker gives up before it reads a byte: memory, CPU time, files, sockets,
//! ptrace. Applied to itself and inherited by the tools it starts (Tesseract, pdftoppm).
//!
//! | limit | how | when it is hit |
//! |---|---|---|
//! | address space | `RLIMIT_AS` | allocation fails: the worker aborts, "needs more than N MiB" |
//! | CPU time | `RLIMIT_CPU`, raised per request by that request's budget | `SIGXCPU` |
//! | no file written or created | Landlock (nothing may be written anywhere), seccomp refuses `open` for writing, `RLIMIT_FSIZE` 0 | `EACCES` / `EPERM` |
//! | no user files read | Landlock: reading and executing only beneath the system's folders (`/usr`, `/etc`, `/lib`…) and those on `PATH`, so not the home folder, the vault, or other evidence | `EACCES` |
//! | no network | seccomp refuses `socket`; Landlock refuses TCP bind and connect | `EACCES` |
//! | no reaching other processes | seccomp refuses `ptrace`, `process_vm_readv`/`writev`; Landlock scopes signals and abstract sockets | `EPERM` |
//! | dies with the vault process | `PR_SET_PDEATHSIG` | `SIGKILL` |
//!
//! Seccomp must be in force or the worker refuses to serve; Landlock is used to the extent
//! the kernel supports it (ABI 1 from Linux 5.13), and the probe reports what held.

use std::collections::BTreeMap;

use landlock::{
    ABI, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
    path_beneath_rules,
};
use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};
use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
};

/// No request may hold the CPU longer than this, whatever it asks for.
const CPU_HARD_LIMIT: u64 = 4 * 3600;

/// Applies every limit to this process (and its future children). Irreversible. Returns how
/// far Landlock is enforced on this kernel.
pub fn enter(memory: u64) -> Result<String, String> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .map_err(|e| format!("parent-death signal: {e}"))?;
    let limit = |r: Resource, v: u64| setrlimit(r, v, v).map_err(|e| format!("{r:?}: {e}"));
    limit(Resource::RLIMIT_CORE, 0)?;
    limit(Resource::RLIMIT_FSIZE, 0)?;
    limit(Resource::RLIMIT_AS, memory)?;
    setrlimit(Resource::RLIMIT_CPU, CPU_HARD_LIMIT, CPU_HARD_LIMIT)
        .map_err(|e| format!("RLIMIT_CPU: {e}"))?;
    let landlock = landlock()?;
    seccomp()?;
    Ok(landlock)
}

/// Allows `seconds` more CPU time from now (the soft limit; the hard one stays).
pub fn cpu_budget(seconds: u64) {
    let used = getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| (u.user_time().tv_sec() + u.system_time().tv_sec()) as u64)
        .unwrap_or(0);
    let hard = getrlimit(Resource::RLIMIT_CPU)
        .map(|(_, h)| h)
        .unwrap_or(CPU_HARD_LIMIT);
    let _ = setrlimit(Resource::RLIMIT_CPU, (used + seconds).min(hard), hard);
}

/// Where the worker and the tools it starts may read and execute: the system's programs,
/// libraries, fonts, Tesseract's data, and the folders on `PATH`. Not the home folder, the
/// vault or the user's other files: a subverted parser could otherwise copy them into an
/// item's text.
fn readable() -> Vec<std::path::PathBuf> {
    let system = [
        "/usr",
        "/lib",
        "/lib32",
        "/lib64",
        "/bin",
        "/sbin",
        "/etc",
        "/opt",
        "/dev",
        "/proc",
        "/sys",
        "/var/cache/fontconfig",
        "/var/lib/fontconfig",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<std::path::PathBuf> = system.iter().map(Into::into).collect();
    dirs.extend(std::env::split_paths(&path).filter(|p| p.is_absolute()));
    dirs.retain(|d| d.exists());
    dirs
}

/// Read and execute beneath [`readable`]; write, create, remove, rename nowhere. No TCP.
fn landlock() -> Result<String, String> {
    let abi = ABI::V6;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
        .and_then(|r| r.scope(Scope::from_all(abi)))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(readable(), AccessFs::from_read(abi))))
        .and_then(|r| r.restrict_self())
        .map_err(|e| format!("Landlock: {e}"))?;
    Ok(format!("{:?}", status.ruleset))
}

fn seccomp() -> Result<(), String> {
    let always = || Vec::<SeccompRule>::new();
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = [
        libc::SYS_socket,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        // io_uring performs file and socket operations that seccomp never sees.
        libc::SYS_io_uring_setup,
        libc::SYS_openat2,
        libc::SYS_mkdirat,
        libc::SYS_mknodat,
        libc::SYS_unlinkat,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_linkat,
        libc::SYS_symlinkat,
        libc::SYS_truncate,
        libc::SYS_ftruncate,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
    ]
    .into_iter()
    .map(|n| (n, always()))
    .collect();
    #[cfg(target_arch = "x86_64")]
    for n in [
        libc::SYS_creat,
        libc::SYS_mkdir,
        libc::SYS_mknod,
        libc::SYS_unlink,
        libc::SYS_rmdir,
        libc::SYS_rename,
        libc::SYS_link,
        libc::SYS_symlink,
    ] {
        rules.insert(n, always());
    }
    // open/openat for writing or creating: refused, whatever the path.
    let writing = |arg: u8| -> Result<Vec<SeccompRule>, String> {
        [libc::O_WRONLY, libc::O_RDWR, libc::O_CREAT]
            .into_iter()
            .map(|flag| {
                let flag = flag as u64;
                SeccompCondition::new(
                    arg,
                    SeccompCmpArgLen::Dword,
                    SeccompCmpOp::MaskedEq(flag),
                    flag,
                )
                .and_then(|c| SeccompRule::new(vec![c]))
                .map_err(|e| e.to_string())
            })
            .collect()
    };
    rules.insert(libc::SYS_openat, writing(2)?);
    #[cfg(target_arch = "x86_64")]
    rules.insert(libc::SYS_open, writing(1)?);
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e| format!("seccomp: {e:?}"))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EACCES as u32),
        arch,
    )
    .map_err(|e| format!("seccomp: {e}"))?;
    let program: seccompiler::BpfProgram =
        filter.try_into().map_err(|e| format!("seccomp: {e:?}"))?;
    seccompiler::apply_filter(&program).map_err(|e| format!("seccomp: {e}"))
}
