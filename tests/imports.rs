//! Importing several files in one command (durable batches), and an e-mail's attachments.

mod common;

use common::*;

/// Several files in one command (batches): a duplicate within the batch is stored once, a
/// missing file is named and the rest stored, in order, each id printed once its batch is
/// durable.
#[test]
fn many_files_in_one_command_keep_order_duplicates_and_errors() {
    let f = Fixture::new("cli-batch");
    let a = f.file("a.txt", b"the same bytes");
    let b = f.file("b.txt", b"the same bytes");
    let c = f.file("c.txt", b"other bytes");
    let missing = f.dir.join("gone.txt");
    let out = f.run(&[
        "import",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        missing.to_str().unwrap(),
        c.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let ids: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(ids.len(), 3, "a, b (as a's id) and c: {ids:?}");
    assert_eq!(ids[0], ids[1], "the duplicate names the first copy");
    assert_ne!(ids[0], ids[2]);
    assert!(stderr(&out).contains("gone.txt"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already in the vault"),
        "{}",
        stderr(&out)
    );
    assert_eq!(f.list_json().len(), 2);
    f.ok(&["verify"]);
    f.cleanup();
}

/// An e-mail with more attachments than the parser worker's messages have parts (8) still
/// gives every attachment (they travel as one part), in the message's order. They are one
/// batch import: one journal segment and one pack for all of them, not two segments and a
/// file each. Each is related to the e-mail; an attachment already in the vault (here one
/// imported before, and one attached twice) is not stored again but is related too.
#[test]
fn an_email_with_many_attachments_gives_them_all() {
    let f = Fixture::new("cli-attachments");
    let mut eml = String::from(
        "From: client@example.org\r\nTo: lawyer@example.org\r\nSubject: pages\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n",
    );
    let attach = |eml: &mut String, name: &str, body: &str| {
        eml.push_str(&format!(
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{body}\r\n"
        ));
    };
    for i in 0..25 {
        attach(
            &mut eml,
            &format!("page-{i:02}.txt"),
            &format!("Page {i} of the case file."),
        );
    }
    attach(&mut eml, "earlier.txt", "Imported on its own before.");
    // Two attachments of one name: a new one, then one already in the vault.
    attach(&mut eml, "same.txt", "Fresh words.");
    attach(&mut eml, "same.txt", "Imported on its own before.");
    // Last: the same bytes twice in one batch wait for the next batch (where they are a
    // duplicate), so the batch ends there.
    attach(&mut eml, "page-03-again.txt", "Page 3 of the case file.");
    eml.push_str("--b--\r\n");
    let earlier = f
        .import(&[&f.file("earlier.txt", b"Imported on its own before.")])
        .remove(0);
    let id = f.import(&[&f.file("pages.eml", eml.as_bytes())]).remove(0);
    let count = |dir: &str| walk(&f.vault.join(dir)).len();
    let (segments, blobs) = (count("journal"), count("blobs"));
    let out = f.ok(&["import-attachments", &id]);
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 29, "{out}");
    assert_eq!(ids[25], earlier, "the earlier import, not a new copy");
    assert_ne!(ids[26], earlier);
    assert_eq!(
        ids[27], earlier,
        "in the message's order, whatever the names"
    );
    assert_eq!(ids[28], ids[3], "the page attached twice is stored once");
    assert!(
        count("journal") - segments <= 2,
        "{} new journal segments",
        count("journal") - segments
    );
    assert_eq!(
        count("blobs") - blobs,
        1,
        "one pack for the 26 new attachments"
    );
    let show = |id: &str| -> serde_json::Value {
        serde_json::from_str(&f.ok(&["show", id, "--json"])).unwrap()
    };
    assert_eq!(show(ids[26])["name"], "same.txt");
    for (i, page) in ids.iter().take(25).enumerate() {
        let item = show(page);
        assert_eq!(item["name"], format!("page-{i:02}.txt"));
        assert_eq!(item["links"]["attached_to"][0]["id"], id.as_str(), "{item}");
    }
    assert_eq!(show(&earlier)["links"]["attached_to"][0]["id"], id.as_str());
    let attached = show(&id)["links"]["attachments"].as_array().unwrap().len();
    assert_eq!(
        attached, 27,
        "25 pages, the earlier import and the new same.txt"
    );
    f.ok(&["verify"]);
    f.cleanup();
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// A folder, as the app imports one: `import --recursive` walks it in name order, stores every
/// file, and names what it cannot import (a symbolic link is not followed); without the flag a
/// folder is an error that names it.
#[test]
fn a_folder_is_imported_with_recursive() {
    let f = Fixture::new("cli-recursive");
    let dir = f.dir.join("phone dump");
    std::fs::create_dir_all(dir.join("DCIM/100")).unwrap();
    std::fs::write(dir.join("b.txt"), "Показания").unwrap();
    std::fs::write(dir.join("DCIM/100/a.jpg"), noise(3000, 7)).unwrap();
    std::fs::write(dir.join("a.txt"), "Письмо").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("link")).unwrap();

    let o = f.run(&["import", "--no-ocr", dir.to_str().unwrap()]);
    assert!(!o.status.success(), "a folder without --recursive");
    assert!(stderr(&o).contains("phone dump"), "{}", stderr(&o));

    let o = f.run(&["import", "--no-ocr", "--recursive", dir.to_str().unwrap()]);
    assert!(!o.status.success(), "the link is reported as not imported");
    assert!(
        stderr(&o).contains("link: a symbolic link (not followed)")
            && stderr(&o).contains("1 of 4 files were not imported"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
    let names: Vec<String> = f
        .list_json()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["a.jpg", "a.txt", "b.txt"]);
    f.ok(&["verify"]);
    f.cleanup();
}
