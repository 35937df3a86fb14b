//! Shared fixtures for the integration tests: a scratch folder per test under Cargo's target
//! tmp dir, a vault made with a cheap scrypt work factor, and an empty TMPDIR handed to every
//! CLI run so tests can prove nothing was written there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub mod devices;
pub mod scan;

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
            .env("DOSSIER_STATE_DIR", self.dir.join("device-state"))
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

    /// `dossier export --case CASE --template TEMPLATE` (plus `extra`) to `<dir>/<name>.pdf`,
    /// replacing an earlier one, signed as "Test Counsel" if the vault has no signer yet.
    /// Asserts success; returns the PDF's path and the command's stderr (its report).
    pub fn export(
        &self,
        case: &str,
        template: &str,
        name: &str,
        extra: &[&str],
    ) -> (PathBuf, String) {
        let out = self.dir.join(format!("{name}.pdf"));
        let _ = std::fs::remove_file(&out);
        let mut args = vec![
            "export",
            "--case",
            case,
            "--template",
            template,
            "--signer-name",
            "Test Counsel",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = self.run(&args);
        assert!(o.status.success(), "dossier {args:?}: {}", stderr(&o));
        (out, stderr(&o))
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
/// A JPEG APP1 segment with EXIF: Canon EOS 5D, orientation 6, taken 2031-03-12 09:15:00,
/// GPS 43°15'30"N 76°56'45"E.
pub fn exif_app1() -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend(kind.to_be_bytes());
        e.extend(count.to_be_bytes());
        e.extend(value);
        e
    };
    let at = |offset: u32| offset.to_be_bytes();
    let rationals = |parts: [u32; 3]| {
        parts
            .iter()
            .flat_map(|p| [p.to_be_bytes(), 1u32.to_be_bytes()])
            .flatten()
            .collect::<Vec<u8>>()
    };
    let mut t = b"MM\0\x2a".to_vec();
    t.extend(8u32.to_be_bytes());
    // IFD0 at 8: 5 entries (66 bytes), then "Canon\0" at 74, "EOS 5D\0" at 80, pad to 88.
    t.extend(5u16.to_be_bytes());
    t.extend(entry(0x010f, 2, 6, at(74)));
    t.extend(entry(0x0110, 2, 7, at(80)));
    t.extend(entry(0x0112, 3, 1, [0, 6, 0, 0]));
    t.extend(entry(0x8769, 4, 1, at(88)));
    t.extend(entry(0x8825, 4, 1, at(126)));
    t.extend(0u32.to_be_bytes());
    t.extend(b"Canon\0EOS 5D\0\0");
    // Exif IFD at 88: DateTimeOriginal at 106.
    t.extend(1u16.to_be_bytes());
    t.extend(entry(0x9003, 2, 20, at(106)));
    t.extend(0u32.to_be_bytes());
    t.extend(b"2031:03:12 09:15:00\0");
    // GPS IFD at 126: latitude at 180, longitude at 204.
    t.extend(4u16.to_be_bytes());
    t.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    t.extend(entry(0x0002, 5, 3, at(180)));
    t.extend(entry(0x0003, 2, 2, *b"E\0\0\0"));
    t.extend(entry(0x0004, 5, 3, at(204)));
    t.extend(0u32.to_be_bytes());
    t.extend(rationals([43, 15, 30]));
    t.extend(rationals([76, 56, 45]));
    assert_eq!(t.len(), 228, "offsets above assume this layout");
    let mut app1 = vec![0xff, 0xe1];
    app1.extend(((t.len() + 8) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(t);
    app1
}

/// A real JPEG (a gradient, `w`×`h`) carrying the EXIF of [`exif_app1`].
pub fn photo_with_exif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 120])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85)
        .encode_image(&img)
        .unwrap();
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend(exif_app1());
    jpeg.extend(&plain[2..]);
    jpeg
}

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

/// Whether an outside tool the test needs (`age`, `strace`) runs here. On CI it must: the
/// test script installs it, and a silently skipped test would prove nothing.
pub fn have_tool(program: &str, version_arg: &str) -> bool {
    let ok = std::process::Command::new(program)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {program}"
        );
        eprintln!("skipped: {program} is not installed");
    }
    ok
}

/// A PDF's text as `pdftotext` reads it, with any run of white space made one space (table
/// cells wrap).
pub fn pdf_words(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// pyHanko, as `scripts/test` installs it (in a venv under target/), or `$DOSSIER_PYHANKO`.
#[allow(dead_code)]
pub fn pyhanko() -> PathBuf {
    let p = std::env::var_os("DOSSIER_PYHANKO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyhanko/bin/pyhanko")
        });
    assert!(
        p.exists(),
        "pyHanko is not at {}: run scripts/test, which installs it",
        p.display()
    );
    p
}
