//! `dossier://localhost/thumb/<id>` and `/preview/<id>`: JPEG renditions decrypted in memory
//! and handed to the webview with `Cache-Control: no-store`, so no picture of the evidence is
//! ever a file (no temp file, no WebKit disk cache: the webview is also incognito).
//! `/page/<id>/<n>`: page n of a PDF, drawn now by the parser worker, handed over the same way.
//! `/draft/<n>`: page n of the dossier draft on show (unsigned, held in memory).

use dossier::Rendition;
use tauri::http::{Request, Response, StatusCode, header};

use crate::state::AppState;

/// Answers one request. Anything but a known rendition of an existing item is a 404; a
/// locked vault is a 403.
pub fn respond(state: &AppState, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let path = request.uri().path();
    if let Some(rest) = path.strip_prefix("/page/") {
        return page(state, rest);
    }
    if let Some(n) = path.strip_prefix("/draft/") {
        return match n.parse::<u32>().map(|n| state.draft_page(n)) {
            Ok(Ok(jpeg)) => jpeg_response(jpeg),
            Ok(Err(e)) if e.code == crate::error::ErrorCode::Locked => empty(StatusCode::FORBIDDEN),
            _ => empty(StatusCode::NOT_FOUND),
        };
    }
    let (which, id) = match path.trim_start_matches('/').split_once('/') {
        Some(("thumb", id)) => (Rendition::Thumbnail, id),
        Some(("preview", id)) => (Rendition::Preview, id),
        _ => return empty(StatusCode::NOT_FOUND),
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return empty(StatusCode::NOT_FOUND);
    }
    match state.rendition(id, which) {
        Ok(Some(jpeg)) => jpeg_response(jpeg),
        Ok(None) => empty(StatusCode::NOT_FOUND),
        Err(e) if e.code == crate::error::ErrorCode::Locked => empty(StatusCode::FORBIDDEN),
        Err(_) => empty(StatusCode::NOT_FOUND),
    }
}

fn page(state: &AppState, rest: &str) -> Response<Vec<u8>> {
    let Some((id, n)) = rest.split_once('/') else {
        return empty(StatusCode::NOT_FOUND);
    };
    let Ok(n) = n.parse::<u32>() else {
        return empty(StatusCode::NOT_FOUND);
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return empty(StatusCode::NOT_FOUND);
    }
    match state.page_preview(id, n) {
        Ok(jpeg) => jpeg_response(jpeg),
        Err(e) if e.code == crate::error::ErrorCode::Locked => empty(StatusCode::FORBIDDEN),
        Err(_) => empty(StatusCode::NOT_FOUND),
    }
}

fn jpeg_response(jpeg: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header(header::CACHE_CONTROL, "no-store")
        .body(jpeg)
        .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
}

fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}
