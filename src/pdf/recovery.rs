//! The printed recovery key: one A4 page with the key as text (in groups, for typing it back)
//! and as a QR code (for scanning it back), and what to do with it.

use age::secrecy::{ExposeSecret, SecretString};
use qrcode::{Color, EcLevel, QrCode};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::pdf::layout::{ACCENT, BLACK, Cell, Face, Flow, MARGIN_X, WARN};
use crate::pdf::render::{DocInfo, render};

/// Lays out and renders the sheet. The returned bytes hold the secret: the caller writes them
/// only where the user asked.
pub fn recovery_sheet(
    vault_id: &str,
    label: &str,
    secret: &SecretString,
    made: OffsetDateTime,
) -> Result<Vec<u8>> {
    let key = secret.expose_secret();
    let code = QrCode::with_error_correction_level(key.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Pdf(format!("the recovery key does not fit a QR code: {e}")))?;
    let mut flow = Flow::new();
    flow.heading(1, "Dossier recovery key", None, false);
    flow.notice(
        "Anyone holding this page can read the whole vault. Keep it offline and away from the \
         computer (a safe, a trusted person abroad). Do not photograph or scan it into a phone.",
        WARN,
    );
    flow.fields(&[
        ("Vault".into(), Cell::mono(vault_id)),
        ("This key".into(), Cell::new(label)),
        ("Made".into(), Cell::new(made.date().to_string())),
    ]);
    flow.space(6.0);
    flow.para_styled("The key", Face::Bold, 11.0, ACCENT, 0.0);
    // The fixed prefix, then groups of four: easy to read aloud and to type; spaces and case
    // do not matter when it is typed back.
    let (prefix, rest) = key.split_at(key.find('1').map_or(0, |i| i + 1));
    flow.para_styled(prefix, Face::Mono, 14.0, BLACK, 0.0);
    let groups: Vec<String> = rest
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    for line in groups.chunks(5) {
        flow.para_styled(&line.join(" "), Face::Mono, 14.0, BLACK, 0.0);
    }
    flow.space(8.0);
    let modules = code.width();
    let size = 170.0;
    let module = size / (modules + 8) as f32;
    flow.ensure(size + 20.0);
    let (x0, y0) = (MARGIN_X + 4.0 * module, flow.y() + 4.0 * module);
    for (i, colour) in code.to_colors().iter().enumerate() {
        if *colour == Color::Dark {
            let (row, col) = (i / modules, i % modules);
            // A hair wider than a module, so neighbours merge without seams when printed.
            flow.rect(
                x0 + col as f32 * module,
                y0 + row as f32 * module,
                module + 0.05,
                module + 0.05,
                BLACK,
            );
        }
    }
    flow.space(size + 12.0);
    flow.para_styled(
        "To open the vault with this key",
        Face::Bold,
        11.0,
        ACCENT,
        0.0,
    );
    flow.para(
        "Type the key into a file (or scan the code into one) on the computer that holds the \
         vault, then run: dossier --identity FILE passphrase change. That sets a new passphrase. \
         Without Dossier: age -d -i FILE VAULT/keys/<slot>.age gives the vault's identity, which \
         tools/recover.py uses to restore every item.",
    );
    render(
        &flow,
        &DocInfo {
            title: "Dossier recovery key".into(),
            language: "en".into(),
            created: made,
            footer: format!("Dossier recovery key · vault {vault_id}"),
            page_label: Box::new(|n, m| format!("Page {n} of {m}")),
        },
    )
}
