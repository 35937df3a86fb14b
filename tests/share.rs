//! Sharing: a bundle for named recipients that another vault receives (keeping the sender's
//! hashes and custody), that stock `age` and `tar` open, and that imports nothing when it is
//! for someone else, cut short or altered.

mod common;

use std::path::Path;

use common::*;

/// A sender vault with a case of two items (one with a Cyrillic name).
fn sender(name: &str) -> (Fixture, String, Vec<(String, Vec<u8>)>) {
    let a = Fixture::new(name);
    let case = a
        .ok(&["case", "add", "--title", "Жұмабаев v. State"])
        .trim()
        .to_string();
    let files = vec![
        ("Постановление.pdf".to_string(), noise(200_000, 11)),
        ("photo.jpg".to_string(), noise(5_000, 12)),
    ];
    for (name, bytes) in &files {
        let id = a.import(&[&a.file(name, bytes)]).remove(0);
        a.ok(&["link", "--case", &case, "--item", &id]);
    }
    (a, case, files)
}

fn share_to(a: &Fixture, case: &str, key: &str, out: &Path) {
    a.ok(&[
        "share",
        "--case",
        case,
        "--to",
        key,
        "--out",
        out.to_str().unwrap(),
    ]);
}

#[test]
fn a_bundle_reaches_another_vault_with_its_hashes_and_custody() {
    let (a, case, files) = sender("share-sender-1");
    let b = Fixture::new("share-receiver");
    let key = b.ok(&["contact", "me"]).trim().to_string();
    assert!(key.starts_with("age1"), "{key}");
    a.ok(&[
        "contact",
        "add",
        "--name",
        "Co-counsel Geneva",
        "--key",
        &key,
    ]);
    let bundle = a.dir.join("case.dossier");
    share_to(&a, &case, "co-counsel geneva", &bundle);

    // Nothing readable on the way: names, texts and hashes are inside the encryption.
    let raw = std::fs::read(&bundle).unwrap();
    for (name, bytes) in &files {
        assert!(!contains(&raw, name.as_bytes()));
        assert!(!contains(&raw, sha256_hex(bytes).as_bytes()));
    }
    let log = a.ok(&["log"]);
    assert!(
        log.contains("share") && log.contains("Co-counsel Geneva"),
        "{log}"
    );

    let target = b
        .ok(&["case", "add", "--title", "Received"])
        .trim()
        .to_string();
    let ids: Vec<String> = b
        .ok(&["receive", bundle.to_str().unwrap(), "--case", &target])
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(ids.len(), 2);
    let items = b.list_json();
    for (name, bytes) in &files {
        let item = items.iter().find(|i| i["name"] == name.as_str()).unwrap();
        assert_eq!(item["sha256"], sha256_hex(bytes));
        let out = b.dir.join(format!("out-{}", item["id"].as_str().unwrap()));
        b.ok(&[
            "extract",
            item["id"].as_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(&std::fs::read(&out).unwrap(), bytes);
        // The import entry carries the sender's own custody of the item.
        let show: serde_json::Value =
            serde_json::from_str(&b.ok(&["show", item["id"].as_str().unwrap(), "--json"])).unwrap();
        let first = show["custody"][0]["detail"].as_str().unwrap().to_string();
        assert!(
            first.contains("sender_custody") && first.contains("\"import\""),
            "{first}"
        );
        // The sender's folders (her account's name, how she files clients) stay with her:
        // the source and every custody detail carry only the file's name.
        let sender_dir = a.dir.display().to_string();
        let shown = show.to_string();
        assert!(
            !shown.contains(&sender_dir),
            "the bundle carried the sender's path {sender_dir}: {shown}"
        );
        assert!(
            show["source"]
                .as_str()
                .is_some_and(|s| s.ends_with(&format!("…/{name}"))),
            "{}",
            show["source"]
        );
        assert!(first.contains("paths_shortened"), "{first}");
    }
    let view = b.ok(&["case", "show", &target]);
    assert!(view.contains("photo.jpg"), "{view}");
    assert!(b.ok(&["log"]).contains("receive"));

    // The same bundle again stores nothing twice.
    let again = b.run(&["receive", bundle.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("2 already here"),
        "{}",
        stderr(&again)
    );
    assert_eq!(b.list_json().len(), 2);
    b.ok(&["verify"]);
    a.assert_tmpdir_empty();
    b.assert_tmpdir_empty();
    a.cleanup();
    b.cleanup();
}

#[test]
fn stock_age_and_tar_open_a_bundle() {
    if !have_tool("age", "--version") {
        return;
    }
    let (a, case, files) = sender("share-sender-2");
    let key_file = a.dir.join("ngo-key.txt");
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&key_file).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let bundle = a.dir.join("for-ngo.dossier");
    share_to(&a, &case, &public, &bundle);

    let plain = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key_file)
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", stderr(&plain));
    // Padded inside the encryption like the vault's files (Padmé, from 64 KiB): the size
    // says which of a few classes the contents fall in, not each file's size.
    let len = plain.stdout.len() as u64;
    let e = 63 - len.leading_zeros() as u64;
    let step = 1u64 << (e - (64 - e.leading_zeros() as u64));
    assert!(
        len >= 64 * 1024 && len.is_multiple_of(step),
        "the bundle's plaintext is {len} bytes, not a padding class"
    );
    let dir = a.dir.join("unpacked");
    std::fs::create_dir_all(&dir).unwrap();
    let mut tar = std::process::Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    tar.stdin.take().unwrap().write_all(&plain.stdout).unwrap();
    assert!(tar.wait().unwrap().success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "dossier-bundle 1");
    assert_eq!(manifest["case"]["title"], "Жұмабаев v. State");
    for (name, bytes) in &files {
        let entry = manifest["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name.as_str())
            .unwrap();
        assert_eq!(entry["sha256"], sha256_hex(bytes));
        let file = dir.join(entry["file"].as_str().unwrap());
        assert!(file.ends_with(name), "{}", file.display());
        assert_eq!(&std::fs::read(&file).unwrap(), bytes);
    }
    a.cleanup();
}

#[test]
fn a_bundle_for_someone_else_cut_short_or_altered_imports_nothing() {
    let (a, case, _) = sender("share-sender-3");
    let b = Fixture::new("share-bad-b");
    let c = Fixture::new("share-bad-c");
    let key = b.ok(&["contact", "me"]).trim().to_string();
    let bundle = a.dir.join("b.dossier");
    share_to(&a, &case, &key, &bundle);

    let o = c.run(&["receive", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no sharing key yet"), "{}", stderr(&o));
    c.ok(&["contact", "me"]);
    let o = c.run(&["receive", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("other recipients"), "{}", stderr(&o));
    assert!(c.list_json().is_empty());

    let raw = std::fs::read(&bundle).unwrap();
    let cut = b.dir.join("cut.dossier");
    std::fs::write(&cut, &raw[..raw.len() - 300]).unwrap();
    let altered = b.dir.join("altered.dossier");
    let mut bytes = raw.clone();
    let n = bytes.len();
    bytes[n - 5_000] ^= 0x20;
    std::fs::write(&altered, &bytes).unwrap();
    for bad in [&cut, &altered] {
        let o = b.run(&["receive", bad.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", bad.display());
        let err = stderr(&o);
        assert!(
            err.contains("truncated or was altered") && err.contains("nothing was imported"),
            "{err}"
        );
        assert!(
            b.list_json().is_empty(),
            "{} imported something",
            bad.display()
        );
    }
    // The intact bundle still arrives.
    b.ok(&["receive", bundle.to_str().unwrap()]);
    assert_eq!(b.list_json().len(), 2);
    a.cleanup();
    b.cleanup();
    c.cleanup();
}

#[test]
fn contacts_are_checked_and_kept_in_the_catalog() {
    let f = Fixture::new("share-contacts");
    let bad = f.run(&["contact", "add", "--name", "X", "--key", "age1notakey"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not an age public key"),
        "{}",
        stderr(&bad)
    );
    let key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    f.ok(&["contact", "add", "--name", "Amnesty desk", "--key", key]);
    let dup = f.run(&["contact", "add", "--name", "Other", "--key", key]);
    assert!(
        stderr(&dup).contains("already the contact"),
        "{}",
        stderr(&dup)
    );
    let list = f.ok(&["contact", "list"]);
    assert!(
        list.contains("Amnesty desk") && list.contains(key),
        "{list}"
    );
    for (path, bytes) in f.vault_files() {
        assert!(
            !contains(&bytes, b"Amnesty desk"),
            "{} names a contact",
            path.display()
        );
        assert!(
            !contains(&bytes, key.as_bytes()),
            "{} holds a contact key",
            path.display()
        );
    }
    f.ok(&["contact", "remove", "amnesty desk"]);
    assert!(f.ok(&["contact", "list", "--json"]).trim() == "[]");
    f.cleanup();
}
