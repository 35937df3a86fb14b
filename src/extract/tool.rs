//! Runs a command-line tool (Tesseract, pdftoppm) on bytes in memory: the input goes in on
//! standard input, the result comes back on standard output, nothing touches the disk. Each
//! run has a wall-clock deadline and a cap on what it may print. Inside the parser worker the
//! tool inherits the worker's sandbox and limits.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether `program` can be found on `PATH`.
pub fn available(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| d.join(program).is_file())
}

/// Runs `program args…` with `input` on its standard input and returns its standard output.
pub fn pipe(
    program: &str,
    args: &[&str],
    input: &[u8],
    deadline: Duration,
    max_output: u64,
) -> Result<Vec<u8>, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Piped and drained rather than /dev/null: the sandbox lets nothing be opened for
        // writing, /dev/null included.
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program} could not be started: {e}"))?;
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut stderr = child.stderr.take().expect("stderr was piped");
    let timed_out = AtomicBool::new(false);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let output = std::thread::scope(|s| {
        // The tool may stop reading early (a broken file): a failed write is not an error.
        s.spawn(move || {
            let _ = stdin.write_all(input);
        });
        s.spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let timed_out = &timed_out;
        s.spawn(move || {
            if done_rx.recv_timeout(deadline).is_err() {
                timed_out.store(true, Ordering::SeqCst);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            }
        });
        let mut out = Vec::new();
        let read = stdout.by_ref().take(max_output + 1).read_to_end(&mut out);
        if out.len() as u64 > max_output {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        let status = child.wait();
        let _ = done_tx.send(());
        (read, out, status)
    });
    let (read, out, status) = output;
    if timed_out.load(Ordering::SeqCst) {
        return Err(format!(
            "{program} took longer than {} s",
            deadline.as_secs()
        ));
    }
    if out.len() as u64 > max_output {
        return Err(format!(
            "{program} produced more than {} MiB",
            max_output >> 20
        ));
    }
    read.map_err(|e| format!("{program}: {e}"))?;
    let status = status.map_err(|e| format!("{program}: {e}"))?;
    if !status.success() {
        return Err(format!("{program} failed ({status})"));
    }
    Ok(out)
}
