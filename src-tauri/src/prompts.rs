//! What an age plugin (a YubiKey's `age-plugin-yubikey`) asks while it works, such as "enter
//! the PIN" or "touch your key", put to the window and answered there. The plugin runs on a
//! command's worker thread, which waits here for the answer the UI sends (`answer_prompt`).
//! Secrets answered (a PIN) go straight back to the plugin and are not kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dossier::{PluginUi, SecretString};
use serde::Serialize;
use ts_rs::TS;

/// How long a question waits before the plugin is told there is no answer (it then fails,
/// and the vault stays locked).
const PATIENCE: Duration = Duration::from_secs(300);

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
#[derive(Default)]
pub struct Prompts {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, Sender<Option<String>>>>,
}

impl Prompts {
    /// Gives `answer` (`None`: the user declined) to the question `id`; false if nothing
    /// waits for it any more (answered, or given up).
    pub fn answer(&self, id: u64, answer: Option<String>) -> bool {
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
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
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        show(prompt);
        let answer = rx.recv_timeout(PATIENCE).ok().flatten();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        answer
    }
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

    #[test]
    fn a_question_waits_for_its_answer_and_a_message_does_not() {
        let prompts = Arc::new(Prompts::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (answerer, log) = (prompts.clone(), seen.clone());
        let ui = WindowUi::new(prompts.clone(), move |p: KeyPrompt| {
            log.lock().unwrap().push((p.kind, p.text.clone()));
            let answerer = answerer.clone();
            // As the UI would: later, from another thread (the answer command's).
            std::thread::spawn(move || match p.kind {
                PromptKind::Secret => assert!(answerer.answer(p.id, Some("123456".into()))),
                PromptKind::Confirm => assert!(answerer.answer(p.id, Some("yes".into()))),
                PromptKind::Text => assert!(answerer.answer(p.id, None)),
                PromptKind::Message => assert!(!answerer.answer(p.id, Some("x".into()))),
            });
        });
        ui.display_message("Touch your YubiKey");
        use dossier::ExposeSecret;
        let pin = ui.request_passphrase("Enter PIN for YubiKey").unwrap();
        assert_eq!(pin.expose_secret(), "123456");
        assert_eq!(ui.confirm("Use this key?", "Use", Some("Skip")), Some(true));
        assert_eq!(ui.request_public_string("Which slot?"), None, "declined");
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
        assert!(
            prompts.waiting.lock().unwrap().is_empty(),
            "nothing left waiting"
        );
    }
}
