//! `export`, `verify-pdf` and `signer`: signed PDF dossiers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use dossier::Vault;
use dossier::signer::SignerName;
use dossier::submission::{ExportOptions, FieldOrigin, Lang, Template};

use crate::progress::CliProgress;

#[derive(Args)]
pub struct ExportArgs {
    /// The case (id or unique prefix)
    #[arg(long)]
    case: String,
    /// Who it is for: wgad (UN WGAD questionnaire), pace (Resolution 1900 note), ep (European
    /// Parliament petition) or generic
    #[arg(long, value_parser = ["wgad", "pace", "ep", "generic"])]
    template: String,
    /// The PDF to write (must not exist)
    #[arg(long, value_name = "FILE", required_unless_present = "preview")]
    out: Option<PathBuf>,
    /// Write nothing: list what the dossier would lack and every personal datum it would carry
    /// out of the vault (GPS positions, e-mail addresses, telephone numbers), to read first
    #[arg(long)]
    preview: bool,
    /// Also include this item as an annex (repeatable)
    #[arg(long = "item", value_name = "ID")]
    items: Vec<String>,
    /// Language of headings and fixed text
    #[arg(long, default_value = "en", value_parser = ["en", "fr", "ru", "es"])]
    lang: String,
    /// Leave date taken, camera and GPS out of photo captions
    #[arg(long)]
    strip_exif: bool,
    /// In a European Parliament petition (which may be published), attach pictures as they
    /// are, with where and with what they were taken (default: copies without that data)
    #[arg(long)]
    keep_metadata: bool,
    /// List annexes with their SHA-256 but do not attach the original files
    #[arg(long)]
    no_originals: bool,
    /// The signer's name on the certificates, a lawyer's or an organisation's: what every
    /// validator shows. Needed the first time the vault signs; later, `dossier signer renew`
    #[arg(long, value_name = "NAME", default_value = "")]
    signer_name: String,
    /// The organisation on the certificates, if they are made now
    #[arg(long, value_name = "ORG", default_value = "")]
    signer_org: String,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct VerifyPdfArgs {
    file: PathBuf,
    /// The SHA-256 fingerprint of the signer's root certificate, obtained from the sender
    #[arg(long, value_name = "HEX")]
    fingerprint: Option<String>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum SignerCommand {
    /// Write the root certificate recipients pin (PEM); makes the signer on first use
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        who: WhoSigns,
    },
    /// Print the root certificate's SHA-256 fingerprint; makes the signer on first use
    Show {
        #[command(flatten)]
        who: WhoSigns,
    },
    /// Make new signing certificates (another name, or a key to retire): recipients pin the
    /// new fingerprint; dossiers signed before still verify against the old one (kept in the log)
    Renew {
        #[command(flatten)]
        who: WhoSigns,
    },
    /// Show or set the RFC 3161 time-stamping authority that dossier signatures are sent to
    /// (only the SHA-256 of the signature leaves this computer). An eIDAS-qualified one gives
    /// the time a legal presumption in the EU
    TimeStamps {
        /// The authority's URL, e.g. https://freetsa.org/tsr
        #[arg(long, value_name = "URL", conflicts_with = "off")]
        authority: Option<String>,
        /// Stop time-stamping dossier signatures and imports
        #[arg(long)]
        off: bool,
        /// Time-stamp imports too (the default once an authority is named): each batch's
        /// items get a token over salted commitments to their SHA-256
        #[arg(long, value_name = "on|off")]
        imports: Option<OnOff>,
        /// Send the items that wait for a time-stamp now (the authority was out of reach)
        #[arg(long)]
        send: bool,
    },
}

/// Whom the signing certificates name.
#[derive(Args)]
pub struct WhoSigns {
    /// The signer's name, a lawyer's or an organisation's (what validators show); needed
    /// when the certificates are made
    #[arg(long, value_name = "NAME", default_value = "")]
    name: String,
    /// The organisation, if any
    #[arg(long, value_name = "ORG", default_value = "")]
    org: String,
}

impl WhoSigns {
    fn signer_name(&self) -> SignerName {
        SignerName::new(&self.name, &self.org)
    }
}

pub fn export(vault: &mut Vault, a: ExportArgs) -> anyhow::Result<ExitCode> {
    let opts = ExportOptions {
        case: a.case,
        template: Template::parse(&a.template).ok_or_else(|| anyhow!("unknown template"))?,
        out: a.out.unwrap_or_default(),
        items: a.items,
        lang: Lang::parse(&a.lang).ok_or_else(|| anyhow!("unknown language"))?,
        strip_exif: a.strip_exif,
        keep_metadata: a.keep_metadata,
        no_originals: a.no_originals,
        signer: SignerName::new(&a.signer_name, &a.signer_org),
    };
    if a.preview {
        let preview = vault.export_preview(&opts)?;
        if a.json {
            say!("{}", serde_json::to_string_pretty(&preview)?);
        } else {
            say!(
                "{} annex(es); personal data that would leave the vault:{}",
                preview.annexes,
                if preview.personal_data.is_empty() {
                    " none found"
                } else {
                    ""
                }
            );
            print_personal_data(&preview.personal_data, true)?;
        }
        for m in &preview.missing {
            note!("missing: {m}");
        }
        for w in &preview.warnings {
            note!("warning: {w}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bar = CliProgress::new();
    let report = vault.export_dossier(&opts, &bar)?;
    bar.clear();
    if !a.json {
        print_personal_data(&report.personal_data, false)?;
    }
    if a.json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        note!(
            "wrote {} ({} pages, {} annexes, {} bytes), signed; signer root fingerprint {}",
            report.path,
            report.pages,
            report.annexes,
            report.bytes,
            report.fingerprint
        );
        if let Some(t) = &report.stamp {
            note!("time-stamped: {} by {}", t.time, t.authority);
        }
    }
    for m in &report.missing {
        note!("missing: {m}");
    }
    for w in &report.warnings {
        note!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify_pdf(a: VerifyPdfArgs) -> anyhow::Result<ExitCode> {
    let pinned = a
        .fingerprint
        .as_deref()
        .map(dossier::signer::parse_fingerprint)
        .transpose()?;
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let report = dossier::worker::verify_pdf(&bytes, pinned.as_deref());
    if a.json {
        say!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let yes = |b: bool| if b { "yes" } else { "NO" };
        say!("file: {}", a.file.display());
        say!("signed: {}", yes(report.signed));
        say!(
            "signature covers the whole file: {}",
            yes(report.covers_whole_file)
        );
        say!("signature valid: {}", yes(report.signature_valid));
        if let Some(s) = &report.signer {
            say!("signer: {s}");
        }
        if let Some(t) = &report.signed_at {
            say!("signed at: {t} (the signer's clock)");
        }
        match &report.time_stamp {
            Some(t) => {
                say!("time-stamped: {} by {}", t.time, t.authority);
                say!(
                    "  the signature existed no later than that, if you trust this authority (its certificate's SHA-256: {})",
                    t.authority_sha256
                );
            }
            None if report.signed => say!("time-stamped: no (only the signer's clock dates it)"),
            None => {}
        }
        if let Some(f) = &report.fingerprint {
            say!("root fingerprint: {f}");
        }
        match report.fingerprint_matches {
            Some(true) => say!("fingerprint: matches the one given"),
            Some(false) => say!("fingerprint: DOES NOT MATCH the one given"),
            None => say!(
                "fingerprint: not checked (pass --fingerprint with the value the sender gave you separately)"
            ),
        }
        for an in &report.annexes {
            say!(
                "annex {:>3}: {:<12} {} {}",
                an.number,
                an.status.to_uppercase(),
                an.sha256,
                an.title
            );
            if let Some(t) = &an.time_stamp {
                say!(
                    "           existed no later than {} (time-stamp by {})",
                    t.time,
                    t.authority
                );
            }
        }
        for p in &report.problems {
            say!("PROBLEM: {p}");
        }
        if report.verified() {
            say!("OK");
        } else if report.ok() {
            say!(
                "SIGNER NOT VERIFIED: the file is intact and validly signed, but only --fingerprint (from the sender, by another channel) tells by whom"
            );
        } else {
            say!("FAILED");
        }
    }
    Ok(if report.verified() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// Asks the authority for tokens over the items that wait for one, and says what happened.
/// An authority out of reach is a notice, not a failure: the items wait.
pub fn send_time_stamps(vault: &mut Vault) -> anyhow::Result<()> {
    let report = vault.send_time_stamps()?;
    if let Some(t) = &report.stamp {
        note!(
            "time-stamped {} item(s): {} by {}",
            report.stamped,
            t.time,
            t.authority
        );
    }
    if report.waiting > 0 {
        note!(
            "{} item(s) wait for a time-stamp: {}; they are sent with the next import, or now with: dossier signer time-stamps --send",
            report.waiting,
            report.problem.as_deref().unwrap_or("not sent")
        );
    }
    Ok(())
}

pub fn signer(vault: &mut Vault, c: SignerCommand) -> anyhow::Result<ExitCode> {
    match c {
        SignerCommand::Export { out, who } => {
            let summary = vault.export_signer_root(&who.signer_name(), &out)?;
            note!(
                "wrote the root certificate to {}; fingerprint {}",
                out.display(),
                summary.fingerprint
            );
        }
        SignerCommand::Renew { who } => {
            let s = vault.renew_signer(&who.signer_name())?;
            say!("{}", s.fingerprint);
            note!(
                "new signing certificates for {}; give recipients the new root fingerprint above (dossiers signed before still verify against the old root, kept in the custody log)",
                s.signer_subject
            );
        }
        SignerCommand::TimeStamps {
            authority,
            off,
            imports,
            send,
        } => {
            if off {
                vault.set_time_stamping_authority(None)?;
            } else if let Some(url) = &authority {
                vault.set_time_stamping_authority(Some(url))?;
            }
            if let Some(on) = imports {
                vault.set_time_stamp_imports(on == OnOff::On)?;
            }
            match vault.time_stamping_authority()? {
                Some(url) => {
                    say!("{url}");
                    let changed = authority.is_some() || imports.is_some();
                    let imports = if vault.time_stamps_imports()? {
                        " and of each import's items (salted, one digest a batch)"
                    } else {
                        ""
                    };
                    note!(
                        "dossier signatures are time-stamped by this authority; it learns a SHA-256 of each signature{imports}, the time, and this computer's address"
                    );
                    if send || changed {
                        send_time_stamps(vault)?;
                    } else {
                        let waiting = vault.time_stamps_waiting()?;
                        if waiting > 0 {
                            note!(
                                "{waiting} item(s) wait for a time-stamp (send them with --send)"
                            );
                        }
                    }
                }
                None => note!(
                    "no time-stamping authority: a dossier's signing time is the signer's clock only (set one with --authority URL)"
                ),
            }
        }
        SignerCommand::Show { who } => {
            let s = vault.signer(&who.signer_name())?.summary()?;
            say!("{}", s.fingerprint);
            note!(
                "root: {}\nsigner: {} (valid until {})",
                s.root_subject,
                s.signer_subject,
                s.not_after
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The personal data a dossier carries, one line each: on stdout for `--preview` (it is the
/// answer), on stderr after an export (it is a notice).
fn print_personal_data(
    data: &[dossier::submission::PersonalDatum],
    answer: bool,
) -> anyhow::Result<()> {
    use dossier::submission::DatumKind;
    for d in data {
        let what = match d.kind {
            DatumKind::Location => "location",
            DatumKind::EmailAddress => "e-mail address",
            DatumKind::PhoneNumber => "telephone number",
            DatumKind::ConfidentialName => "name of a confidential source",
        };
        let place = if d.annex == 0 {
            "the dossier".to_string()
        } else {
            format!("annex {} ({})", d.annex, d.file)
        };
        let line = format!("  {place}: {what} {} in {}", d.value, d.carried_in);
        if answer {
            say!("{line}");
        } else {
            note!("personal data: {}", line.trim_start());
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum SubmissionCommand {
    /// Every field of the template's form, its value, and where it comes from; the required
    /// ones still empty are listed last (exit 1 if any)
    Show {
        #[arg(long)]
        case: String,
        #[arg(long, value_parser = ["wgad", "pace", "ep", "generic"])]
        template: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a field ("" or --clear empties it; a yes/no field takes yes or no). Text may cite
    /// evidence as [item:ID]
    Set {
        #[arg(long)]
        case: String,
        /// The field, as `submission show` names it (e.g. "source consent")
        key: String,
        /// The value; "-" reads it from standard input
        #[arg(required_unless_present = "clear")]
        value: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

pub fn submission(vault: &mut Vault, c: SubmissionCommand) -> anyhow::Result<ExitCode> {
    match c {
        SubmissionCommand::Show {
            case,
            template,
            json,
        } => {
            let template = Template::parse(&template).ok_or_else(|| anyhow!("unknown template"))?;
            let form = vault.submission_form(&case, template)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&form)?);
            } else {
                for f in &form {
                    let origin = match f.origin {
                        FieldOrigin::Field => "",
                        FieldOrigin::CaseNotes => " (from the case notes)",
                        FieldOrigin::Empty => "",
                    };
                    let value = if f.value.is_empty() {
                        "—"
                    } else {
                        f.value.as_str()
                    };
                    say!(
                        "{:?}: {}{origin}\n    {}",
                        f.key,
                        f.label,
                        value.replace('\n', "\n    ")
                    );
                }
            }
            let missing: Vec<&str> = form
                .iter()
                .filter(|f| f.required && f.origin == FieldOrigin::Empty)
                .map(|f| f.key.as_str())
                .collect();
            if !missing.is_empty() {
                note!("required and empty: {}", missing.join(", "));
                return Ok(ExitCode::FAILURE);
            }
        }
        SubmissionCommand::Set {
            case,
            key,
            value,
            clear,
        } => {
            let value = match value.as_deref() {
                _ if clear => None,
                Some("-") => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .context("cannot read the value from standard input")?;
                    Some(text)
                }
                other => other.map(String::from),
            };
            vault.set_submission_field(&case, &key, value.as_deref())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
