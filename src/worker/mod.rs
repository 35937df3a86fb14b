//! The parser worker: every parser of untrusted bytes (PDF structure and text, e-mail,
//! DOCX/ODT, EXIF, image decoding and renditions, legacy text encodings, OCR) runs in a child
//! process that holds no key. The vault process sends it plaintext over a pipe and reads back
//! results it checks like any hostile input ([`protocol`]).
//!
//! The worker is this same executable started with [`WORKER_ARG`] (so a packaged app needs
//! no second binary): `main` calls [`serve_if_requested`] first thing. It starts with an
//! empty environment, then, before reading anything ([`sandbox`]): an address-space limit, a
//! CPU-time limit per request, no core dumps, no file may be created or written and none read
//! outside the system's folders (Landlock, and seccomp as a second wall), no socket may be
//! opened (seccomp), no ptrace. The vault process adds a wall-clock deadline per request and
//! kills a worker that passes it.
//!
//! A worker that dies, hangs or exceeds a limit costs the request it was on: the caller gets
//! an error saying why ("nesting too deep", "took longer than 90 s"), and the next request
//! starts a fresh worker. One worker serves a whole batch (an import of a folder, `reindex`):
//! starting one takes 2 ms from the release CLI but 90 ms from the desktop app's binary,
//! which links GTK and WebKit; per file, that would cost more than the files.

pub mod protocol;
mod sandbox;
mod serve;
mod watchdog;

use std::io::{BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::extract::{Extraction, ocr::Recognised, thumbnail::Thumbnail};
pub use protocol::Probe;
use protocol::{Request, Response};

/// The argument that turns this executable into a parser worker.
pub const WORKER_ARG: &str = "--dossier-parser-worker";
/// The worker's address-space limit unless the caller needs more (a large `verify-pdf`).
pub const DEFAULT_MEMORY: u64 = 1 << 30;
/// Wall-clock deadline of one extraction (parse, text, first-page picture).
pub const EXTRACT_DEADLINE: Duration = Duration::from_secs(90);
/// Everything an answer may carry: text (8 MiB), two renditions, attachments of a 64 MiB
/// e-mail.
const MAX_ANSWER: u64 = 160 << 20;

static HOST: OnceLock<PathBuf> = OnceLock::new();

/// Call first thing in `main` of every binary that opens a vault: if this process was started
/// as a parser worker, it serves requests on standard input and exits here; otherwise it
/// records that this executable can be started as one.
pub fn serve_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == WORKER_ARG) {
        let memory = args
            .next()
            .and_then(|m| m.to_str().and_then(|m| m.parse().ok()))
            .unwrap_or(DEFAULT_MEMORY);
        std::process::exit(serve::main(memory));
    }
    if let Ok(exe) = std::env::current_exe() {
        let _ = HOST.set(exe);
    }
}

/// The executable to start as a worker: the one that called [`serve_if_requested`], else a
/// `dossier` binary beside this one or one folder up (test binaries live in `deps/`).
fn executable() -> Result<PathBuf, String> {
    if let Some(exe) = HOST.get() {
        return Ok(exe.clone());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let dir = me.parent().map(PathBuf::from).unwrap_or_default();
    let candidates = [
        dir.join("dossier"),
        dir.parent().map(|d| d.join("dossier")).unwrap_or_default(),
    ];
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .ok_or_else(|| "no dossier executable to start it from".to_string())
}

/// Verifies a PDF from outside (`verify-pdf`): it is parsed in a worker first, and only a
/// file that parsed there without crashing, hanging or running out of memory is verified in
/// this process, where the verdict is made. The parsers are memory-safe Rust, so the danger
/// is exhaustion, which the same parse in the same code would meet here: a file that passed
/// in the worker passes here. (The verdict is not taken from the worker: a subverted worker
/// could lie.)
pub fn verify_pdf(bytes: &[u8], pinned: Option<&[u8]>) -> crate::pdf::PdfReport {
    let memory = DEFAULT_MEMORY + 3 * bytes.len() as u64;
    if let Err(why) = Parser::with_memory(memory).check_pdf(bytes) {
        return crate::pdf::PdfReport {
            problems: vec![format!("not a well-formed PDF: {why}")],
            ..Default::default()
        };
    }
    crate::pdf::verify_pdf(bytes, pinned)
}

/// The vault process's handle on its parser worker, started at the first request and kept
/// for the next ones. Dropping it ends the worker.
pub struct Parser {
    running: Option<Running>,
    memory: u64,
    extract_deadline: Duration,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The end of what the worker wrote to standard error: the Rust runtime's words for a
    /// stack overflow or a failed allocation (never the document: the worker prints nothing
    /// of its own).
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: std::thread::JoinHandle<()>,
    watchdog: watchdog::Watchdog,
}

impl Running {
    /// Ends the worker and every tool it started; returns how it ended.
    fn end(mut self) -> (Option<std::process::ExitStatus>, String) {
        let group = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
        let status = self.child.wait().ok();
        drop(self.stdin);
        let _ = self.stderr_reader.join();
        let stderr = self
            .stderr
            .lock()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .unwrap_or_default();
        (status, stderr)
    }
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            running: None,
            memory: DEFAULT_MEMORY,
            extract_deadline: EXTRACT_DEADLINE,
        }
    }

    /// A parser whose worker may map `memory` bytes (for parsing one large file).
    pub fn with_memory(memory: u64) -> Self {
        let mut parser = Self::new();
        parser.memory = memory.max(DEFAULT_MEMORY);
        parser
    }

    /// A shorter (or longer) deadline per extraction.
    pub fn with_extract_deadline(mut self, deadline: Duration) -> Self {
        self.extract_deadline = deadline;
        self
    }

    /// The worker's process id, if one is running.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(|r| r.child.id())
    }

    /// Extracts what can be extracted; what went wrong, in the worker or with it, is the
    /// extraction's `error`.
    pub fn extract(&mut self, bytes: &[u8], name: &str) -> Extraction {
        let req = Request::Extract { name: name.into() };
        let answer = self.call(&req, bytes, self.extract_deadline);
        let failed = |why: String| Extraction {
            error: Some(format!("extraction failed: {why}")),
            ..Default::default()
        };
        match answer {
            Ok((
                Response::Extracted {
                    media_type,
                    metadata,
                    error,
                    text,
                    thumbnail,
                    preview,
                },
                parts,
            )) => {
                let mut parts = parts.into_iter();
                let text = if text {
                    match parts.next().map(String::from_utf8) {
                        Some(Ok(t)) if t.len() <= crate::extract::MAX_TEXT_BYTES => Some(t),
                        _ => return failed("the worker sent malformed text".into()),
                    }
                } else {
                    None
                };
                let mut rendition = |size: Option<(u32, u32)>| {
                    let (width, height) = size?;
                    let jpeg = parts.next()?;
                    Some(Thumbnail {
                        jpeg,
                        width,
                        height,
                    })
                };
                let thumbnail = rendition(thumbnail);
                let preview = rendition(preview);
                Extraction {
                    media_type,
                    metadata,
                    text,
                    thumbnail,
                    preview,
                    error,
                }
            }
            Ok(_) => failed("the worker answered another question".into()),
            Err(why) => failed(why),
        }
    }

    /// The attachments of an e-mail as (file name, bytes).
    pub fn attachments(&mut self, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
        match self.call(&Request::Attachments, bytes, self.extract_deadline)? {
            (Response::Attachments { names, sizes }, mut parts)
                if names.len() == sizes.len()
                    && parts.len() == 1
                    && sizes.iter().try_fold(0u64, |a, &n| a.checked_add(n))
                        == Some(parts[0].len() as u64) =>
            {
                let all = parts.pop().expect("one part");
                let mut out = Vec::with_capacity(names.len());
                let mut at = 0usize;
                for (name, size) in names.into_iter().zip(sizes) {
                    let end = at + size as usize;
                    out.push((name, all[at..end].to_vec()));
                    at = end;
                }
                Ok(out)
            }
            _ => Err("the worker sent a malformed answer".into()),
        }
    }

    /// Machine-recognised text of an image or a scanned PDF.
    pub fn ocr(
        &mut self,
        bytes: &[u8],
        media_type: &str,
        languages: &str,
        max_pages: u32,
    ) -> Result<Recognised, String> {
        let req = Request::Ocr {
            media_type: media_type.into(),
            languages: languages.into(),
            max_pages,
        };
        // The worker stops an item after its budget; its last page may still take a page's
        // deadlines (pdftoppm and Tesseract: 3 minutes) past that.
        let deadline = crate::extract::ocr::ITEM_BUDGET + Duration::from_secs(300);
        match self.call(&req, bytes, deadline)? {
            (
                Response::Recognised {
                    engine,
                    pages,
                    error,
                },
                parts,
            ) => {
                let text = match parts.into_iter().next().map(String::from_utf8) {
                    Some(Ok(t)) => t,
                    _ => return Err("the worker sent malformed text".into()),
                };
                Ok(Recognised {
                    engine,
                    text,
                    pages,
                    error,
                })
            }
            _ => Err("the worker sent a malformed answer".into()),
        }
    }

    /// Parses a PDF as `verify-pdf` does: `Ok` means doing so in this process is safe.
    pub fn check_pdf(&mut self, bytes: &[u8]) -> Result<(), String> {
        let deadline = Duration::from_secs(60 + (bytes.len() as u64 >> 20));
        match self.call(&Request::CheckPdf, bytes, deadline)? {
            (Response::PdfChecked { problem: None }, _) => Ok(()),
            (Response::PdfChecked { problem: Some(p) }, _) => Err(p),
            _ => Err("the worker sent a malformed answer".into()),
        }
    }

    /// Page `page` (from 1) of a PDF as a preview JPEG.
    pub fn render_page(&mut self, bytes: &[u8], page: u32) -> Result<Thumbnail, String> {
        match self.call(&Request::RenderPage { page }, bytes, self.extract_deadline)? {
            (
                Response::Page {
                    size: Some((width, height)),
                    ..
                },
                parts,
            ) => {
                let jpeg = parts.into_iter().next().ok_or("no page in the answer")?;
                Ok(Thumbnail {
                    jpeg,
                    width,
                    height,
                })
            }
            (Response::Page { error: Some(e), .. }, _) => Err(e),
            _ => Err("the worker sent a malformed answer".into()),
        }
    }

    /// Asks the worker to try what its sandbox forbids, and to report what happened.
    pub fn probe(&mut self) -> Result<Probe, String> {
        match self.call(&Request::Probe, b"", Duration::from_secs(30))? {
            (Response::Probe(probe), _) => Ok(probe),
            _ => Err("the worker sent a malformed answer".into()),
        }
    }

    fn spawn(&mut self) -> Result<&mut Running, String> {
        if self.running.is_none() {
            let exe = executable()?;
            let mut cmd = Command::new(&exe);
            cmd.arg(WORKER_ARG)
                .arg(self.memory.to_string())
                // Nothing of the vault process's environment (a passphrase variable, a
                // session's tokens) reaches the worker: it gets only what tools need.
                .env_clear()
                .env(
                    "PATH",
                    std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
                )
                .env("LC_ALL", "C.UTF-8")
                .env("OMP_THREAD_LIMIT", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                // Its own process group, so ending it ends the tools it started too.
                .process_group(0);
            let mut child = cmd
                .spawn()
                .map_err(|e| format!("the parser worker could not be started: {e}"))?;
            let stdin = child.stdin.take().expect("stdin was piped");
            let stdout = BufReader::new(child.stdout.take().expect("stdout was piped"));
            let mut err_pipe = child.stderr.take().expect("stderr was piped");
            let stderr = Arc::new(Mutex::new(Vec::new()));
            let tail = Arc::clone(&stderr);
            let stderr_reader = std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err_pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                    t.extend_from_slice(&buf[..n]);
                    let excess = t.len().saturating_sub(4096);
                    t.drain(..excess);
                }
            });
            let group = nix::unistd::Pid::from_raw(-(child.id() as i32));
            self.running = Some(Running {
                child,
                stdin,
                stdout,
                stderr,
                stderr_reader,
                watchdog: watchdog::Watchdog::start(group),
            });
        }
        Ok(self.running.as_mut().expect("just started"))
    }

    /// One request and its answer, within `deadline`. On any failure the worker is ended and
    /// the error says why; the next call starts a new one.
    fn call(
        &mut self,
        req: &Request,
        input: &[u8],
        deadline: Duration,
    ) -> Result<(Response, Vec<Vec<u8>>), String> {
        let memory = self.memory;
        // A worker killed after its last answer (its deadline ran out just then) is replaced.
        if let Some(r) = self.running.as_mut()
            && !matches!(r.child.try_wait(), Ok(None))
        {
            self.running.take().expect("checked").end();
        }
        let running = self.spawn()?;
        running.watchdog.arm(deadline);
        let sent = protocol::write(&mut running.stdin, req, &[input]);
        let answer = match sent {
            Ok(()) => protocol::read::<Response>(&mut running.stdout, MAX_ANSWER)
                .map_err(|e| format!("{e:?}")),
            Err(e) => Err(e.to_string()),
        };
        let timed_out = running.watchdog.disarm();
        match answer {
            Ok(a) => Ok(a),
            Err(detail) => {
                let (status, stderr) = self.running.take().expect("running").end();
                Err(why(status, &stderr, timed_out, deadline, memory, &detail))
            }
        }
    }
}

/// Why a worker stopped, in words for the item's record.
fn why(
    status: Option<std::process::ExitStatus>,
    stderr: &str,
    timed_out: bool,
    deadline: Duration,
    memory: u64,
    detail: &str,
) -> String {
    use std::os::unix::process::ExitStatusExt;
    if timed_out {
        return format!("took longer than {} s", deadline.as_secs_f32());
    }
    if stderr.contains("has overflowed its stack") {
        return "nesting too deep: the parser ran out of stack".into();
    }
    if stderr.contains("memory allocation of") || stderr.contains("capacity overflow") {
        return format!("needs more than {} MiB of memory", memory >> 20);
    }
    if stderr.contains("sandbox could not be set up") {
        return stderr.trim().to_string();
    }
    match status.and_then(|s| s.signal()) {
        Some(libc::SIGXCPU) => "used up its CPU time".into(),
        Some(libc::SIGSYS) => "the parser tried a forbidden system call".into(),
        Some(libc::SIGSEGV) => "the parser crashed (segmentation fault)".into(),
        Some(libc::SIGABRT) => "the parser aborted".into(),
        Some(libc::SIGKILL) => "the parser was killed".into(),
        Some(n) => format!("the parser stopped on signal {n}"),
        None => match status.and_then(|s| s.code()) {
            Some(code) if code != 0 => format!("the parser stopped (exit status {code})"),
            _ => format!("the parser worker broke off ({detail})"),
        },
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.end();
        }
    }
}
