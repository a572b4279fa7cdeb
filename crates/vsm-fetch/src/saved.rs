//! A folder of saved responses, laid out as the recorded data: `ENDPOINT/page-001.json`... per
//! endpoint, and an index `api-pages.json` (in the folder or, as in the recorded data, in its
//! parent) giving each file's request path, which says what a page is about when its content does
//! not (the pull request whose commits a page lists).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

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
    parse_page: impl FnMut(&SavedPage) -> Result<Page, ParseError>,
) -> Result<(), ParseError> {
    add_pages(saved.pages(endpoint)?, into, parse_page)
}

/// Parses each of `pages` with `parse_page` and adds it to `into`, naming the file in any error.
pub(crate) fn add_pages(
    pages: Vec<SavedPage>,
    into: &mut Collector,
    mut parse_page: impl FnMut(&SavedPage) -> Result<Page, ParseError>,
) -> Result<(), ParseError> {
    for page in pages {
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

/// Checks that a saved page is of the `what` (repository, project) asked: `named` gives the name
/// the page's first item that names one gives (`panjf2000/ants`); a page naming none is not
/// checked. Names compare without case, as GitHub's and GitLab's do.
pub(crate) fn check_owner(
    page: &SavedPage,
    what: &str,
    asked: &str,
    named: impl Fn(&Json) -> Option<String>,
) -> Result<(), ParseError> {
    let Ok(body) = serde_json::from_slice::<Json>(&page.bytes) else {
        // The page's own parser says what is wrong with it.
        return Ok(());
    };
    let items = match &body {
        Json::Array(items) => items.as_slice(),
        Json::Object(fields) => fields
            .values()
            .find_map(Json::as_array)
            .map_or(&[][..], Vec::as_slice),
        _ => &[],
    };
    let Some(found) = items.iter().find_map(named) else {
        return Ok(());
    };
    if found.eq_ignore_ascii_case(asked) {
        return Ok(());
    }
    Err(ParseError::new(
        Some(page.name.clone()),
        format!(
            "these saved responses are of the {what} `{}`, not `{}`",
            crate::decode::bounded(&found),
            crate::decode::bounded(asked)
        ),
        format!(
            "fetch `{}` from this folder, or give the folder of `{}`'s saved responses",
            crate::decode::bounded(&found),
            crate::decode::bounded(asked)
        ),
    ))
}

/// The path of a web address on its host, up to `end` (`OWNER/REPO` of
/// `https://github.com/OWNER/REPO/pull/4` with two segments).
pub(crate) fn url_path(url: &str, segments: usize) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    let parts: Vec<&str> = path.split('/').take(segments).collect();
    (parts.len() == segments && parts.iter().all(|p| !p.is_empty())).then(|| parts.join("/"))
}

/// The pull requests (merge requests) the saved list pages hold, so that a reviews, notes or
/// commits page of another is skipped and counted, not made into a bare pull request.
pub(crate) struct Listed {
    numbers: HashSet<u64>,
    /// `pull request #` or `merge request !`.
    what: &'static str,
}

impl Listed {
    pub fn new(what: &'static str) -> Listed {
        Listed {
            numbers: HashSet::new(),
            what,
        }
    }

    /// Notes the pull requests of a list page.
    pub fn add(&mut self, page: &Page) {
        self.numbers.extend(crate::live::numbers(page));
    }

    /// `parsed` (a page of `item`s of pull request `number`) if the list holds that pull
    /// request; else its items not read, counted as skipped with the reason.
    pub fn keep(&self, parsed: Page, number: u64, item: &str) -> Page {
        if self.numbers.contains(&number) {
            return parsed;
        }
        let what = self.what;
        let list = what.trim_end_matches([' ', '#', '!']);
        let reason = format!("{item} of {what}{number}, which no saved {list} page holds");
        skipped(&parsed, &reason)
    }
}

/// A page whose items are not read: each counted as skipped with `reason`.
pub(crate) fn skipped(parsed: &Page, reason: &str) -> Page {
    let mut into = Collector::for_page(parsed.report.items);
    for _ in 0..parsed.report.items {
        into.skip(reason);
    }
    into.into_page()
}
