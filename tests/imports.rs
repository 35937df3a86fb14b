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
/// gives every attachment (they travel as one part).
#[test]
fn an_email_with_many_attachments_gives_them_all() {
    let f = Fixture::new("cli-attachments");
    let mut eml = String::from(
        "From: client@example.org\r\nTo: lawyer@example.org\r\nSubject: pages\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n",
    );
    for i in 0..25 {
        eml.push_str(&format!(
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"page-{i:02}.txt\"\r\n\r\nPage {i} of the case file.\r\n"
        ));
    }
    eml.push_str("--b--\r\n");
    let id = f.import(&[&f.file("pages.eml", eml.as_bytes())]).remove(0);
    let out = f.ok(&["import-attachments", &id]);
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 25, "{out}");
    let names: Vec<String> = f
        .list_json()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"page-24.txt".to_string()), "{names:?}");
    f.cleanup();
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
