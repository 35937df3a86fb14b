//! Crash safety: SIGKILL at arbitrary moments during imports loses nothing that was
//! acknowledged, leaves no half item, and the vault verifies clean afterwards.

mod common;

use common::*;
use std::time::Duration;

#[test]
fn kill_9_during_imports_loses_nothing_acknowledged() {
    let f = Fixture::new("kill9");
    let mut acknowledged: Vec<(String, String)> = Vec::new(); // (id, sha256)
    // How long one import takes on this machine now, so the kills spread over all of it
    // (before, during, after) however loaded the machine is.
    let calibration = noise(24 << 20, 999);
    let src = f.file("calibration.wav", &calibration);
    let started = std::time::Instant::now();
    let id = f.ok(&["import", src.to_str().unwrap()]).trim().to_string();
    let window = (started.elapsed().as_millis() as u64 * 13 / 10).max(50);
    acknowledged.push((id, sha256_hex(&calibration)));
    std::fs::remove_file(&src).unwrap();
    let iterations = 30u64;
    for i in 0..iterations {
        let bytes = noise(24 << 20, 1000 + i);
        let sha = sha256_hex(&bytes);
        let src = f.file(&format!("recording {i}.wav"), &bytes);
        let mut child = f
            .std_cmd(&["import", src.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole import: key unwrap, streaming, commit, publish.
        std::thread::sleep(Duration::from_millis((i * 37) % window));
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            acknowledged.push((
                String::from_utf8(out.stdout).unwrap().trim().to_string(),
                sha,
            ));
        }
        std::fs::remove_file(&src).unwrap();

        let out = f.run(&["verify", "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("iteration {i}: verify did not run: {}", stderr(&out)));
        assert_eq!(
            out.status.code(),
            Some(0),
            "iteration {i}: vault must verify clean: {report:#}"
        );
        let listed = f.list_json();
        for (id, sha) in &acknowledged {
            assert!(
                listed
                    .iter()
                    .any(|e| e["id"] == id.as_str() && e["sha256"] == sha.as_str()),
                "iteration {i}: acknowledged item {id} lost"
            );
        }
        // No half items: everything listed is either acknowledged or a complete import whose
        // acknowledgement the kill cut off (then it verified OK above).
        assert!(listed.len() <= i as usize + 2);
    }
    eprintln!(
        "{} of {iterations} imports completed before the kill",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > 1 && acknowledged.len() <= iterations as usize,
        "the kills must land both before and after completion"
    );
    f.assert_tmpdir_empty();
    f.cleanup();
}

/// A folder imported in one command goes in batches, each durable as a whole before its ids
/// are printed: a kill at any moment loses no printed id, and leaves the vault verifying.
#[test]
fn kill_9_during_a_batch_import_loses_nothing_acknowledged() {
    let f = Fixture::new("kill9-batch");
    let files: Vec<std::path::PathBuf> = (0..400)
        .map(|i| {
            f.file(
                &format!("page {i:03}.txt"),
                format!("Протокол допроса, стр. {i}\n").as_bytes(),
            )
        })
        .collect();
    let args: Vec<&str> = std::iter::once("import")
        .chain(files.iter().map(|p| p.to_str().unwrap()))
        .collect();
    let started = std::time::Instant::now();
    f.ok(&args
        .iter()
        .copied()
        .chain(["--allow-duplicate"])
        .collect::<Vec<_>>());
    let window = (started.elapsed().as_millis() as u64 * 13 / 10).max(50);
    let mut acknowledged: Vec<String> = f
        .list_json()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let mut cut_short = 0;
    for i in 0..8u64 {
        let mut child = f
            .std_cmd(
                &args
                    .iter()
                    .copied()
                    .chain(["--allow-duplicate"])
                    .collect::<Vec<_>>(),
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis((i * 131 + 17) % window));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let printed: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if printed.len() < files.len() {
            cut_short += 1;
        }
        acknowledged.extend(printed);
        let verify = f.run(&["verify", "--json"]);
        assert_eq!(
            verify.status.code(),
            Some(0),
            "run {i}: {}",
            stdout(&verify)
        );
        let listed = f.list_json();
        for id in &acknowledged {
            assert!(
                listed.iter().any(|e| e["id"] == id.as_str()),
                "run {i}: acknowledged item {id} lost"
            );
        }
    }
    assert!(cut_short > 0, "the kills must land before a run finished");
    f.assert_tmpdir_empty();
    f.cleanup();
}

/// A snapshot is a cache written at open once much was replayed: a kill at any moment of
/// writing one leaves a vault that opens with everything, verifies, and tidies its tmp/.
#[test]
fn kill_9_during_a_snapshot_write_leaves_a_vault_that_opens() {
    let f = Fixture::new("kill9-snapshot");
    // More segments than an open replays without writing a snapshot (64).
    let people = 70;
    for i in 0..people {
        f.ok(&["person", "add", "--name", &format!("Свидетель {i}")]);
    }
    let snapshots = f.vault.join("snapshots");
    let clear = || {
        let _ = std::fs::remove_dir_all(&snapshots);
    };
    let count = |dir: &std::path::Path| -> usize { walk(dir).len() };
    // Calibrate: an open that replays everything and writes the snapshot.
    clear();
    let started = std::time::Instant::now();
    f.ok(&["person", "list"]);
    let window = (started.elapsed().as_millis() as u64 * 13 / 10).max(50);
    assert!(count(&snapshots) > 0, "the open wrote a snapshot");
    let (mut written, mut finished, mut cut_mid_write) = (0, 0, 0);
    for i in 0..16u64 {
        clear();
        let mut child = f
            .std_cmd(&["person", "list"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis((i * 37 + 11) % window));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        } else if count(&snapshots) > 0 {
            written += 1;
        }
        if !walk(&f.vault.join("tmp")).is_empty() {
            cut_mid_write += 1;
        }
        let verify = f.run(&["verify", "--json"]);
        assert_eq!(
            verify.status.code(),
            Some(0),
            "run {i}: {}",
            stdout(&verify)
        );
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&f.ok(&["person", "list", "--json"])).unwrap();
        assert_eq!(listed.len(), people, "run {i}: every person is there");
        let tmp_left: Vec<_> = walk(&f.vault.join("tmp"));
        assert!(
            tmp_left.is_empty(),
            "run {i}: tmp/ tidied at open: {tmp_left:?}"
        );
    }
    eprintln!(
        "of 16 opens: {finished} finished, {written} killed after publishing the snapshot, \
         {cut_mid_write} killed while writing it"
    );
    assert!(
        finished < 16,
        "the kills must land before the open finished"
    );
    f.assert_tmpdir_empty();
    f.cleanup();
}

/// Every file under `dir` (none if it does not exist).
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
