//! The parser worker's sandbox (issue #12): it cannot create a file or open a socket, and
//! neither its environment nor its memory holds the vault's key or passphrase.

mod common;

use std::io::{Read, Seek, SeekFrom};

use common::*;
use dossier::{SecretString, Vault};

#[test]
fn the_worker_can_write_no_file_open_no_socket_and_has_no_environment() {
    let probe = dossier::worker::Parser::new().probe().unwrap();
    eprintln!("Landlock: {}", probe.landlock);
    assert!(
        probe.create_file.starts_with("refused") && probe.create_file.contains("ermission denied"),
        "creating a file: {}",
        probe.create_file
    );
    // The test runs in the checkout: a user folder, not a system one.
    assert!(
        probe.read_files.starts_with("refused") && probe.read_files.contains("ermission denied"),
        "listing the working folder: {}",
        probe.read_files
    );
    // EACCES from the filter, not "connection refused" from an open port.
    assert!(
        probe.open_socket.starts_with("refused") && probe.open_socket.contains("ermission denied"),
        "a UDP socket: {}",
        probe.open_socket
    );
    assert!(
        probe.connect_tcp.contains("ermission denied"),
        "TCP to 127.0.0.1: {}",
        probe.connect_tcp
    );
    let names: Vec<&str> = probe
        .environment
        .iter()
        .map(|v| v.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "only PATH, LC_ALL, OMP_THREAD_LIMIT: {names:?}"
    );
    for n in ["PATH", "LC_ALL", "OMP_THREAD_LIMIT"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
}

#[test]
fn a_worker_past_its_deadline_is_killed_and_the_next_request_gets_a_new_one() {
    // Drawing the first page of a 300-dpi scan takes far longer than 20 ms.
    let page = common::scan::scan_page(&common::scan::text_pdf("Страница для проверки."), 1);
    let pdf = common::scan::scanned_pdf(&[page]);
    let mut parser =
        dossier::worker::Parser::new().with_extract_deadline(std::time::Duration::from_millis(20));
    let slow = parser.extract(&pdf, "scan.pdf");
    let error = slow.error.unwrap_or_default();
    assert!(error.contains("took longer than 0.02 s"), "{error}");
    assert!(parser.pid().is_none(), "the worker that overran is gone");
    let mut parser = parser.with_extract_deadline(std::time::Duration::from_secs(90));
    let fine = parser.extract("простой текст".as_bytes(), "note.txt");
    assert_eq!(fine.error, None);
    assert_eq!(fine.text.as_deref(), Some("простой текст"));
}

/// Every readable mapping of a process, as (start, bytes).
fn memory_of(pid: u32) -> Vec<u8> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut all = Vec::new();
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (range, perms) = (f.next().unwrap(), f.next().unwrap());
        if !perms.starts_with('r') {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_ok() && mem.read_exact(&mut buf).is_ok() {
            all.extend(buf);
        }
    }
    all
}

#[test]
fn the_workers_memory_holds_no_key_after_parsing_for_an_open_vault() {
    let f = Fixture::new("worker-memory");
    let doc = f.file("letter.txt", "Письмо адвоката, слово айва.".as_bytes());
    let mut vault = Vault::open(&f.vault, &SecretString::from(PASSPHRASE.to_string())).unwrap();
    vault
        .import(&doc, &Default::default(), &dossier::Silent)
        .unwrap();
    let identity_file = f.dir.join("identity.txt");
    vault.export_identity(&identity_file).unwrap();
    let identity = std::fs::read_to_string(&identity_file).unwrap();
    let secret = identity
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_string();
    let probe = vault.probe_parser().unwrap();
    let memory = memory_of(probe.pid);
    assert!(memory.len() > 1 << 20, "the worker's memory was read");
    // The worker did parse the letter (it is in its memory), but never saw the key.
    assert!(
        contains(&memory, "айва".as_bytes()),
        "the scan reads what the worker parsed"
    );
    assert!(
        !contains(&memory, secret.as_bytes()),
        "the identity in the worker's memory"
    );
    assert!(
        !contains(&memory, secret.to_lowercase().as_bytes()),
        "the identity (lower case) in the worker's memory"
    );
    assert!(
        !contains(&memory, PASSPHRASE.as_bytes()),
        "the passphrase in the worker's memory"
    );
    drop(vault);
    f.cleanup();
}
