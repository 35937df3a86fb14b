//! What the UI receives on failure: a closed code it switches on, and a message for people.
//! A code exists only because the UI acts on it differently; everything else is `other`.

use dossier::MessageKey;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Unlock again (the passphrase field stays).
    WrongPassphrase,
    /// Choose a longer passphrase.
    WeakPassphrase,
    /// The vault is locked: show the unlock screen.
    Locked,
    /// Another program (or window) has the vault open.
    InUse,
    /// The user stopped the work; nothing to report.
    Cancelled,
    /// The chosen file or name already exists; choose another.
    OutputExists,
    /// A field was wrong (a date, an id): keep the form open.
    InvalidInput,
    /// Evidence no longer matches its hash: show it prominently.
    Integrity,
    /// The vault was opened read-only after damage.
    ReadOnly,
    Other,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    /// In the core's words (English).
    pub message: String,
    /// The message's kind, when the UI's catalogues can say it in the user's language
    /// (`errors.<key>` called with `args`); else the UI shows `message`.
    pub key: Option<MessageKey>,
    pub args: Vec<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            key: None,
            args: Vec::new(),
        }
    }

    pub fn locked() -> ApiError {
        ApiError::new(ErrorCode::Locked, "the vault is locked")
    }
}

impl From<dossier::Error> for ApiError {
    fn from(e: dossier::Error) -> ApiError {
        let code = match e.code() {
            "wrong_passphrase" => ErrorCode::WrongPassphrase,
            "weak_passphrase" => ErrorCode::WeakPassphrase,
            "in_use" => ErrorCode::InUse,
            "cancelled" => ErrorCode::Cancelled,
            "output_exists" => ErrorCode::OutputExists,
            "invalid_input" | "no_such_item" | "no_such_entity" => ErrorCode::InvalidInput,
            "integrity" => ErrorCode::Integrity,
            "read_only" => ErrorCode::ReadOnly,
            _ => ErrorCode::Other,
        };
        let (key, args) = match e.message_args() {
            Some((key, args)) => (Some(key), args),
            None => (None, Vec::new()),
        };
        ApiError {
            key,
            args,
            ..ApiError::new(code, e.to_string())
        }
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;
