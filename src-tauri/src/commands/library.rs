//! The library, search and the item page.

use std::path::Path;

use dossier::register::Link;
use dossier::search::{Hit, Query};
use dossier::{Item, ItemEdit, LibraryRow, Rendition, SecretString};
use serde::Deserialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::dialogs;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{ItemDetail, TEXT_PREVIEW_CHARS, parse_date};

/// What the search box and the library's filters ask for.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct SearchInput {
    pub text: String,
    pub case: Option<String>,
    pub person: Option<String>,
    /// `item`, `case`, `person` or `event`.
    pub kind: Option<String>,
    /// `image/`, `application/pdf`, …
    pub media_type: Option<String>,
    /// Dates as the register writes them (`2031`, `2031-03-12`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: u32,
    /// Only kind, id and rank: the list asks [`why`] for the rows it shows.
    #[serde(default)]
    pub ids_only: bool,
}

impl AppState {
    pub fn library(&self) -> ApiResult<Vec<LibraryRow>> {
        self.with_vault(|v| v.library())
    }

    pub fn search(&self, input: SearchInput) -> ApiResult<Vec<Hit>> {
        let query = Query {
            text: input.text,
            case: input.case,
            person: input.person,
            kind: input.kind,
            media_type: input.media_type,
            from: parse_date("from", input.from.as_deref())?,
            to: parse_date("to", input.to.as_deref())?,
            limit: input.limit as usize,
            ids_only: input.ids_only,
        };
        self.with_vault(|v| v.search(&query))
    }

    pub fn why(&self, text: &str, items: &[String]) -> ApiResult<Vec<String>> {
        self.with_vault(|v| v.why(text, items))
    }

    pub fn item_detail(&self, id: &str) -> ApiResult<ItemDetail> {
        self.with_vault(|v| {
            let item = v.item(id)?;
            let mut text = v.item_text(&item.id)?;
            let recognised = v.recognised_text(&item.id)?;
            // The item's text ends with what OCR recognised: shown apart, and marked.
            if let (Some(t), Some(r)) = (&mut text, &recognised) {
                let extracted = t.strip_suffix(&r.text).unwrap_or(t).trim_end().len();
                t.truncate(extracted);
            }
            if text.as_deref() == Some("") {
                text = None;
            }
            let mut text_truncated = false;
            if let Some(t) = &mut text
                && let Some((cut, _)) = t.char_indices().nth(TEXT_PREVIEW_CHARS)
            {
                t.truncate(cut);
                text_truncated = true;
            }
            Ok(ItemDetail {
                extraction: v.extraction(&item.id)?,
                links: v.item_links(&item.id)?,
                custody: v.custody_log(Some(&item.id))?,
                preview: v.rendition(&item.id, Rendition::Preview)?.is_some(),
                text,
                text_truncated,
                recognised,
                document_date: v.document_date(&item.id)?,
                item,
            })
        })
    }

    pub fn set_item_notes(&self, id: &str, notes: String) -> ApiResult<Item> {
        let edit = ItemEdit {
            notes: Some(notes),
            ..Default::default()
        };
        self.with_vault(|v| v.edit(id, &edit))
    }

    /// The vault's whole custody log, oldest first (`dossier log`).
    pub fn custody_log(&self) -> ApiResult<Vec<dossier::CustodyEntry>> {
        self.with_vault(|v| v.custody_log(None))
    }

    /// Renames an item or corrects where it came from (both logged with old and new values).
    pub fn rename_item(&self, id: &str, name: String, source: String) -> ApiResult<Item> {
        let edit = ItemEdit {
            name: Some(name),
            source: Some(source),
            ..Default::default()
        };
        self.with_vault(|v| v.edit(id, &edit))
    }

    /// Marks an item deleted (its bytes, hash and custody stay until a purge), with the reason
    /// given, if any.
    pub fn delete_item(&self, id: &str, reason: &str) -> ApiResult<Item> {
        let reason = Some(reason.trim()).filter(|r| !r.is_empty());
        self.with_vault(|v| v.delete(id, reason))
    }

    /// Removes a deleted item's bytes for good, after the passphrase is given again: an
    /// unlocked, unattended laptop must not let anyone destroy evidence. The catalog entry,
    /// its hash and its custody stay.
    pub fn purge_item(&self, id: &str, passphrase: &SecretString) -> ApiResult<Item> {
        self.with_vault(|v| {
            v.confirm_passphrase(passphrase)?;
            v.purge(id)
        })
    }

    /// States the item's document date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `~` first when
    /// approximate); empty goes back to the date in the file's metadata, if any.
    pub fn set_item_date(&self, id: &str, date: String) -> ApiResult<Item> {
        let edit = ItemEdit {
            date: Some(date),
            ..Default::default()
        };
        self.with_vault(|v| v.edit(id, &edit))
    }

    pub fn link(&self, link: Link) -> ApiResult<()> {
        self.with_vault(|v| v.link(&link))
    }

    /// Many links in one change (the library's "Link selected to…"): how many were new.
    pub fn link_all(&self, links: Vec<Link>) -> ApiResult<usize> {
        self.with_vault(|v| v.link_all(&links))
    }

    pub fn unlink(&self, link: Link) -> ApiResult<()> {
        self.with_vault(|v| v.unlink(&link))
    }

    /// Page `page` of a PDF item as a JPEG, for the `dossier://` protocol.
    pub fn page_preview(&self, id: &str, page: u32) -> ApiResult<Vec<u8>> {
        self.with_vault(|v| v.page_preview(id, page))
    }

    /// A JPEG rendition for the `dossier://` protocol; `None` when the item has none.
    pub fn rendition(&self, id: &str, which: Rendition) -> ApiResult<Option<Vec<u8>>> {
        self.with_vault(|v| v.rendition(id, which))
    }

    pub fn extract(&self, id: &str, out: &Path) -> ApiResult<Item> {
        self.with_vault(|v| v.extract(id, out, &dossier::Silent))
    }
}

#[tauri::command(async)]
pub fn library(state: State<'_, AppState>) -> ApiResult<Vec<LibraryRow>> {
    state.library()
}

/// Loads the text index (about a second for a large vault) so searches answer at once. The
/// UI calls it once the library is on screen.
#[tauri::command(async)]
pub fn prepare_search(state: State<'_, AppState>) -> ApiResult<()> {
    state.with_vault(|v| v.load_text_index())
}

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, input: SearchInput) -> ApiResult<Vec<Hit>> {
    state.search(input)
}

/// Why each of `items` matches the search `text`: for the rows on screen.
#[tauri::command(async)]
pub fn why(state: State<'_, AppState>, text: String, items: Vec<String>) -> ApiResult<Vec<String>> {
    state.why(&text, &items)
}

#[tauri::command(async)]
pub fn item_detail(state: State<'_, AppState>, id: String) -> ApiResult<ItemDetail> {
    state.item_detail(&id)
}

#[tauri::command(async)]
pub fn set_item_notes(state: State<'_, AppState>, id: String, notes: String) -> ApiResult<Item> {
    state.set_item_notes(&id, notes)
}

#[tauri::command(async)]
pub fn custody_log(state: State<'_, AppState>) -> ApiResult<Vec<dossier::CustodyEntry>> {
    state.custody_log()
}

#[tauri::command(async)]
pub fn rename_item(
    state: State<'_, AppState>,
    id: String,
    name: String,
    source: String,
) -> ApiResult<Item> {
    state.rename_item(&id, name, source)
}

#[tauri::command(async)]
pub fn delete_item(state: State<'_, AppState>, id: String, reason: String) -> ApiResult<Item> {
    state.delete_item(&id, &reason)
}

#[tauri::command(async)]
pub fn purge_item(state: State<'_, AppState>, id: String, passphrase: String) -> ApiResult<Item> {
    state.purge_item(&id, &SecretString::from(passphrase))
}

#[tauri::command(async)]
pub fn set_item_date(state: State<'_, AppState>, id: String, date: String) -> ApiResult<Item> {
    state.set_item_date(&id, date)
}

#[tauri::command(async)]
pub fn link(state: State<'_, AppState>, link: Link) -> ApiResult<()> {
    state.link(link)
}

#[tauri::command(async)]
pub fn link_all(state: State<'_, AppState>, links: Vec<Link>) -> ApiResult<usize> {
    state.link_all(links)
}

#[tauri::command(async)]
pub fn unlink(state: State<'_, AppState>, link: Link) -> ApiResult<()> {
    state.unlink(link)
}

/// Saves a copy of an item where the user chooses (the name suggested is the original's).
/// `None`: the dialog was closed.
#[tauri::command(async)]
pub fn extract_item(
    app: AppHandle,
    title: String,
    state: State<'_, AppState>,
    id: String,
) -> ApiResult<Option<String>> {
    let name = state.with_vault(|v| v.item(&id))?.name;
    let Some(out) = dialogs::save(&app, &title, &name) else {
        return Ok(None);
    };
    state.extract(&id, &out)?;
    Ok(Some(out.display().to_string()))
}
