//! What an age plugin (a YubiKey's `age-plugin-yubikey`) asks while it works, such as "enter
//! the PIN" or "touch your key", put to the window and answered there. The plugin runs on a
//! blocking thread of its own (`run_plugin`), which waits here for the answer the UI sends
//! (`answer_prompt`).
//! Secrets answered (a PIN) go straight back to the plugin and are not kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dossier::{PluginUi, SecretString};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::{AppState, lock};

/// How long a question waits before the plugin is told there is no answer (it then fails,
/// and the vault stays locked).
const PATIENCE: Duration = Duration::from_secs(300);

/// The event that brings the window a question or a message ([`KeyPrompt`]).
const ASK: &str = "key-prompt";

/// The event that tells the window a plugin run ended: what it showed can go.
const DONE: &str = "key-prompts-done";

/// One question or message, as the UI shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct KeyPrompt {
    /// Answer with this id; a message needs no answer.
    pub id: u64,
    pub kind: PromptKind,
    /// The plugin's own words (it speaks English).
    pub text: String,
    /// For a confirmation: the plugin's words for yes and, if it offers one, no.
    pub yes: Option<String>,
    pub no: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    /// Shown, not answered: "touch your YubiKey".
    Message,
    /// Yes or no.
    Confirm,
    /// A value that may be shown as typed.
    Text,
    /// A secret (a PIN), typed into a hidden field.
    Secret,
}

/// The questions waiting for the UI, shared by every plugin run.
pub struct Prompts {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, Sender<Option<String>>>>,
    patience: Duration,
}

impl Default for Prompts {
    fn default() -> Self {
        Prompts::with_patience(PATIENCE)
    }
}

impl Prompts {
    pub fn with_patience(patience: Duration) -> Prompts {
        Prompts {
            next: AtomicU64::new(0),
            waiting: Mutex::new(HashMap::new()),
            patience,
        }
    }

    /// Gives `answer` (`None`: the user declined) to the question `id`; false if nothing
    /// waits for it any more (answered, or given up).
    pub fn answer(&self, id: u64, answer: Option<String>) -> bool {
        let waiting = lock(&self.waiting).remove(&id);
        waiting.is_some_and(|tx| tx.send(answer).is_ok())
    }

    fn ask(&self, show: &dyn Fn(KeyPrompt), mut prompt: KeyPrompt) -> Option<String> {
        prompt.id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if prompt.kind == PromptKind::Message {
            show(prompt);
            return None;
        }
        let (tx, rx) = channel();
        let id = prompt.id;
        lock(&self.waiting).insert(id, tx);
        show(prompt);
        let answer = rx.recv_timeout(self.patience).ok().flatten();
        lock(&self.waiting).remove(&id);
        answer
    }
}

/// Runs `work`, which may start a key plugin, on a thread of its own: a plugin can wait minutes
/// for a PIN, and must not hold one of the few threads that run commands. `work` gets the
/// plugin's callbacks: its questions go to the window (`ASK`), its answers come back through
/// `answer_prompt`. Then tells the window the run is over (`DONE`), however it ended.
pub async fn run_plugin<T: Send + 'static>(
    app: tauri::AppHandle,
    work: impl FnOnce(&tauri::AppHandle, &AppState, WindowUi) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    use tauri::{Emitter, Manager};
    let handle = app.clone();
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let asker = app.clone();
        let ui = WindowUi::new(state.prompts.clone(), move |p| {
            let _ = asker.emit(ASK, p);
        });
        work(&app, &state, ui)
    })
    .await;
    // After the join, so that it is sent even if the work panicked.
    let _ = handle.emit(DONE, ());
    joined.unwrap_or_else(|e| {
        Err(ApiError::new(
            ErrorCode::Other,
            format!("the key's work stopped: {e}"),
        ))
    })
}

/// The age callbacks of one plugin run: each question goes to `show` (the window), and the
/// run waits for the answer given to [`Prompts::answer`].
#[derive(Clone)]
pub struct WindowUi {
    prompts: Arc<Prompts>,
    show: Arc<dyn Fn(KeyPrompt) + Send + Sync>,
}

impl WindowUi {
    pub fn new(prompts: Arc<Prompts>, show: impl Fn(KeyPrompt) + Send + Sync + 'static) -> Self {
        WindowUi {
            prompts,
            show: Arc::new(show),
        }
    }

    fn ask(
        &self,
        kind: PromptKind,
        text: &str,
        yes: Option<&str>,
        no: Option<&str>,
    ) -> Option<String> {
        let prompt = KeyPrompt {
            id: 0,
            kind,
            text: text.to_string(),
            yes: yes.map(String::from),
            no: no.map(String::from),
        };
        self.prompts.ask(&*self.show, prompt)
    }
}

impl PluginUi for WindowUi {
    fn display_message(&self, message: &str) {
        self.ask(PromptKind::Message, message, None, None);
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        self.ask(PromptKind::Confirm, message, Some(yes), no)
            .map(|a| a == "yes")
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        self.ask(PromptKind::Text, description, None, None)
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        self.ask(PromptKind::Secret, description, None, None)
            .map(SecretString::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dossier::ExposeSecret;
    use std::time::Instant;

    #[test]
    fn a_question_waits_for_its_answer_and_a_message_does_not() {
        // A question left unanswered fails fast here, instead of after five minutes.
        let prompts = Arc::new(Prompts::with_patience(Duration::from_secs(10)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answerers = Arc::new(Mutex::new(Vec::new()));
        let (answerer, log, threads) = (prompts.clone(), seen.clone(), answerers.clone());
        let ui = WindowUi::new(prompts.clone(), move |p: KeyPrompt| {
            log.lock().unwrap().push((p.kind, p.text.clone()));
            let answerer = answerer.clone();
            // As the UI would: later, from another thread (the answer command's).
            threads
                .lock()
                .unwrap()
                .push(std::thread::spawn(move || match p.kind {
                    PromptKind::Secret => answerer.answer(p.id, Some("123456".into())),
                    PromptKind::Confirm => answerer.answer(p.id, Some("yes".into())),
                    PromptKind::Text => answerer.answer(p.id, None),
                    // Nothing waits for a message: an answer to it goes nowhere.
                    PromptKind::Message => !answerer.answer(p.id, Some("x".into())),
                }));
        });
        let start = Instant::now();
        ui.display_message("Touch your YubiKey");
        let pin = ui.request_passphrase("Enter PIN for YubiKey").unwrap();
        assert_eq!(pin.expose_secret(), "123456");
        assert_eq!(ui.confirm("Use this key?", "Use", Some("Skip")), Some(true));
        assert_eq!(ui.request_public_string("Which slot?"), None, "declined");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no answer timed out"
        );
        for t in answerers.lock().unwrap().drain(..) {
            assert!(t.join().unwrap(), "each answer reached its question");
        }
        let kinds: Vec<_> = seen.lock().unwrap().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [
                PromptKind::Message,
                PromptKind::Secret,
                PromptKind::Confirm,
                PromptKind::Text
            ]
        );
    }

    #[test]
    fn an_unanswered_question_gives_up_and_a_late_answer_finds_nothing() {
        let prompts = Arc::new(Prompts::with_patience(Duration::from_millis(50)));
        let asked = Arc::new(Mutex::new(0));
        let last = asked.clone();
        let ui = WindowUi::new(prompts.clone(), move |p: KeyPrompt| {
            *last.lock().unwrap() = p.id
        });
        assert!(ui.request_passphrase("Enter PIN").is_none());
        let id = *asked.lock().unwrap();
        assert!(
            !prompts.answer(id, Some("123456".into())),
            "nobody waits any more"
        );
    }
}
