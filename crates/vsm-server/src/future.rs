//! Future states on the server: a map's `extends: NAME.yaml` (any folder part ignored) names
//! the stream `NAME` on the same server, read at its latest version. The maps a map extends
//! are fetched from the store before it is loaded ([`Bases`]), since the application layer
//! reads files synchronously; a chain is at most [`MOST`] maps deep, and a loop is refused.

use std::path::Path;
use std::sync::Arc;

use vsm_app::Loaded;

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

fn said(chain: &[String]) -> String {
    chain
        .iter()
        .map(|stream| format!("{stream}.yaml"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The maps `text`, the map of `stream`, extends, read from the store at their latest
/// versions. Each must be a stream the caller can view, else a 422 that does not tell whether
/// a stream they cannot see exists; a loop, or a chain deeper than [`MOST`], is a 422 naming
/// the chain.
pub async fn bases(
    app: &App,
    caller: &Caller,
    stream: &str,
    text: &str,
) -> Result<Bases, ApiError> {
    let mut chain = vec![stream.to_string()];
    let mut maps: Vec<(String, String)> = Vec::new();
    let mut next = extended(text);
    while let Some(base) = next {
        chain.push(base.clone());
        if chain[..chain.len() - 1].contains(&base) {
            return Err(ApiError::unprocessable(format!(
                "`extends:` makes a loop: {}; a future state cannot extend itself, directly or through another map",
                said(&chain)
            )));
        }
        if maps.len() == MOST {
            return Err(ApiError::unprocessable(format!(
                "`extends:` goes more than {MOST} maps deep: {}; extend a map nearer the current state",
                said(&chain)
            )));
        }
        let missing = || {
            ApiError::unprocessable(format!(
                "`{}` extends `{base}.yaml`: there is no value stream `{base}` on this server that you can view; push the current state first (`vsm push {base}.yaml`), or ask the admin of `{base}` to let you view it",
                chain[chain.len() - 2]
            ))
        };
        match caller.require(app, &base, Role::Viewer).await {
            Ok(_) => {}
            Err(error) if error.status.is_server_error() => return Err(error),
            Err(_) => return Err(missing()),
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

/// A future state and the current state it extends, analyzed as `vsm compare CURRENT FUTURE`
/// analyzes them: each at its stream's latest version.
#[derive(Debug)]
pub struct Compared {
    /// The stream the future state's map extends.
    pub base: String,
    /// The future state's version.
    pub version: i64,
    pub before: Arc<Loaded>,
    pub after: Arc<Loaded>,
}

impl Compared {
    /// What `vsm compare --format FORMAT` writes (none for a format it does not write).
    pub fn render(&self, format: vsm_render::Format) -> Option<String> {
        // Both maps told in the current map's days, as the command line tells them.
        let _days = self.before.stream.telling();
        let side = crate::pages::side;
        vsm_render::compare::render(side(&self.before), side(&self.after), format)
    }
}

/// The latest map of `stream`, a future state, with the latest map of the stream it extends,
/// both analyzed as their pages analyze them (measured where they measure). A 422 when the
/// latest map extends none, or extends a stream the caller cannot view (not telling whether
/// it exists).
pub async fn compared(app: &App, caller: &Caller, stream: &str) -> Result<Compared, ApiError> {
    let (found, _) = crate::api::streams_read(app, caller, stream, None).await?;
    let bases = bases(app, caller, stream, &found.yaml).await?;
    let Some((base, text)) = bases.maps.first().cloned() else {
        return Err(ApiError::unprocessable(format!(
            "the latest map of `{stream}` extends no map: a future state says `extends: CURRENT.yaml` (the stream `CURRENT`) to be compared with it; compare two of its versions on its compare page"
        )));
    };
    let before_events = crate::api::current_events(app, caller, &base).await?;
    let after_events = crate::api::current_events(app, caller, stream).await?;
    let (id, yaml) = (stream.to_string(), found.yaml);
    let base_id = base.clone();
    let (before, after) = crate::api::blocking(move || {
        let (before, _) = crate::map::measured(&base_id, &text, &before_events)?;
        let (mut after, _) = crate::map::measured(&id, &yaml, &after_events)?;
        // The future state's waits in the current map's working time, as the command line
        // re-expresses them (not for measured numbers, which are the log's).
        if after.measured.is_none() {
            let (mut owned, _) = crate::map::estimates(&id, &yaml, &after_events.bases)?;
            if owned.waits_as(&before.stream.working_time) {
                after = Arc::new(owned);
            }
        }
        Ok::<_, crate::map::Problem>((before, after))
    })
    .await??;
    Ok(Compared {
        base,
        version: found.info.number,
        before,
        after,
    })
}

/// The future states of `stream` the caller can view: the streams whose latest map extends it,
/// as (id, name), by id. Reads each visible stream's latest map.
pub async fn futures(
    app: &App,
    caller: &Caller,
    stream: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut found = Vec::new();
    for (other, _) in crate::api::visible(app, caller).await? {
        if other.id == stream {
            continue;
        }
        let Some(latest) = app.store.version(&other.id, None).await? else {
            continue;
        };
        if extended(&latest.yaml).as_deref() == Some(stream) {
            found.push((other.id, other.name));
        }
    }
    found.sort();
    Ok(found)
}

/// The stream `text` extends, when the caller can view it (else none: a link to it would say
/// no more than that).
pub async fn viewable_base(app: &App, caller: &Caller, text: &str) -> Option<String> {
    let base = extended(text)?;
    match caller.role(app, &base).await {
        Ok(Some(_)) => Some(base),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_names_the_stream_of_its_file_name_without_the_folder() {
        assert_eq!(
            extended("extends: ../maps/current.yaml\nname: F\n").as_deref(),
            Some("current")
        );
        assert_eq!(extended("name: F\nsteps: []\n"), None);
        let bases = Bases {
            maps: vec![("current".into(), "name: C\n".into())],
            problem: None,
        };
        assert_eq!(
            bases.text(Path::new("../maps/current.yaml")),
            Some("name: C\n")
        );
        assert_eq!(bases.text(Path::new("other.yaml")), None);
        assert_eq!(bases.root(), Some("current"));
    }
}
