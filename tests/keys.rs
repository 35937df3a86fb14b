//! Key slots: recovery keys open the vault on their own, recover a lost passphrase, can be
//! removed (never the last slot), open with the stock `age` tool, and leave no secret on disk.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Fixture, have_tool, noise, stderr};

/// `dossier --vault V --identity FILE ARGS` (no passphrase file).
fn with_identity(f: &Fixture, identity: &Path, args: &[&str]) -> Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"))
        .args(args)
        .arg("--vault")
        .arg(&f.vault)
        .arg("--identity")
        .arg(identity)
        .env("TMPDIR", &f.tmpdir)
        .env_remove("DOSSIER_VAULT")
        .output()
        .unwrap()
}

/// Adds a recovery key and writes what the command printed (comments and the key) to a file,
/// as a user redirecting it would. Returns the file and the secret line.
fn add_recovery(f: &Fixture, label: &str) -> (std::path::PathBuf, String) {
    let out = f.ok(&["key", "add-recovery", "--label", label]);
    let secret = out
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .expect("the recovery key is printed")
        .to_string();
    let path = f
        .dir
        .join(format!("recovery-{}.txt", label.replace(' ', "-")));
    std::fs::write(&path, &out).unwrap();
    (path, secret)
}

#[test]
fn a_recovery_key_opens_the_vault_and_replaces_a_lost_passphrase() {
    let f = Fixture::new("keys-recover");
    let bytes = noise(70_000, 3);
    let id = f.import(&[&f.file("letter.pdf", &bytes)]).remove(0);
    let (recovery, secret) = add_recovery(&f, "paper in the safe");

    // The secret is shown once and stored nowhere in the vault, in any form.
    for (path, data) in f.vault_files() {
        for needle in [secret.as_bytes(), secret.to_lowercase().as_bytes()] {
            assert!(
                !data.windows(needle.len()).any(|w| w == needle),
                "{} holds the recovery key",
                path.display()
            );
        }
    }

    // The passphrase is forgotten: the recovery key opens the vault and sets a new one.
    std::fs::write(&f.pass, "a new passphrase of six words\n").unwrap();
    let wrong = f.run(&["list"]);
    assert_eq!(wrong.status.code(), Some(2));
    let newpass = f.dir.join("newpass");
    std::fs::write(&newpass, "a new passphrase of six words\n").unwrap();
    let changed = with_identity(
        &f,
        &recovery,
        &[
            "passphrase",
            "change",
            "--new-passphrase-file",
            newpass.to_str().unwrap(),
            "--kdf-work-factor",
            common::TEST_WORK_FACTOR,
        ],
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    // The new passphrase opens it, and the evidence is intact.
    let out = f.dir.join("out.pdf");
    f.ok(&["extract", &id, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    let verify = f.ok(&["verify"]);
    assert!(verify.contains("0 unknown files"), "{verify}");
    let log = f.ok(&["log"]);
    assert!(log.contains("\"change\":\"added\""), "{log}");
    assert!(log.contains("\"slot\":\"passphrase\""), "{log}");
    f.assert_tmpdir_empty();
    f.cleanup();
}

#[test]
fn a_key_typed_from_paper_in_groups_and_lower_case_still_opens() {
    let f = Fixture::new("keys-typed");
    let (_, secret) = add_recovery(&f, "paper");
    let typed: String = secret
        .to_lowercase()
        .as_bytes()
        .chunks(8)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let file = f.dir.join("typed.txt");
    std::fs::write(&file, format!("{typed}\n")).unwrap();
    let out = with_identity(&f, &file, &["key", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("passphrase") && list.contains("recovery"),
        "{list}"
    );
    // A file far larger than a key file is refused by name, not read whole.
    let big = f.dir.join("not-a-key.bin");
    std::fs::write(&big, vec![b'A'; 200 * 1024]).unwrap();
    let out = with_identity(&f, &big, &["key", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not-a-key.bin is not a key file: too large, or not text"),
        "{}",
        stderr(&out)
    );
    f.cleanup();
}

#[test]
fn removed_slots_no_longer_open_and_the_last_slot_stays() {
    let f = Fixture::new("keys-remove");
    let (first, _) = add_recovery(&f, "first");
    let (second, _) = add_recovery(&f, "second");
    let slots: Vec<serde_json::Value> =
        serde_json::from_str(&f.ok(&["key", "list", "--json"])).unwrap();
    assert_eq!(slots.len(), 3);
    let first_id = slots[1]["id"].as_str().unwrap().to_string();
    assert_eq!(slots[1]["label"], "first");

    f.ok(&["key", "remove", &first_id[..8]]);
    let refused = with_identity(&f, &first, &["list"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("does not open any key slot"),
        "{}",
        stderr(&refused)
    );
    // With the passphrase slot removed, the second recovery key is the only way in…
    f.ok(&["key", "remove", "passphrase"]);
    assert!(!f.vault.join("keys/passphrase.age").exists());
    let no_pass = f.run(&["list"]);
    assert!(
        stderr(&no_pass).contains("no passphrase slot"),
        "{}",
        stderr(&no_pass)
    );
    // …and it cannot be removed.
    let last = slots[2]["id"].as_str().unwrap();
    let out = with_identity(&f, &second, &["key", "remove", last]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("last key slot"), "{}", stderr(&out));
    assert!(f.vault.join(format!("keys/{last}.age")).exists());
    // A new passphrase slot brings the passphrase back.
    let pass = f.pass.to_str().unwrap().to_string();
    let out = with_identity(
        &f,
        &second,
        &[
            "passphrase",
            "change",
            "--new-passphrase-file",
            &pass,
            "--kdf-work-factor",
            common::TEST_WORK_FACTOR,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    f.ok(&["list"]);
    f.cleanup();
}

#[test]
fn a_slot_file_the_catalog_does_not_list_is_reported() {
    let f = Fixture::new("keys-unknown");
    let (_, _) = add_recovery(&f, "known");
    let stray = f.vault.join(format!("keys/{}.age", "ab".repeat(16)));
    std::fs::write(&stray, b"age-encryption.org/v1\n").unwrap();
    let verify = f.run(&["verify"]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(
        text.contains(&format!("keys/{}.age", "ab".repeat(16))),
        "{text}"
    );
    assert!(text.contains("1 unknown files"), "{text}");
    let list = f.ok(&["key", "list"]);
    assert!(list.contains("unknown"), "{list}");
    f.cleanup();
}

/// Without Dossier: stock `age` unwraps the slot with the recovery key, and the identity it
/// yields decrypts the evidence.
#[test]
fn stock_age_opens_a_recovery_slot() {
    if !have_tool("age", "--version") {
        return;
    }
    let f = Fixture::new("keys-age");
    let bytes = noise(5_000, 9);
    f.import(&[&f.file("note.txt", &bytes)]);
    let (recovery, _) = add_recovery(&f, "paper");
    let slots: Vec<serde_json::Value> =
        serde_json::from_str(&f.ok(&["key", "list", "--json"])).unwrap();
    let slot = f
        .vault
        .join(format!("keys/{}.age", slots[1]["id"].as_str().unwrap()));
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&recovery)
        .arg(&slot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let identity = String::from_utf8(out.stdout).unwrap();
    assert!(identity.contains("AGE-SECRET-KEY-1"));
    let id_file = f.dir.join("vault-identity.txt");
    std::fs::write(&id_file, &identity).unwrap();
    let blob = f
        .vault_files()
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.starts_with(f.vault.join("blobs")))
        .unwrap();
    let plain = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&id_file)
        .arg(&blob)
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", stderr(&plain));
    // The blob layout: 32-byte header, then the original bytes.
    assert_eq!(&plain.stdout[32..32 + bytes.len()], &bytes[..]);
    f.cleanup();
}

/// The printable sheet carries the key as text and as a QR code that scans back to it.
#[test]
fn the_printed_recovery_sheet_reads_and_scans_back_to_the_key() {
    if !have_tool("pdftoppm", "-v") || !have_tool("zbarimg", "--version") {
        return;
    }
    let f = Fixture::new("keys-sheet");
    let pdf = f.dir.join("recovery.pdf");
    let out = f.ok(&[
        "key",
        "add-recovery",
        "--label",
        "safe",
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    let secret = out
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap()
        .to_string();
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let typed: String = String::from_utf8_lossy(&text.stdout)
        .lines()
        .filter(|l| {
            *l == "AGE-SECRET-KEY-1"
                || l.split(' ').all(|g| {
                    (1..=4).contains(&g.len())
                        && g.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
                })
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(typed.replace(' ', ""), secret, "the key as printed");
    let png = f.dir.join("page");
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&png)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let scan = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(f.dir.join("page.png"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&scan.stdout).trim(),
        secret,
        "the key as scanned"
    );
    // The export is in the custody log; the key itself is not.
    let log = f.ok(&["log"]);
    assert!(log.contains("recovery key sheet"), "{log}");
    assert!(!log.contains(&secret));
    f.cleanup();
}

/// The stand-in plugin (examples/age-plugin-dossiertest.rs), built here as a program.
/// `cargo test --all-targets` compiles examples only as test harnesses (an executable that lists
/// zero tests), so the test asks cargo for the real binary; cargo has released the build lock by
/// the time tests run. `--workspace` resolves features as `scripts/test` does (the app turns on
/// `dossier/ts`), so the build reuses the test build's library and dependencies; without it,
/// clean CI rebuilt them for eight minutes.
fn stand_in_plugin() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile dir>/deps/keys-HASH
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let out = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--locked", "--workspace"])
        .args(["--example", "age-plugin-dossiertest"])
        .args(["--profile", profile])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building the stand-in plugin: {}",
        stderr(&out)
    );
    let plugin = profile_dir.join("examples").join("age-plugin-dossiertest");
    assert!(plugin.exists(), "{} is missing", plugin.display());
    plugin
}

/// A plugin slot (a YubiKey in real use) opens the vault through the age plugin protocol,
/// and only with the plugin's identity.
#[test]
fn a_plugin_slot_opens_the_vault_through_the_plugin() {
    let plugin = stand_in_plugin();
    let f = Fixture::new("keys-plugin");
    let bytes = noise(20_000, 4);
    let id = f.import(&[&f.file("scan.pdf", &bytes)]).remove(0);
    // The plugin must be on PATH as age-plugin-<name>, as age-plugin-yubikey would be.
    let bin = f.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(&plugin, bin.join("age-plugin-dossiertest")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let made = std::process::Command::new(bin.join("age-plugin-dossiertest"))
        .output()
        .unwrap();
    let text = String::from_utf8(made.stdout).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# recipient: "))
        .unwrap()
        .to_string();
    let identity = f.dir.join("plugin-identity.txt");
    std::fs::write(&identity, &text).unwrap();

    let out = f
        .cmd(&[
            "key",
            "add-plugin",
            "--recipient",
            &recipient,
            "--label",
            "yubikey",
        ])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let slots: Vec<serde_json::Value> =
        serde_json::from_str(&f.ok(&["key", "list", "--json"])).unwrap();
    assert_eq!(slots[1]["kind"], "plugin");
    assert_eq!(slots[1]["recipient"], recipient.as_str());
    // The slot's age header names the plugin's stanza, not X25519.
    let slot = std::fs::read(
        f.vault
            .join(format!("keys/{}.age", slots[1]["id"].as_str().unwrap())),
    )
    .unwrap();
    assert!(
        common::contains(&slot, b"-> dossiertest "),
        "a plugin stanza"
    );

    let open = |identity: &Path| {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("dossier"));
        c.args(["extract", &id, "--out"])
            .arg(f.dir.join(format!(
                "out-{}",
                identity.file_name().unwrap().to_string_lossy()
            )))
            .arg("--vault")
            .arg(&f.vault)
            .arg("--identity")
            .arg(identity)
            .env("PATH", &path)
            .env("TMPDIR", &f.tmpdir)
            .output()
            .unwrap()
    };
    let o = open(&identity);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(f.dir.join("out-plugin-identity.txt")).unwrap(),
        bytes
    );
    // Another identity of the same plugin opens nothing.
    let other = std::process::Command::new(bin.join("age-plugin-dossiertest"))
        .output()
        .unwrap();
    let other_file = f.dir.join("other-identity.txt");
    std::fs::write(&other_file, &other.stdout).unwrap();
    let o = open(&other_file);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not open any key slot"),
        "{}",
        stderr(&o)
    );
    f.cleanup();
}

/// Someone who knows a recovery key's *public* half can plant a slot that key opens, holding a
/// key of their own, named to be tried first. It is never used: only a key that opens the
/// vault's authentic journal is the vault's; alone, the planted slot is refused, never offered
/// a repair.
#[test]
fn a_planted_key_slot_is_never_used() {
    if !have_tool("age", "--version") || !have_tool("age-keygen", "--version") {
        return;
    }
    let f = Fixture::new("keys-planted");
    let id = f
        .import(&[&f.file("letter.pdf", &noise(3_000, 4))])
        .remove(0);
    let (recovery, _) = add_recovery(&f, "paper");
    let public = std::process::Command::new("age-keygen")
        .arg("-y")
        .arg(&recovery)
        .output()
        .unwrap();
    assert!(public.status.success(), "{}", stderr(&public));
    let public = String::from_utf8(public.stdout).unwrap().trim().to_string();
    // The attacker's own key, dressed as this vault's identity file.
    let attacker = f.dir.join("attacker.txt");
    let made = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&attacker)
        .output()
        .unwrap();
    assert!(made.status.success());
    let exported = f.dir.join("identity.txt");
    f.ok(&["identity", "export", "--out", exported.to_str().unwrap()]);
    let vault_id = std::fs::read_to_string(&exported).unwrap();
    let vault_id = vault_id
        .lines()
        .find_map(|l| l.strip_prefix("# vault-id: "))
        .map(|s| s.to_string())
        .unwrap_or_default();
    let fake = f.dir.join("fake-identity.txt");
    let secret = std::fs::read_to_string(&attacker).unwrap();
    let secret = secret
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    std::fs::write(&fake, format!("# vault-id: {vault_id}\n{secret}\n")).unwrap();
    let planted = f.vault.join(format!("keys/{}.age", "0".repeat(32)));
    let o = std::process::Command::new("age")
        .args(["-r", &public, "-o"])
        .arg(&planted)
        .arg(&fake)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    let o = with_identity(&f, &recovery, &["list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&id),
        "the real vault opened"
    );

    // With the real slot gone, the planted one alone is refused.
    let slots: Vec<serde_json::Value> =
        serde_json::from_str(&f.ok(&["key", "list", "--json"])).unwrap();
    let real = slots.iter().find(|s| s["label"] == "paper").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::rename(
        f.vault.join(format!("keys/{real}.age")),
        f.dir.join("real-slot.age"),
    )
    .unwrap();
    let o = with_identity(&f, &recovery, &["list"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("opens nothing in this vault"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("repair"), "{}", stderr(&o));
    f.cleanup();
}
