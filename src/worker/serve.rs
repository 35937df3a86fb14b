//! The worker's side: enter the sandbox, then answer requests on standard input until it
//! closes. Prints nothing of its own (a panic message could quote the document).

use std::io::Write;

use super::protocol::{self, Probe, ReadError, Request, Response};
use super::sandbox;
use crate::extract;

/// The largest document the vault sends (extraction's limit, and a `verify-pdf` input).
const MAX_INPUT: u64 = 4 << 30;

pub fn main(memory: u64) -> i32 {
    let landlock = match sandbox::enter(memory) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("dossier parser worker: the sandbox could not be set up: {e}");
            return 3;
        }
    };
    std::panic::set_hook(Box::new(|_| {}));
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    loop {
        let (request, parts) = match protocol::read::<Request>(&mut input, MAX_INPUT) {
            Ok(r) => r,
            Err(ReadError::Closed) => return 0,
            Err(_) => return 4,
        };
        let bytes = parts.into_iter().next().unwrap_or_default();
        sandbox::cpu_budget(cpu_budget(&request));
        let (answer, parts) = handle(request, &bytes, &landlock);
        drop(bytes);
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        if protocol::write(&mut output, &answer, &refs).is_err() {
            return 5;
        }
        let _ = output.flush();
    }
}

/// CPU seconds a request may use (the vault process's wall-clock deadline is the other
/// bound; the tools a request starts have their own).
fn cpu_budget(request: &Request) -> u64 {
    match request {
        Request::Ocr { .. } => 600,
        Request::CheckPdf => 300,
        _ => 60,
    }
}

fn handle(request: Request, bytes: &[u8], landlock: &str) -> (Response, Vec<Vec<u8>>) {
    match request {
        Request::Extract { name } => {
            let e = extract::extract(bytes, &name);
            let mut parts = Vec::new();
            let text = e.text.map(|t| parts.push(t.into_bytes())).is_some();
            let mut size = |r: Option<extract::thumbnail::Thumbnail>| {
                r.map(|r| {
                    parts.push(r.jpeg);
                    (r.width, r.height)
                })
            };
            let thumbnail = size(e.thumbnail);
            let preview = size(e.preview);
            (
                Response::Extracted {
                    media_type: e.media_type,
                    metadata: e.metadata,
                    error: e.error,
                    text,
                    thumbnail,
                    preview,
                },
                parts,
            )
        }
        Request::Ocr {
            media_type,
            languages,
            max_pages,
        } => {
            let pages = if media_type == "application/pdf" {
                extract::pdf_pages(bytes)
            } else {
                1
            };
            match extract::ocr::recognise(bytes, &media_type, &languages, max_pages, pages) {
                Ok(r) => (
                    Response::Recognised {
                        engine: r.engine,
                        pages: r.pages,
                        error: r.error,
                    },
                    vec![r.text.into_bytes()],
                ),
                Err(e) => (
                    Response::Recognised {
                        engine: String::new(),
                        pages: Vec::new(),
                        error: Some(e),
                    },
                    vec![Vec::new()],
                ),
            }
        }
        Request::Attachments => match extract::email_attachments(bytes) {
            Ok(list) => {
                let sizes = list.iter().map(|(_, c)| c.len() as u64).collect();
                let mut all = Vec::with_capacity(list.iter().map(|(_, c)| c.len()).sum());
                let mut names = Vec::with_capacity(list.len());
                for (name, content) in list {
                    all.extend_from_slice(&content);
                    names.push(name);
                }
                (Response::Attachments { names, sizes }, vec![all])
            }
            // An e-mail the parser cannot read has no attachments to offer.
            Err(_) => (
                Response::Attachments {
                    names: vec![],
                    sizes: vec![],
                },
                vec![Vec::new()],
            ),
        },
        Request::CheckPdf => {
            // The verdict is made again by the vault process: here only surviving counts.
            let _ = crate::pdf::verify_pdf(bytes, None);
            (Response::PdfChecked { problem: None }, vec![])
        }
        Request::RenderPage { page } => match extract::render_page(bytes, page) {
            Ok(t) => (
                Response::Page {
                    size: Some((t.width, t.height)),
                    error: None,
                },
                vec![t.jpeg],
            ),
            Err(e) => (
                Response::Page {
                    size: None,
                    error: Some(e),
                },
                vec![],
            ),
        },
        Request::Probe => (probe(landlock), vec![]),
    }
}

/// Tries what the sandbox must forbid; each answer says what happened.
fn probe(landlock: &str) -> Response {
    let outcome = |r: std::io::Result<()>, allowed: &str| match r {
        Ok(()) => allowed.to_string(),
        Err(e) => format!("refused: {e}"),
    };
    let path = std::env::temp_dir().join(format!("dossier-probe-{}", std::process::id()));
    let create_file = outcome(
        std::fs::File::create(&path).map(|_| {
            let _ = std::fs::remove_file(&path);
        }),
        "ALLOWED",
    );
    let read_files = outcome(std::fs::read_dir(".").map(|_| ()), "ALLOWED");
    let open_socket = outcome(
        std::net::UdpSocket::bind("127.0.0.1:0").map(|_| ()),
        "ALLOWED",
    );
    let connect_tcp = outcome(
        std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
            std::time::Duration::from_secs(2),
        )
        .map(|_| ()),
        "ALLOWED",
    );
    Response::Probe(Probe {
        create_file,
        read_files,
        open_socket,
        connect_tcp,
        environment: std::env::vars().map(|(k, v)| format!("{k}={v}")).collect(),
        pid: std::process::id(),
        landlock: landlock.to_string(),
    })
}
