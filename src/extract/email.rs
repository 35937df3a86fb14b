//! E-mail (RFC 5322, as saved in `.eml` files): headers with RFC 2047 words decoded, the text
//! body, and the attachments, which can be imported as items of their own.

use mail_parser::{Address, MessageParser, MimeHeaders};

use super::Extraction;

/// Whether the bytes start like a saved e-mail: header lines, one of them a typical one.
pub fn looks_like_email(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut headers = 0;
    let mut typical = false;
    for line in head.lines().take(40) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        headers += 1;
        typical |= [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "received",
            "return-path",
            "mime-version",
        ]
        .contains(&name.to_ascii_lowercase().as_str());
    }
    headers >= 2 && typical
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .map(|addr| match (addr.name(), addr.address()) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (None, Some(e)) => e.to_string(),
                (Some(n), None) => n.to_string(),
                (None, None) => String::new(),
            })
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

pub fn extract(bytes: &[u8], e: &mut Extraction) -> Result<(), String> {
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or("the e-mail could not be parsed")?;
    let m = &mut e.metadata;
    for (key, list) in [
        ("from", addresses(message.from())),
        ("to", addresses(message.to())),
        ("cc", addresses(message.cc())),
    ] {
        if !list.is_empty() {
            m.insert(key.into(), list.into());
        }
    }
    if let Some(date) = message.date() {
        m.insert("date".into(), date.to_rfc3339().into());
    }
    if let Some(subject) = message.subject() {
        m.insert("subject".into(), subject.into());
    }
    let attachments: Vec<serde_json::Value> = message
        .attachments()
        .map(|a| {
            serde_json::json!({
                "name": a.attachment_name().unwrap_or("(unnamed)"),
                "size": a.contents().len(),
                "type": a.content_type().map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or(""))).unwrap_or_default(),
            })
        })
        .collect();
    if !attachments.is_empty() {
        m.insert("attachments".into(), attachments.into());
    }
    let body: Vec<String> = (0..message.text_body_count())
        .filter_map(|i| message.body_text(i).map(|t| t.into_owned()))
        .collect();
    e.text = Some(body.join("\n\n"));
    Ok(())
}

/// The attachments of an e-mail as (file name, bytes), for importing them as items.
pub fn attachments(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Some(message) = MessageParser::default().parse(bytes) else {
        return Vec::new();
    };
    message
        .attachments()
        .enumerate()
        .map(|(i, a)| {
            let name = a
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("attachment-{}", i + 1));
            (name, a.contents().to_vec())
        })
        .collect()
}
