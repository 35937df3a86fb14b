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
    // One request, and it carries a digest and a nonce, nothing of the case.
    let requests = tsa.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].len() < 100, "{} bytes", requests[0].len());

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
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    f.ok(&[
        "signer",
        "time-stamps",
        "--authority",
        &format!("http://127.0.0.1:{port}/"),
    ]);
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
