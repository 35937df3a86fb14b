//! Shared fixtures for the integration tests: a scratch folder per test under Cargo's target
//! tmp dir, a vault made with a cheap scrypt work factor, and an empty TMPDIR handed to every
//! CLI run so tests can prove nothing was written there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub const PASSPHRASE: &str = "correct horse battery staple";
/// Keeps the suite fast; real vaults use 18. The slot header records it either way.
pub const TEST_WORK_FACTOR: &str = "10";

pub struct Fixture {
    pub dir: PathBuf,
    pub vault: PathBuf,
    pub pass: PathBuf,
    pub tmpdir: PathBuf,
    pub files: PathBuf,
}

impl Fixture {
    /// A fresh scratch folder (no vault yet).
    pub fn empty(name: &str) -> Fixture {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let pass = dir.join("pass");
        std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
        let tmpdir = dir.join("tmpdir");
        let files = dir.join("files");
        std::fs::create_dir_all(&tmpdir).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        Fixture {
            vault: dir.join("vault"),
            dir,
            pass,
            tmpdir,
            files,
        }
    }

    /// A fresh scratch folder with an initialised vault.
    pub fn new(name: &str) -> Fixture {
        let f = Fixture::empty(name);
        f.ok(&["init", "--kdf-work-factor", TEST_WORK_FACTOR]);
        f
    }

    /// `dossier ARGS --vault V --passphrase-file P` with TMPDIR pointing at an empty folder.
    pub fn cmd(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_cmd(args))
    }

    /// The same as a plain `std::process::Command`, for spawning and killing.
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"));
        c.args(args)
            .arg("--vault")
            .arg(&self.vault)
            .arg("--passphrase-file")
            .arg(&self.pass)
            .env("TMPDIR", &self.tmpdir)
            .env_remove("DOSSIER_VAULT");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "dossier {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Writes a source file into the fixture's `files/` folder.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Imports files and returns their ids (one per line of stdout).
    pub fn import(&self, paths: &[&Path]) -> Vec<String> {
        let mut args = vec!["import"];
        let strs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        args.extend(strs.iter().map(String::as_str));
        self.ok(&args).lines().map(str::to_string).collect()
    }

    pub fn list_json(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["list", "--json", "--all"])).unwrap()
    }

    pub fn assert_tmpdir_empty(&self) {
        let left: Vec<_> = std::fs::read_dir(&self.tmpdir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "TMPDIR must stay empty, found {left:?}");
    }

    /// Every file under the vault with its bytes.
    pub fn vault_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        walk(&self.vault, &mut out);
        out.sort();
        out
    }

    pub fn cleanup(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
}

/// Deterministic pseudo-random bytes (xorshift) so tests need no RNG crate.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    // Odd and distinct for every seed (xorshift must not start at 0).
    let mut x = ((seed << 1) | 1) ^ 0x9E37_79B9_7F4A_7C14;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Finds `needle` in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}
