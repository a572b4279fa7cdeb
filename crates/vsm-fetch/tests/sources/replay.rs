//! A local HTTP server for the live clients' tests: it listens on 127.0.0.1 (a free port),
//! replays the recorded pages of `testdata/api` at the request paths `api-pages.json` gives them,
//! split into small pages with each API's pagination (GitHub's `Link`, GitLab's `X-Next-Page`,
//! Jira's `startAt`/`total`) so a client must follow it, checks the `Authorization` header, and
//! answers the first requests with the faults it is given. Jira's searches answer with board 8's
//! recorded issues: Server's `/rest/api/2/search` paged by `startAt`, and Cloud's
//! `/rest/api/3/search/jql` paged by `nextPageToken` (ignoring `startAt`, and giving no fields
//! but the issue's id and key unless `fields` names them, as Jira Cloud does).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

/// A file or folder of the recorded data: `testdata/api/NAME` (from any crate of the
/// workspace: the server's and the command line's tests replay it too).
pub fn recorded(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/api")
        .join(name)
}

/// One recorded page's bytes.
pub fn page(path: &str) -> Vec<u8> {
    let file = recorded(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Items in one replayed page: small, so every recorded list spans several pages.
pub const PAGE: usize = 7;

/// What the server answers in place of a request's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: 1`.
    TooMany,
    /// 502 Bad Gateway.
    BadGateway,
    /// The page's headers and half its body, then the connection closes.
    Dropped,
    /// A 200 whose body never ends.
    Endless,
    /// 403 with `X-RateLimit-Remaining: 0` and a reset two hours away.
    ResetLater,
    /// A 200 whose body is an HTML login page, as a site behind single sign-on answers.
    Html,
    /// The page's headers, then its body a byte every 100 ms (for at most 30 seconds).
    Dripping,
    /// A 200 whose body echoes the request's `Authorization` where a number belongs.
    Echo,
    /// The page, each item's `title`, `body` and `user.login` the request's `Authorization`
    /// (the server's pull tests).
    #[allow(dead_code)]
    EchoInTitle,
}

struct State {
    /// Request path (without the query) to the recorded file.
    index: HashMap<String, String>,
    authorization: String,
    faults: VecDeque<Fault>,
    served: BTreeSet<String>,
    requests: Vec<String>,
}

/// A running replay server; it lives until the test process ends.
pub struct Replay {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Replay {
    /// Starts a server that expects `authorization` and answers its first requests with `faults`,
    /// one each, in order.
    pub fn start(authorization: &str, faults: &[Fault]) -> Replay {
        let entries: Vec<Json> =
            serde_json::from_slice(&page("api-pages.json")).expect("the index");
        let index = entries
            .iter()
            .map(|e| {
                let request = e["request"].as_str().expect("a request");
                let path = request.split('?').next().unwrap_or_default();
                (
                    path.to_string(),
                    e["file"].as_str().expect("a file").to_string(),
                )
            })
            .collect();
        let state = Arc::new(Mutex::new(State {
            index,
            authorization: authorization.to_string(),
            faults: faults.iter().copied().collect(),
            served: BTreeSet::new(),
            requests: Vec::new(),
        }));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let shared = Arc::clone(&state);
        let base = url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                answer(&stream, &shared, &base);
            }
        });
        Replay { url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The recorded files served, as `api-pages.json` names them (`github/issues/page-001.json`).
    pub fn served(&self) -> BTreeSet<String> {
        self.state().served.clone()
    }

    /// The request targets asked, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }
}

/// Reads one request and answers it; every answer closes the connection.
fn answer(stream: &TcpStream, state: &Mutex<State>, base: &str) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut authorization = String::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorization = value.trim().to_string();
        }
    }
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    state.requests.push(target.clone());
    let fault = state.faults.pop_front();
    let (status, headers, body) = if authorization == state.authorization {
        respond(&mut state, &target, base)
    } else {
        (
            401,
            String::new(),
            br#"{"message": "Bad credentials"}"#.to_vec(),
        )
    };
    drop(state);
    let (fault, status, body) = match fault {
        Some(Fault::Echo) => (
            None,
            200,
            serde_json::json!([{ "number": authorization }])
                .to_string()
                .into_bytes(),
        ),
        Some(Fault::EchoInTitle) => {
            let mut page: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            for item in page.as_array_mut().into_iter().flatten() {
                for field in ["title", "body"] {
                    if let Some(value) = item.get_mut(field) {
                        *value = serde_json::json!(authorization);
                    }
                }
                if let Some(login) = item.pointer_mut("/user/login") {
                    *login = serde_json::json!(authorization);
                }
            }
            (None, status, page.to_string().into_bytes())
        }
        fault => (fault, status, body),
    };
    let _ = write(stream, fault, status, &headers, &body);
}

fn write(
    mut stream: &TcpStream,
    fault: Option<Fault>,
    status: u16,
    headers: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = |status: u16, extra: &str, length: usize| {
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n{extra}\r\n"
        )
    };
    match fault {
        None => {
            stream.write_all(head(status, headers, body.len()).as_bytes())?;
            stream.write_all(body)
        }
        Some(Fault::TooMany) => stream.write_all(head(429, "Retry-After: 1\r\n", 0).as_bytes()),
        Some(Fault::BadGateway) => stream.write_all(head(502, "", 0).as_bytes()),
        Some(Fault::Dropped) => {
            stream.write_all(head(status, headers, body.len()).as_bytes())?;
            stream.write_all(&body[..body.len() / 2])
        }
        Some(Fault::ResetLater) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let extra = format!(
                "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: {}\r\n",
                now.as_secs() + 7200
            );
            stream.write_all(head(403, &extra, 0).as_bytes())
        }
        Some(Fault::Html) => {
            let page = "<!DOCTYPE html>\n<html>\n  <head><title>Log in - Jira</title></head>\n  <body>Log in to continue</body>\n</html>\n";
            stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            )
        }
        Some(Fault::Dripping) => {
            stream.write_all(head(status, headers, body.len()).as_bytes())?;
            for byte in body.iter().take(300) {
                stream.write_all(&[*byte])?;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Ok(())
        }
        Some(Fault::Echo | Fault::EchoInTitle) => unreachable!("answered as a page"),
        Some(Fault::Endless) => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[",
            )?;
            let chunk = b"{\"number\": 1},".repeat(4096);
            // Until the client hangs up (or a gigabyte, so a broken client cannot run forever).
            for _ in 0..(1 << 30) / chunk.len() {
                stream.write_all(&chunk)?;
            }
            Ok(())
        }
    }
}

/// The status, extra headers and body for a request: a slice of its recorded page.
fn respond(state: &mut State, target: &str, base: &str) -> (u16, String, Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let cloud_search = path == "/rest/api/3/search/jql";
    let indexed = match path {
        "/rest/api/3/search/jql" | "/rest/api/2/search" => "/rest/agile/1.0/board/8/issue",
        _ => path,
    };
    let Some(file) = state.index.get(indexed).cloned() else {
        // A pull request with no recorded reviews, commits or notes has none; a repository
        // with no recorded deployments (a deployment with no recorded statuses) has none; the
        // repository of GitHub's documented deployments has nothing else recorded.
        let listed = ["reviews", "commits", "notes", "deployments", "statuses"]
            .iter()
            .any(|end| path.ends_with(end))
            || path.starts_with("/repos/octocat/example/");
        if listed {
            let empty: &[u8] = if path.ends_with("/actions/runs") {
                br#"{"total_count": 0, "workflow_runs": []}"#
            } else {
                b"[]"
            };
            return (200, String::new(), empty.to_vec());
        }
        return (404, String::new(), br#"{"message": "Not Found"}"#.to_vec());
    };
    state.served.insert(file.clone());
    let mut body: Json = serde_json::from_slice(&page(&file)).expect("recorded JSON");
    let list = ["workflow_runs", "issues", "values"]
        .into_iter()
        .find(|name| body[*name].is_array());
    let jira = path.starts_with("/rest/");
    if jira && list.is_none() {
        return (200, String::new(), page(&file));
    }
    let items = match list {
        Some(name) => body[name].as_array_mut(),
        None => body.as_array_mut(),
    }
    .expect("a list");
    let total = items.len();
    let start = if cloud_search {
        query
            .split('&')
            .find_map(|p| p.strip_prefix("nextPageToken=page%3A"))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    } else if jira {
        param("startAt").unwrap_or(0)
    } else {
        (param("page").unwrap_or(1).max(1) - 1) * PAGE
    };
    let end = (start + PAGE).min(total);
    *items = items.drain(start.min(total)..end).collect();
    let more = end < total;
    let next_page = start / PAGE + 2;
    let headers = if cloud_search {
        let fields: Vec<&str> = query
            .split('&')
            .find_map(|p| p.strip_prefix("fields="))
            .map(|f| f.split(',').collect())
            .unwrap_or_default();
        for issue in items_of(&mut body) {
            if let Some(all) = issue["fields"].as_object_mut() {
                all.retain(|name, _| fields.contains(&name.as_str()));
            }
        }
        let object = body.as_object_mut().expect("an object");
        object.remove("startAt");
        object.remove("maxResults");
        object.remove("total");
        if more {
            body["nextPageToken"] = format!("page:{end}").into();
        }
        body["isLast"] = (!more).into();
        String::new()
    } else if jira {
        body["startAt"] = start.into();
        body["maxResults"] = PAGE.into();
        body["total"] = total.into();
        if list == Some("values") {
            body["isLast"] = (!more).into();
        }
        String::new()
    } else if path.starts_with("/api/v4/") {
        let next = if more {
            next_page.to_string()
        } else {
            String::new()
        };
        format!("X-Next-Page: {next}\r\nX-Per-Page: {PAGE}\r\n")
    } else if more {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.starts_with("page="))
            .collect();
        let link = format!("{base}{path}?{}&page={next_page}", kept.join("&"));
        format!("Link: <{link}>; rel=\"next\", <{base}{path}?page=99>; rel=\"last\"\r\n")
    } else {
        String::new()
    };
    let bytes = serde_json::to_vec(&body).expect("JSON");
    (200, headers, bytes)
}

/// The issues of a Jira search page.
fn items_of(body: &mut Json) -> impl Iterator<Item = &mut Json> {
    body["issues"].as_array_mut().into_iter().flatten()
}

/// A folder holding only the recorded files `served` (and the index), for `from_dir` to read the
/// same pages a fetch was given: `TMP/NAME/api-pages.json` and `TMP/NAME/SYSTEM/...`.
pub fn folder_of(served: &BTreeSet<String>, name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for file in served {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("a folder");
        std::fs::copy(recorded(file), &to).expect("a copy");
    }
    std::fs::copy(recorded("api-pages.json"), dir.join("api-pages.json")).expect("the index");
    dir
}
