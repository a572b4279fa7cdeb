//! A folder of saved responses, laid out as the recorded data: `ENDPOINT/page-001.json`... per
//! endpoint, and an index `api-pages.json` (in the folder or, as in the recorded data, in its
//! parent) giving each file's request path, which says what a page is about when its content does
//! not (the pull request whose commits a page lists).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::collect::{Collector, Page};
use crate::decode::{ParseError, parse};

/// The name of the index of saved pages.
pub const INDEX: &str = "api-pages.json";

#[derive(Deserialize)]
struct Entry {
    file: String,
    request: String,
}

/// The saved pages of one source's folder.
pub(crate) struct Saved {
    dir: PathBuf,
    /// The index's folder: files are named relative to it.
    index_dir: PathBuf,
    requests: HashMap<String, String>,
}

/// One saved page: its bytes, its name for errors and the request that returned it, if indexed.
pub(crate) struct SavedPage {
    pub name: String,
    pub bytes: Vec<u8>,
    pub request: Option<String>,
}

impl SavedPage {
    /// The path segment after `after` in the request path (`EE-1` of `/rest/api/3/issue/EE-1/changelog`):
    /// the `what` (pull request, issue) the page belongs to.
    pub fn segment_after(&self, after: &str, what: &str) -> Result<&str, ParseError> {
        let request = self.request.as_deref().unwrap_or_default();
        let path = request.split('?').next().unwrap_or_default();
        let mut segments = path.split('/');
        let segment = segments
            .by_ref()
            .find(|segment| *segment == after)
            .and(segments.next());
        segment
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.unplaced(after, what))
    }

    /// The number after `after` in the request path (`23` of `/repos/o/r/pulls/23/commits`).
    pub fn number_after(&self, after: &str, what: &str) -> Result<u64, ParseError> {
        self.segment_after(after, what)?
            .parse()
            .map_err(|_| self.unplaced(after, what))
    }

    fn unplaced(&self, after: &str, what: &str) -> ParseError {
        let found = match &self.request {
            Some(request) => format!("its request is `{request}`"),
            None => "it has no request path in the index".to_string(),
        };
        ParseError::new(
            Some(self.name.clone()),
            format!("cannot tell which {what} this page belongs to: {found}"),
            format!(
                "list the file with its request path (`.../{after}/N/...`) in {INDEX}, as the recorded data does"
            ),
        )
    }
}

impl Saved {
    /// Opens a source's folder and its index, if there is one.
    pub fn open(dir: &Path) -> Result<Saved, ParseError> {
        if !dir.is_dir() {
            return Err(ParseError::new(
                Some(dir.display().to_string()),
                "is not a folder".to_string(),
                "give the folder of saved responses, laid out as the recorded data (`pull_requests/page-001.json`...)".to_string(),
            ));
        }
        let candidates = [
            dir.to_path_buf(),
            dir.parent().map(Path::to_path_buf).unwrap_or_default(),
        ];
        for index_dir in candidates {
            let index = index_dir.join(INDEX);
            if index.is_file() {
                let bytes = read(&index)?;
                let entries: Vec<Entry> = parse(
                    &bytes,
                    "an index of saved pages (a list of {file, request})",
                )
                .map_err(|e| e.in_file(&index.display().to_string()))?;
                let requests = entries.into_iter().map(|e| (e.file, e.request)).collect();
                return Ok(Saved {
                    dir: dir.to_path_buf(),
                    index_dir,
                    requests,
                });
            }
        }
        Ok(Saved {
            dir: dir.to_path_buf(),
            index_dir: dir.to_path_buf(),
            requests: HashMap::new(),
        })
    }

    /// The pages of one endpoint's folder in name order; none if the folder is absent.
    pub fn pages(&self, endpoint: &str) -> Result<Vec<SavedPage>, ParseError> {
        let folder = self.dir.join(endpoint);
        if !folder.is_dir() {
            return Ok(Vec::new());
        }
        let listing = fs::read_dir(&folder).map_err(|e| unreadable(&folder, &e))?;
        let mut files = Vec::new();
        for entry in listing {
            let path = entry.map_err(|e| unreadable(&folder, &e))?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
        files.sort();
        let mut pages = Vec::with_capacity(files.len());
        for path in files {
            let key = path.strip_prefix(&self.index_dir).unwrap_or(&path);
            let key: Vec<String> = key
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            pages.push(SavedPage {
                name: path.display().to_string(),
                bytes: read(&path)?,
                request: self.requests.get(&key.join("/")).cloned(),
            });
        }
        Ok(pages)
    }
}

/// Parses each page of an endpoint's folder with `parse_page` and adds it to `into`, naming the
/// file in any error.
pub(crate) fn each_page(
    saved: &Saved,
    endpoint: &str,
    into: &mut Collector,
    mut parse_page: impl FnMut(&SavedPage) -> Result<Page, ParseError>,
) -> Result<(), ParseError> {
    for page in saved.pages(endpoint)? {
        let parsed = parse_page(&page).map_err(|e| {
            if e.file.is_some() {
                e
            } else {
                e.in_file(&page.name)
            }
        })?;
        into.add(parsed);
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, ParseError> {
    fs::read(path).map_err(|e| unreadable(path, &e))
}

fn unreadable(path: &Path, error: &std::io::Error) -> ParseError {
    ParseError::new(
        Some(path.display().to_string()),
        format!("cannot be read: {error}"),
        "check the path and its permissions".to_string(),
    )
}
