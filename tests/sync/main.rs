//! One vault shared by two devices through two real Syncthing daemons (Debian's `syncthing`),
//! on loopback only: generated keys and configuration, discovery, relays, NAT and usage
//! reporting off, a time limit. Both devices import and edit at the same time; once the
//! folders converge, both list the same items, no acknowledged import is missing, `verify` is
//! clean on both, and the concurrent edit shows as a conflict on both.
//!
//! Skipped (with a message) where `syncthing` is not installed, except in CI (`CI` set), where it
//! fails; `scripts/test` installs it.

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::devices::Device;
use common::*;

/// How long the folders may take to converge after each step.
const CONVERGE: Duration = Duration::from_secs(150);

/// A Syncthing daemon that is killed when the test ends, however it ends.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `syncthing generate` makes the device's key; returns its device id.
fn generate(home: &Path) -> String {
    let out = Command::new("syncthing")
        .args(["generate", "--no-default-folder", "--skip-port-probing"])
        .arg(format!("--home={}", home.display()))
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    text.lines()
        .find_map(|l| l.split("Device ID: ").nth(1))
        .map(|id| id.trim().to_string())
        .unwrap_or_else(|| panic!("no device id in: {text}"))
}

/// A configuration with one folder shared by the two devices, reachable on loopback only.
fn configure(home: &Path, folder: &Path, me: (&str, u16), peer: (&str, u16)) {
    let device = |(id, port): (&str, u16), name: &str| {
        format!(
            r#"<device id="{id}" name="{name}" compression="metadata"><address>tcp://127.0.0.1:{port}</address></device>"#
        )
    };
    let config = format!(
        r#"<configuration version="36">
    <folder id="dossier-vault" label="vault" path="{path}" type="sendreceive" rescanIntervalS="2" fsWatcherEnabled="true" fsWatcherDelayS="1">
        <device id="{a}"></device>
        <device id="{b}"></device>
        <minDiskFree unit="%">0</minDiskFree>
    </folder>
    {dev_a}
    {dev_b}
    <gui enabled="false" tls="false"><address>127.0.0.1:0</address></gui>
    <options>
        <listenAddress>tcp://127.0.0.1:{port}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <reconnectionIntervalS>1</reconnectionIntervalS>
        <urAccepted>-1</urAccepted>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <crashReportingEnabled>false</crashReportingEnabled>
        <startBrowser>false</startBrowser>
        <minHomeDiskFree unit="%">0</minHomeDiskFree>
    </options>
</configuration>
"#,
        path = folder.display(),
        a = me.0,
        b = peer.0,
        dev_a = device(me, "this"),
        dev_b = device(peer, "peer"),
        port = me.1,
    );
    std::fs::write(home.join("config.xml"), config).unwrap();
    // Syncthing's folder marker, and its ignore file: `tmp/` holds each device's half-written
    // files, which only their writer may touch (README, "Two machines, one vault").
    std::fs::create_dir_all(folder.join(".stfolder")).unwrap();
    std::fs::write(folder.join(".stignore"), "/tmp\n").unwrap();
}

fn serve(home: &Path) -> Daemon {
    Daemon(
        Command::new("syncthing")
            .args(["serve", "--no-browser", "--no-restart"])
            .arg(format!("--home={}", home.display()))
            .arg(format!("--logfile={}", home.join("log").display()))
            .env("HOME", home)
            .env("STNOUPGRADE", "1")
            .env("STNODEFAULTFOLDER", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The vault's files as a sync engine sees them (not `tmp/`, not Syncthing's own), by size.
fn files(root: &Path) -> Vec<(PathBuf, u64)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.starts_with("tmp") || name.starts_with(".st") || name.starts_with(".syncthing.")
            {
                continue;
            }
            if e.path().is_dir() {
                walk(root, &e.path(), out);
            } else {
                out.push((rel, e.metadata().map(|m| m.len()).unwrap_or(0)));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Waits until both folders hold the same files, unchanged for three seconds in a row.
fn converge(a: &Path, b: &Path, homes: &[&Path]) {
    let started = Instant::now();
    let mut stable = 0;
    loop {
        let (fa, fb) = (files(a), files(b));
        stable = if fa == fb && !fa.is_empty() {
            stable + 1
        } else {
            0
        };
        if stable >= 3 {
            return;
        }
        if started.elapsed() > CONVERGE {
            let logs: Vec<String> = homes
                .iter()
                .map(|h| std::fs::read_to_string(h.join("log")).unwrap_or_default())
                .collect();
            panic!(
                "the folders did not converge in {CONVERGE:?}:\nA: {fa:?}\nB: {fb:?}\nlogs:\n{}",
                logs.join("\n----\n")
            );
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn two_devices_share_one_vault_through_syncthing() {
    if !have_tool("syncthing", "--version") {
        // CI must run it: `.ci/run` → `scripts/test`, which installs Syncthing.
        assert!(
            std::env::var_os("CI").is_none(),
            "syncthing is not installed in CI"
        );
        eprintln!("skipped: syncthing is not installed (scripts/test installs it)");
        return;
    }
    let f = Fixture::new("syncthing");
    let laptop = Device::new(&f, &f.vault, "laptop");
    let first = laptop.import(&f, "decision.pdf", &noise(30_000, 7));
    let office_folder = f.dir.join("office");
    std::fs::create_dir_all(&office_folder).unwrap();
    let office = Device::new(&f, &office_folder, "office");

    let (home_a, home_b) = (f.dir.join("st-laptop"), f.dir.join("st-office"));
    let (id_a, id_b) = (generate(&home_a), generate(&home_b));
    let (port_a, port_b) = (free_port(), free_port());
    configure(&home_a, &f.vault, (&id_a, port_a), (&id_b, port_b));
    configure(&home_b, &office_folder, (&id_b, port_b), (&id_a, port_a));
    let _a = serve(&home_a);
    let _b = serve(&home_b);
    let homes = [home_a.as_path(), home_b.as_path()];
    converge(&f.vault, &office_folder, &homes);
    assert_eq!(
        office.ids(&f),
        vec![first.clone()],
        "the office received the vault"
    );

    // Both at once: five imports each, and the same note edited on both.
    let work = |d: &Device, tag: &str| -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..5 {
            let bytes = format!("{tag} statement {i}").into_bytes();
            ids.push(d.import(&f, &format!("{tag} {i}.txt"), &bytes));
        }
        d.ok(
            &f,
            &[
                "edit",
                &first,
                "--note",
                &format!("checked on the {tag} computer"),
            ],
        );
        ids
    };
    let (mut acknowledged, from_office) = std::thread::scope(|s| {
        let a = s.spawn(|| work(&laptop, "laptop"));
        let b = s.spawn(|| work(&office, "office"));
        (a.join().unwrap(), b.join().unwrap())
    });
    acknowledged.extend(from_office);
    acknowledged.push(first.clone());
    acknowledged.sort();
    converge(&f.vault, &office_folder, &homes);

    let mut conflicts = Vec::new();
    for d in [&laptop, &office] {
        assert_eq!(
            d.ids(&f),
            acknowledged,
            "{}: every acknowledged import",
            d.vault.display()
        );
        let v = d.run(&f, &["verify"]);
        assert_eq!(
            v.status.code(),
            Some(0),
            "{}: {}{}",
            d.vault.display(),
            stdout(&v),
            stderr(&v)
        );
        let c: Vec<serde_json::Value> =
            serde_json::from_str(&d.ok(&f, &["conflicts", "--json"])).unwrap();
        assert_eq!(
            c.len(),
            1,
            "{}: the concurrent edit is a conflict: {c:?}",
            d.vault.display()
        );
        conflicts.push(c[0].clone());
    }
    assert_eq!(conflicts[0], conflicts[1], "both show the same conflict");
    eprintln!(
        "converged: {} items on both devices, one conflict",
        acknowledged.len()
    );
    drop((_a, _b));
    f.cleanup();
}
