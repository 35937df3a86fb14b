//! A stand-in age plugin for the tests of plugin key slots (a YubiKey's `age-plugin-yubikey`
//! in real use). It speaks the age plugin protocol through the `age-plugin` crate, and wraps
//! file keys with age's own X25519: its recipient is an `age1…` key and its identity the
//! matching `AGE-SECRET-KEY-1…`, each carried as the plugin's Bech32 payload. Not for real keys.
//!
//!   age-plugin-dossiertest                  prints a new identity (and its recipient)
//!   age-plugin-dossiertest --age-plugin=…   runs a state machine (started by age)
//!
//! With `DOSSIERTEST_PIN` set, unwrapping first says "touch your key" and asks for that PIN,
//! as a YubiKey's plugin does; a wrong or missing PIN unwraps nothing.

use std::collections::{HashMap, HashSet};
use std::io;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{Callbacks, PluginHandler, print_new_identity, run_state_machine};

const NAME: &str = "dossiertest";

fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

#[derive(Default)]
struct Recipients {
    keys: Vec<age::x25519::Recipient>,
}

impl RecipientPluginV1 for Recipients {
    fn add_recipient(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match utf8(bytes).and_then(|s| age::x25519::Recipient::from_str(s).ok()) {
            Some(r) if name == NAME => {
                self.keys.push(r);
                Ok(())
            }
            _ => Err(recipient::Error::Recipient {
                index,
                message: "not a dossiertest recipient".into(),
            }),
        }
    }

    fn add_identity(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match utf8(bytes).and_then(|s| age::x25519::Identity::from_str(s).ok()) {
            Some(i) if name == NAME => {
                self.keys.push(i.to_public());
                Ok(())
            }
            _ => Err(recipient::Error::Identity {
                index,
                message: "not a dossiertest identity".into(),
            }),
        }
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        let mut all = Vec::new();
        for file_key in file_keys {
            let mut stanzas = Vec::new();
            for key in &self.keys {
                let (wrapped, _) =
                    age::Recipient::wrap_file_key(key, &file_key).map_err(io::Error::other)?;
                stanzas.extend(wrapped.into_iter().map(|mut s| {
                    s.tag = NAME.into();
                    s
                }));
            }
            all.push(stanzas);
        }
        Ok(Ok(all))
    }
}

#[derive(Default)]
struct Identities {
    keys: Vec<age::x25519::Identity>,
}

impl IdentityPluginV1 for Identities {
    fn add_identity(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), identity::Error> {
        match utf8(bytes).and_then(|s| age::x25519::Identity::from_str(s).ok()) {
            Some(i) if name == NAME => {
                self.keys.push(i);
                Ok(())
            }
            _ => Err(identity::Error::Identity {
                index,
                message: "not a dossiertest identity".into(),
            }),
        }
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        let mut found = HashMap::new();
        // As a YubiKey's plugin: the PIN only for a file that holds one of its stanzas.
        let ours = files.iter().flatten().any(|s| s.tag == NAME);
        if let (true, Ok(pin)) = (ours, std::env::var("DOSSIERTEST_PIN")) {
            let _ = callbacks.message("Touch your dossiertest key")?;
            let given = callbacks.request_secret("Enter the PIN of your dossiertest key")?;
            if given.ok().as_ref().map(|p| p.expose_secret()) != Some(pin.as_str()) {
                return Ok(found);
            }
        }
        for (index, stanzas) in files.into_iter().enumerate() {
            for stanza in stanzas.into_iter().filter(|s| s.tag == NAME) {
                let x25519 = Stanza {
                    tag: "X25519".into(),
                    ..stanza
                };
                for key in &self.keys {
                    if let Some(Ok(file_key)) = age::Identity::unwrap_stanza(key, &x25519) {
                        found.entry(index).or_insert(Ok(file_key));
                    }
                }
            }
        }
        Ok(found)
    }
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = Recipients;
    type IdentityV1 = Identities;

    fn recipient_v1(self) -> io::Result<Recipients> {
        Ok(Recipients::default())
    }

    fn identity_v1(self) -> io::Result<Identities> {
        Ok(Identities::default())
    }
}

fn main() -> io::Result<()> {
    match std::env::args()
        .nth(1)
        .as_deref()
        .and_then(|a| a.strip_prefix("--age-plugin="))
    {
        Some(state_machine) => run_state_machine(state_machine, Handler),
        None => {
            let identity = age::x25519::Identity::generate();
            print_new_identity(
                NAME,
                identity.to_string().expose_secret().as_bytes(),
                identity.to_public().to_string().as_bytes(),
            );
            Ok(())
        }
    }
}
