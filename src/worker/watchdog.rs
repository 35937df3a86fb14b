//! The deadline of a worker's requests: one thread per worker, armed for each request, that
//! kills the worker's process group when a request outlives its deadline. (A thread per
//! request cost a tenth of an import of many small files: perf, `clone3`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub(super) struct Watchdog {
    arm: Sender<Option<Instant>>,
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    /// Watches the process group `group`; the thread ends when the watchdog is dropped.
    pub(super) fn start(group: Pid) -> Watchdog {
        let (arm, rx) = channel::<Option<Instant>>();
        let fired = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&fired);
        std::thread::spawn(move || {
            let mut until: Option<Instant> = None;
            loop {
                let next = match until {
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                };
                match next {
                    Ok(at) => until = at,
                    Err(RecvTimeoutError::Timeout) => {
                        flag.store(true, Ordering::SeqCst);
                        let _ = kill(group, Signal::SIGKILL);
                        until = None;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        });
        Watchdog { arm, fired }
    }

    /// Starts the clock of one request.
    pub(super) fn arm(&self, deadline: Duration) {
        self.fired.store(false, Ordering::SeqCst);
        let _ = self.arm.send(Some(Instant::now() + deadline));
    }

    /// Stops the clock; returns whether it ran out (and the worker was killed).
    pub(super) fn disarm(&self) -> bool {
        let _ = self.arm.send(None);
        self.fired.load(Ordering::SeqCst)
    }
}
