//! Several devices on one vault, for the tests of vault format 2: a device is a vault folder
//! plus its own device records (another account or computer).

use std::path::{Path, PathBuf};

use super::{Fixture, stderr, stdout};

/// A vault folder as one device sees it: its own device records (another account or
/// computer).
pub struct Device {
    pub vault: PathBuf,
    pub state: PathBuf,
}

impl Device {
    /// The fixture's own folder is the device that created it (the fixture's device records).
    pub fn new(f: &Fixture, vault: &Path, name: &str) -> Device {
        let state = if vault == f.vault {
            f.dir.join("device-state")
        } else {
            f.dir.join(format!("state-{name}"))
        };
        Device {
            vault: vault.to_path_buf(),
            state,
        }
    }

    pub fn cmd(&self, f: &Fixture, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"));
        c.args(args)
            .arg("--vault")
            .arg(&self.vault)
            .arg("--passphrase-file")
            .arg(&f.pass)
            .env("TMPDIR", &f.tmpdir)
            .env("DOSSIER_STATE_DIR", &self.state)
            .env_remove("DOSSIER_VAULT");
        c
    }

    pub fn run(&self, f: &Fixture, args: &[&str]) -> std::process::Output {
        self.cmd(f, args).output().unwrap()
    }

    pub fn ok(&self, f: &Fixture, args: &[&str]) -> String {
        let o = self.run(f, args);
        assert!(
            o.status.success(),
            "{args:?} on {}: {}{}",
            self.vault.display(),
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    pub fn import(&self, f: &Fixture, name: &str, bytes: &[u8]) -> String {
        let p = f.file(name, bytes);
        self.ok(f, &["import", p.to_str().unwrap()])
            .trim()
            .to_string()
    }

    pub fn ids(&self, f: &Fixture) -> Vec<String> {
        let v: Vec<serde_json::Value> =
            serde_json::from_str(&self.ok(f, &["list", "--all", "--json"])).unwrap();
        let mut ids: Vec<String> = v.iter().map(|e| e["id"].as_str().unwrap().into()).collect();
        ids.sort();
        ids
    }
}

/// What a sync engine does when two folders meet: each gets the files it lacks (here without
/// deletions; `tmp/` is not synced, as the README asks).
pub fn unite(a: &Path, b: &Path) {
    fn copy_missing(from: &Path, to: &Path, rel: &Path) {
        for e in std::fs::read_dir(from.join(rel)).unwrap().flatten() {
            let r = rel.join(e.file_name());
            if r.starts_with("tmp") {
                continue;
            }
            if e.path().is_dir() {
                std::fs::create_dir_all(to.join(&r)).unwrap();
                copy_missing(from, to, &r);
            } else if !to.join(&r).exists() {
                std::fs::copy(e.path(), to.join(&r)).unwrap();
            }
        }
    }
    copy_missing(a, b, Path::new(""));
    copy_missing(b, a, Path::new(""));
}

pub fn copy_tree(from: &Path, to: &Path) {
    let s = std::process::Command::new("cp")
        .args(["-a"])
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(s.success());
}

/// The journal folder of the one device that wrote to `vault`, and its segments in order.
pub fn only_device_segments(vault: &Path) -> (PathBuf, Vec<PathBuf>) {
    let devices: Vec<PathBuf> = std::fs::read_dir(vault.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(devices.len(), 1, "one device wrote: {devices:?}");
    let mut segments: Vec<PathBuf> = std::fs::read_dir(&devices[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segments.sort();
    (devices[0].clone(), segments)
}
