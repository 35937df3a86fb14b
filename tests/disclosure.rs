//! Before a dossier leaves, the user sees every personal datum it would carry out of the vault
//! (issue #14, defect 3): a photo's GPS position, e-mail addresses, telephone numbers, and
//! where in the dossier each would be. `export --preview` writes nothing and makes no
//! certificate.

mod common;

use common::*;

fn email() -> Vec<u8> {
    b"From: Aliya <aliya@example.org>\r\nTo: court@example.kz\r\nSubject: Complaint\r\nDate: Tue, 13 Mar 2031 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy brother was taken. Call me on +32 470 12 34 56.\r\n".to_vec()
}

#[test]
fn the_user_sees_what_personal_data_would_leave_before_exporting() {
    let f = Fixture::new("disclosure");
    let ids = f.import(&[
        &f.file("home.jpg", &photo_with_exif(64, 48)),
        &f.file("complaint.eml", &email()),
    ]);
    let case = f
        .ok(&["case", "add", "--title", "Privacy v. State"])
        .trim()
        .to_string();
    for id in &ids {
        f.ok(&["link", "--case", &case, "--item", id]);
    }
    let out = f.dir.join("d.pdf");
    let preview = |template: &str| {
        let o = f.run(&[
            "export",
            "--case",
            &case,
            "--template",
            template,
            "--preview",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };

    let said = preview("wgad");
    for expected in [
        "annex 1 (home.jpg): location 43.25833, 76.94583 in the attached original and the annex page",
        "annex 2 (complaint.eml): e-mail address Aliya <aliya@example.org>",
        "annex 2 (complaint.eml): e-mail address court@example.kz",
        "annex 2 (complaint.eml): telephone number +32 470 12 34 56",
    ] {
        assert!(said.contains(expected), "{expected:?} in {said}");
    }
    assert!(!out.exists());
    let o = f.run(&["signer", "show"]);
    assert!(
        !o.status.success(),
        "a preview makes no signing certificate: {}",
        stdout(&o)
    );

    // A petition that may be published attaches a copy without the position: not listed as
    // leaving in the original.
    let said = preview("ep");
    assert!(
        !said.contains("location 43.25833, 76.94583 in the attached original"),
        "{said}"
    );

    // A source who asked to stay confidential: her name is in the file all the same.
    let sister = f
        .ok(&["person", "add", "--name", "Айгерим Жұмабаева"])
        .trim()
        .to_string();
    f.ok(&[
        "link", "--case", &case, "--person", &sister, "--role", "source",
    ]);
    let named = "the dossier: name of a confidential source Айгерим Жұмабаева";
    assert!(!preview("wgad").contains(named));
    f.ok(&[
        "submission",
        "set",
        "--case",
        &case,
        "source confidential",
        "yes",
    ]);
    let said = preview("wgad");
    assert!(said.contains(named), "{said}");

    // The export itself names them again, as a notice.
    let (_, said) = f.export(&case, "wgad", "d", &[]);
    assert!(
        said.contains("personal data: annex 1 (home.jpg): location"),
        "{said}"
    );
    f.cleanup();
}
