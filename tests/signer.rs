//! Who signed (issue #14, defect 10): the certificates name the lawyer or organisation given
//! the first time the vault signs, never a placeholder; they can be renewed, and the renewal is
//! logged with both fingerprints.

mod common;

use common::*;
use serde_json::Value;

fn pdfsig(pdf: &std::path::Path) -> String {
    let o = std::process::Command::new("pdfsig")
        .arg(pdf)
        .output()
        .expect("pdfsig (poppler-utils)");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_signature_names_the_lawyer_given_at_first_use_and_renewal_is_logged() {
    let f = Fixture::new("signer-name");
    let item = f.import(&[&f.file("decision.txt", "Постановление".as_bytes())]);
    let case = f
        .ok(&["case", "add", "--title", "Signer v. State"])
        .trim()
        .to_string();
    f.ok(&["link", "--case", &case, "--item", &item[0]]);
    let out = f.dir.join("d.pdf");
    let export = |extra: &[&str]| {
        let _ = std::fs::remove_file(&out);
        let mut args = vec![
            "export",
            "--case",
            &case,
            "--template",
            "generic",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        f.run(&args)
    };

    // No name the first time: refused, nothing written, and the user is told what to give.
    let o = export(&[]);
    assert!(
        !o.status.success() && stderr(&o).contains("--signer-name"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "no file is left");

    let o = export(&[
        "--signer-name",
        "Әлия Жұмабаева",
        "--signer-org",
        "Avocats pour la liberté",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sig = pdfsig(&out);
    assert!(
        sig.contains("Signature is Valid.") && sig.contains("Әлия Жұмабаева"),
        "pdfsig shows the lawyer as the signer: {sig}"
    );
    assert!(!sig.contains("CN=Dossier"), "{sig}");
    // (pdftotext reads the labels' column before the values'.)
    let words = pdf_words(&out);
    assert!(
        words.contains("Signed by") && words.contains("Әлия Жұмабаева, Avocats pour la liberté"),
        "the verification page names the signer as validators do: {words}"
    );
    let first = f.ok(&["signer", "show"]).trim().to_string();

    // Another name later does not silently change who signs: the user hears how to.
    let o = export(&["--signer-name", "Someone Else"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("signer renew"),
        "the CLI says the certificate keeps its name: {}",
        stderr(&o)
    );
    assert!(pdfsig(&out).contains("Әлия Жұмабаева"));

    // Renewal: a new root (its own fingerprint), logged with the old one and its PEM.
    let o = f.run(&["signer", "renew", "--name", "Avocats pour la liberté"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let renewed = stdout(&o).trim().to_string();
    assert_ne!(renewed, first);
    assert_eq!(f.ok(&["signer", "show"]).trim(), renewed);
    let log: Value = serde_json::from_str(&f.ok(&["log", "--json"])).unwrap();
    let renewal = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "keygen")
        .filter_map(|e| serde_json::from_str::<Value>(e["detail"].as_str()?).ok())
        .find(|d| d.get("renewed_from_root_sha256").is_some())
        .expect("the renewal is in the custody log");
    assert_eq!(renewal["renewed_from_root_sha256"], first.as_str());
    assert_eq!(renewal["signer_root_sha256"], renewed.as_str());
    assert!(
        renewal["previous_root_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let o = export(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdfsig(&out).contains("Avocats pour la liberté"));
    f.ok(&["verify"]);
    f.cleanup();
}
