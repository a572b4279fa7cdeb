//! Future states on the server: a map's `extends: NAME.yaml` (any folder part ignored) names
//! the stream `NAME` on the same server, read at its latest version. The maps a map extends
//! are fetched from the store before it is loaded ([`Bases`]), since the application layer
//! reads files synchronously; a chain is at most [`MOST`] maps deep, and a loop is refused.

use std::path::Path;

use axum::http::StatusCode;

use crate::App;
use crate::api::ApiError;
use crate::auth::Caller;
use crate::store::Role;

/// How many maps a chain of `extends:` may name (the command line's limit).
pub const MOST: usize = 8;

/// The maps a map extends, read from the store at their latest versions: each stream's id and
/// map text, the map it extends first and the current state at the bottom of the chain last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bases {
    pub maps: Vec<(String, String)>,
    /// Why the chain could not be read, said when a map of it is asked for.
    pub problem: Option<String>,
}

impl Bases {
    /// The text of the stream a map's `extends:` names at `path` (by its file name's stem).
    pub fn text(&self, path: &Path) -> Option<&str> {
        let id = path.file_stem()?.to_str()?;
        self.maps
            .iter()
            .find(|(stream, _)| stream == id)
            .map(|(_, text)| text.as_str())
    }

    /// The current state at the bottom of the chain, if the map extends one.
    pub fn root(&self) -> Option<&str> {
        self.maps.last().map(|(stream, _)| stream.as_str())
    }
}

/// The stream a map's `extends:` names (its file name without the folder and the extension),
/// if it says `extends:`.
pub fn extended(text: &str) -> Option<String> {
    let extends = vsm_core::Header::read(text).ok()?.extends?;
    Path::new(&extends.base)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
}

fn unprocessable(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn said(chain: &[String]) -> String {
    chain
        .iter()
        .map(|stream| format!("{stream}.yaml"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The maps `text`, the map of `stream`, extends, read from the store at their latest
/// versions. With a `caller`, each must be a stream the caller can view, else a 422 that does
/// not tell whether a stream they cannot see exists; a loop, or a chain deeper than [`MOST`],
/// is a 422 naming the chain.
pub async fn bases(
    app: &App,
    caller: Option<&Caller>,
    stream: &str,
    text: &str,
) -> Result<Bases, ApiError> {
    let mut chain = vec![stream.to_string()];
    let mut maps: Vec<(String, String)> = Vec::new();
    let mut next = extended(text);
    while let Some(base) = next {
        chain.push(base.clone());
        if chain[..chain.len() - 1].contains(&base) {
            return Err(unprocessable(format!(
                "`extends:` makes a loop: {}; a future state cannot extend itself, directly or through another map",
                said(&chain)
            )));
        }
        if maps.len() == MOST {
            return Err(unprocessable(format!(
                "`extends:` goes more than {MOST} maps deep: {}; extend a map nearer the current state",
                said(&chain)
            )));
        }
        let missing = || {
            unprocessable(format!(
                "`{}` extends `{base}.yaml`: there is no value stream `{base}` on this server that you can view; push the current state first (`vsm push {base}.yaml`), or ask the admin of `{base}` to let you view it",
                chain[chain.len() - 2]
            ))
        };
        if let Some(caller) = caller {
            match caller.require(app, &base, Role::Viewer).await {
                Ok(_) => {}
                Err(error) if error.status.is_server_error() => return Err(error),
                Err(_) => return Err(missing()),
            }
        }
        let Some(found) = app.store.version(&base, None).await? else {
            return Err(missing());
        };
        next = extended(&found.yaml);
        maps.push((base, found.yaml));
    }
    Ok(Bases {
        maps,
        problem: None,
    })
}
