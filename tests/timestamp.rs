//! Proof of time (issue #14): with a time-stamping authority named, a dossier's signature
//! carries an RFC 3161 token over it (PAdES B-T). Checked against a real `openssl ts`
//! authority on loopback (tests/tsa/server.py) with the recipients' tools: `openssl ts
//! -verify` on the token, pyHanko on the PDF, and `dossier verify-pdf`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;
use der::{Decode, Encode, Reader, SliceReader};

/// The loopback authority: its folder (certificates, request log) and URL. Stopped on drop.
struct Authority {
    dir: PathBuf,
    url: String,
    child: Child,
}

impl Authority {
    fn start(dir: &Path) -> Authority {
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tsa/server.py"))
            .arg(dir)
            .arg("300")
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("port ")
            .unwrap_or_else(|| panic!("the test authority did not start: {line:?}"));
        Authority {
            dir: dir.to_path_buf(),
            url: format!("http://127.0.0.1:{port}/tsr"),
            child,
        }
    }

    /// The requests it received (DER), in order.
    fn requests(&self) -> Vec<Vec<u8>> {
        std::fs::read_to_string(self.dir.join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| hex::decode(l).unwrap())
            .collect()
    }
}

impl Drop for Authority {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The signature's CMS (DER) and where its hex lies in the file.
fn signature(pdf: &[u8]) -> (Vec<u8>, usize, usize) {
    let at = pdf
        .windows(11)
        .position(|w| w == b"/Contents <")
        .expect("a signature dictionary")
        + 11;
    let end = at + pdf[at..].iter().position(|&b| b == b'>').unwrap();
    let bytes = hex::decode(&pdf[at..end]).unwrap();
    let mut reader = SliceReader::new(&bytes).unwrap();
    let _ = cms::content_info::ContentInfo::decode(&mut reader).unwrap();
    let used = u32::from(reader.position()) as usize;
    (bytes[..used].to_vec(), at, end)
}

/// The time-stamp token in the signature's unsigned attributes, and the signature value.
fn token_and_signature(cms_der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let info = cms::content_info::ContentInfo::from_der(cms_der).unwrap();
    let data: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    let si = data.signer_infos.0.get(0).unwrap();
    let token = si
        .unsigned_attrs
        .as_ref()
        .expect("unsigned attributes")
        .iter()
        .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.16.2.14")
        .expect("id-aa-signatureTimeStampToken")
        .values
        .get(0)
        .unwrap()
        .to_der()
        .unwrap();
    (token, si.signature.as_bytes().to_vec())
}

/// The URL of an authority that cannot be reached: a loopback port bound, then released.
fn unreachable() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/")
}

fn case_with_one_item(f: &Fixture) -> String {
    let item = f.import(&[&f.file("decision.txt", "Постановление суда".as_bytes())]);
    let case = f
        .ok(&["case", "add", "--title", "Timestamps v. State"])
        .trim()
        .to_string();
    f.ok(&["link", "--case", &case, "--item", &item[0]]);
    case
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_dossier_signature_is_time_stamped_by_the_authority_the_user_named() {
    let f = Fixture::new("timestamp");
    let tsa = Authority::start(&f.dir.join("tsa"));
    let case = case_with_one_item(&f);

    // None by default, and nothing but an http(s) URL is taken.
    let o = f.run(&["signer", "time-stamps"]);
    assert!(
        text(&o).contains("no time-stamping authority"),
        "{}",
        text(&o)
    );
    let o = f.run(&["signer", "time-stamps", "--authority", "freetsa.org"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("https://"), "{}", text(&o));
    assert_eq!(
        f.ok(&["signer", "time-stamps", "--authority", &tsa.url])
            .trim(),
        tsa.url
    );

    let (pdf, report) = f.export(&case, "generic", "stamped", &[]);
    assert!(
        report.contains("time-stamped: ") && report.contains("Test Time-Stamping Authority"),
        "{report}"
    );
    // The verification page says where the time comes from.
    assert!(
        pdf_words(&pdf).contains("RFC 3161 time-stamp"),
        "{}",
        pdf_words(&pdf)
    );
    // Two requests: the item already in the vault when the authority was named, then the
    // signature. Each carries a digest and a nonce, nothing of the case.
    let requests = tsa.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert!(r.len() < 100, "{} bytes", r.len());
    }

    // The reference tool: the token verifies against the authority's root, for exactly the
    // SHA-256 of the signature value (what PAdES B-T stamps).
    let bytes = std::fs::read(&pdf).unwrap();
    let (cms_der, _, _) = signature(&bytes);
    let (token, sig) = token_and_signature(&cms_der);
    let token_file = f.dir.join("token.der");
    std::fs::write(&token_file, &token).unwrap();
    let digest = sha256_hex(&sig);
    let ca = tsa.dir.join("ca.pem");
    let untrusted = tsa.dir.join("tsa.pem");
    let verify_token = |digest: &str| {
        Command::new("openssl")
            .args(["ts", "-verify", "-token_in", "-digest", digest, "-in"])
            .arg(&token_file)
            .arg("-CAfile")
            .arg(&ca)
            .arg("-untrusted")
            .arg(&untrusted)
            .output()
            .unwrap()
    };
    let o = verify_token(&digest);
    assert!(text(&o).contains("Verification: OK"), "{}", text(&o));
    let o = verify_token(&sha256_hex(b"other bytes"));
    assert!(!text(&o).contains("Verification: OK"), "{}", text(&o));

    // Dossier's own check names the time and the authority, apart from the signer's clock.
    let o = f.run(&["verify-pdf", pdf.to_str().unwrap()]);
    let said = text(&o);
    assert!(said.contains("signed at: "), "{said}");
    assert!(
        said.contains("time-stamped: ")
            && said.contains("by Test Time-Stamping Authority (Dossier tests)"),
        "{said}"
    );
    assert!(!said.contains("PROBLEM"), "{said}");

    // pyHanko, trusting the signer's root and the authority's: the token is intact and trusted.
    let root = f.dir.join("root.pem");
    f.ok(&["signer", "export", "--out", root.to_str().unwrap()]);
    let o = Command::new(pyhanko())
        .args(["sign", "validate", "--trust"])
        .arg(&root)
        .arg("--trust")
        .arg(&ca)
        .arg("--trust-replace")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        o.status.success() && text(&o).contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
        "{}",
        text(&o)
    );

    // The custody log keeps the time and the authority's certificate.
    let log = f.ok(&["log", "--json"]);
    assert!(
        log.contains("time_stamp") && log.contains("authority_sha256"),
        "{log}"
    );

    // A token changed after the fact (its time moved a year) is caught, while the signature
    // itself, which does not cover the token, still holds.
    let (_, at, end) = signature(&bytes);
    let mut hexed = String::from_utf8(bytes[at..end].to_vec()).unwrap();
    let year = token
        .windows(2)
        .position(|w| w == [0x18, 0x0f])
        .map(|p| p + 2)
        .expect("the token's genTime");
    let token_at = hexed
        .find(&hex::encode_upper(&token))
        .expect("the token inside the signature");
    let digit = token_at + 2 * (year + 3);
    let old = &hexed[digit..digit + 2];
    let new = if old == "39" { "38" } else { "39" };
    hexed.replace_range(digit..digit + 2, new);
    let mut tampered = bytes.clone();
    tampered[at..end].copy_from_slice(hexed.as_bytes());
    let bad = f.dir.join("tampered.pdf");
    std::fs::write(&bad, &tampered).unwrap();
    let o = f.run(&["verify-pdf", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("time-stamp does not hold"),
        "{}",
        text(&o)
    );
    drop(tsa);
    f.cleanup();
}

#[test]
fn an_authority_out_of_reach_leaves_a_signed_dossier_and_says_it_is_not_stamped() {
    let f = Fixture::new("timestamp-offline");
    let case = case_with_one_item(&f);
    let (plain, _) = f.export(&case, "generic", "plain", &[]);
    assert!(
        !pdf_words(&plain).contains("RFC 3161"),
        "no authority, no word of time-stamps"
    );
    f.ok(&["signer", "time-stamps", "--authority", &unreachable()]);
    let (pdf, report) = f.export(&case, "generic", "unstamped", &[]);
    assert!(
        report.contains("not time-stamped") && report.contains("cannot be reached"),
        "{report}"
    );
    let o = f.run(&["verify-pdf", pdf.to_str().unwrap()]);
    assert!(text(&o).contains("time-stamped: no"), "{}", text(&o));
    f.ok(&["signer", "time-stamps", "--off"]);
    let o = f.run(&["signer", "time-stamps"]);
    assert!(
        text(&o).contains("no time-stamping authority"),
        "{}",
        text(&o)
    );
    f.cleanup();
}

#[test]
fn imports_are_time_stamped_and_a_dossier_carries_each_annexs_proof() {
    let f = Fixture::new("timestamp-imports");
    let tsa = Authority::start(&f.dir.join("tsa"));
    let files = [
        f.file("arrest.txt", "Протокол задержания".as_bytes()),
        f.file("letter.txt", b"Letter from the prison"),
        f.file("photo-note.txt", b"Note on the photograph"),
    ];
    let hashes: Vec<String> = files
        .iter()
        .map(|p| sha256_hex(&std::fs::read(p).unwrap()))
        .collect();

    // The authority out of reach: the imports are stored, and wait for their time-stamp.
    f.ok(&["signer", "time-stamps", "--authority", &unreachable()]);
    let o = f.run(&[
        "import",
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2 item(s) wait for a time-stamp")
            && text(&o).contains("cannot be reached"),
        "{}",
        text(&o)
    );
    // Back in reach: naming it sends what waited, in one request.
    let said = text(&f.run(&["signer", "time-stamps", "--authority", &tsa.url]));
    assert!(said.contains("time-stamped 2 item(s)"), "{said}");
    let o = f.run(&["import", files[2].to_str().unwrap()]);
    assert!(text(&o).contains("time-stamped 1 item(s)"), "{}", text(&o));
    let requests = tsa.requests();
    assert_eq!(requests.len(), 2, "one request a batch");
    for r in &requests {
        for h in &hashes {
            assert!(
                !contains(r, &hex::decode(h).unwrap()),
                "an item's SHA-256 never leaves the computer"
            );
        }
    }
    let o = f.run(&["signer", "time-stamps"]);
    assert!(!text(&o).contains("wait for a time-stamp"), "{}", text(&o));

    // A dossier carries each annex's proof, checkable with openssl and sha256sum alone.
    let case = f
        .ok(&["case", "add", "--title", "Stamps v. State"])
        .trim()
        .to_string();
    for item in f.list_json() {
        f.ok(&[
            "link",
            "--case",
            &case,
            "--item",
            item["id"].as_str().unwrap(),
        ]);
    }
    let (pdf, _) = f.export(&case, "generic", "annexes", &[]);
    let out = f.dir.join("detached");
    std::fs::create_dir_all(&out).unwrap();
    let o = Command::new("pdfdetach")
        .args(["-saveall", "-o"])
        .arg(&out)
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dossier-manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "dossier-manifest 3");
    assert_eq!(manifest["time_stamps"].as_array().unwrap().len(), 2);
    let annexes = manifest["annexes"].as_array().unwrap();
    assert_eq!(annexes.len(), 3);
    for a in annexes {
        let id = a["time_stamp"]["id"].as_str().unwrap();
        let salt = a["time_stamp"]["salt"].as_str().unwrap();
        let sha = a["sha256"].as_str().unwrap();
        let statement = out.join(format!("{id}_statement.txt"));
        let o = Command::new("openssl")
            .args(["ts", "-verify", "-token_in", "-data"])
            .arg(&statement)
            .arg("-in")
            .arg(out.join(format!("{id}_token.tsr")))
            .arg("-CAfile")
            .arg(tsa.dir.join("ca.pem"))
            .output()
            .unwrap();
        assert!(text(&o).contains("Verification: OK"), "{}", text(&o));
        let o = Command::new("sh")
            .args([
                "-c",
                "printf '%s%s' \"$1\" \"$2\" | sha256sum",
                "sh",
                salt,
                sha,
            ])
            .output()
            .unwrap();
        let commitment = String::from_utf8(o.stdout).unwrap();
        let commitment = commitment.split_whitespace().next().unwrap();
        let lines = std::fs::read_to_string(&statement).unwrap();
        assert!(lines.lines().any(|l| l == commitment), "{lines}");
        for h in &hashes {
            assert!(
                !lines.contains(h.as_str()),
                "no item's SHA-256 in a statement"
            );
        }
    }
    let said = text(&f.run(&["verify-pdf", pdf.to_str().unwrap()]));
    let annex_lines = said
        .lines()
        .filter(|l| l.trim_start().starts_with("existed no later than"))
        .count();
    assert_eq!(annex_lines, 3, "{said}");
    assert!(!said.contains("PROBLEM"), "{said}");
    assert!(
        pdf_words(&pdf).contains("Time-stamped"),
        "each annex page says when it was stamped"
    );

    // A statement changed inside the file: the token no longer covers it.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = bytes
        .windows(20)
        .position(|w| w == b"dossier-timestamp 1\n")
        .unwrap()
        + 20;
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let bad = f.dir.join("bad-statement.pdf");
    std::fs::write(&bad, &bytes).unwrap();
    let said = text(&f.run(&["verify-pdf", bad.to_str().unwrap()]));
    assert!(said.contains("does not hold"), "{said}");
    drop(tsa);
    f.cleanup();
}
