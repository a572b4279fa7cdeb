//! Asking an API over HTTP: a blocking client that sends the token, follows pagination to the
//! end, waits out rate limits, retries what failed on the way and bounds what it reads.
//!
//! The token is sent in the `Authorization` header only (bearer, or basic with a user for Jira
//! Cloud); it never appears in an error, a progress report or anything returned. Limits: a body
//! larger than [`MAX_BODY`] is an error; a rate limit that resets later than [`MAX_WAIT`] from now
//! is an error saying when to run again; a body taking longer than [`MAX_PAGE_TIME`] to arrive,
//! a server error (5xx), a dropped connection or a body cut
//! short is retried after 1, 2, 4 and 8 seconds, then is an error naming the URL (of [`ATTEMPTS`]
//! sends in all); an endpoint is read to at most [`MAX_PAGES`] pages. A server that cannot be
//! reached before it has answered anything (a refused connection, an unknown host) is a wrong
//! API URL, not a dropped connection: an error at once, never retried.
//!
//! Over 600 lines on purpose: one client (token, request loop, waits, retries); its page-link readers are the one seam left if it grows.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;
use ureq::Agent;
use ureq::http::HeaderMap;

use crate::url::{base64, origin, with_param};
pub(crate) use crate::url::{encode, shown};

/// The largest response body read: a larger one is refused, never held in memory.
pub const MAX_BODY: u64 = 64 * 1024 * 1024;

/// The longest time a response's body may take to arrive: a server that drips it (a byte a
/// minute keeps the per-read timeout from firing) is cut off there, and the page retried.
pub const MAX_PAGE_TIME: Duration = Duration::from_mins(10);

/// The longest wait for a rate limit to reset: GitHub's window is an hour, so a wait of up to an
/// hour finishes the fetch; a reset announced later than that is an error.
pub const MAX_WAIT: Duration = Duration::from_hours(1);

/// How many times one request is sent before a server error or a dropped connection is final.
pub const ATTEMPTS: u32 = 5;

/// The most pages read from one endpoint (a million items at 100 a page).
pub const MAX_PAGES: usize = 10_000;

/// The wait before the first retry; each next one is twice as long.
const BACKOFF: Duration = Duration::from_secs(1);

/// Rate-limit waits in a row for one request before giving up.
const MAX_RATE_WAITS: u32 = 10;

/// An API token and the name of the environment variable it was read from (errors name the
/// variable, never the token). With a user, it is sent as basic auth (Jira Cloud: `JIRA_USER` and
/// an API token); without, as a bearer token (GitHub, GitLab, Jira Server and Data Center).
#[derive(Clone)]
pub struct Token {
    variable: String,
    secret: String,
    user: Option<String>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("variable", &self.variable)
            .field("user", &self.user)
            .field("secret", &"<hidden>")
            .finish()
    }
}

impl Token {
    /// A token given directly, named by the variable it came from.
    pub fn new(variable: impl Into<String>, secret: impl Into<String>) -> Token {
        Token {
            variable: variable.into(),
            secret: secret.into(),
            user: None,
        }
    }

    /// The token in the environment variable `variable`; an error if it is unset or empty.
    pub fn from_env(variable: &str) -> Result<Token, FetchError> {
        match std::env::var(variable) {
            Ok(secret) if !secret.trim().is_empty() => Ok(Token::new(variable, secret.trim())),
            _ => Err(FetchError::NoToken {
                variable: variable.to_string(),
            }),
        }
    }

    /// The same token sent as basic auth with `user` (Jira Cloud: the account's email).
    pub fn with_user(mut self, user: impl Into<String>) -> Token {
        self.user = Some(user.into());
        self
    }

    /// The environment variable the token was read from.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    fn authorization(&self) -> String {
        match &self.user {
            Some(user) => format!(
                "Basic {}",
                base64(format!("{user}:{}", self.secret).as_bytes())
            ),
            None => format!("Bearer {}", self.secret),
        }
    }

    /// `text` with the token and its header value replaced, for what a server says back.
    pub fn scrub(&self, text: &str) -> String {
        let header = self.authorization();
        // The header's credentials alone too (basic auth's base64 of the user and token).
        let credentials = header.split_once(' ').map_or(header.as_str(), |(_, c)| c);
        let mut text = text.replace(&header, "<token>");
        for part in [credentials, self.secret.as_str()] {
            if !part.is_empty() {
                text = text.replace(part, "<token>");
            }
        }
        text
    }
}

/// What a fetch is doing, for a progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A page was read.
    Page { url: String },
    /// The API's rate limit is used up: waiting `wait` before asking `url` again.
    RateLimited { url: String, wait: Duration },
    /// `url` failed (`reason`): waiting `wait`, then sending it again as attempt `attempt`.
    Retrying {
        url: String,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
}

/// Why a fetch stopped. URLs are shown without query values that could be secrets.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "no token in the environment variable {variable}\n  help: set {variable} to an API token that can read the project (or name another variable with --token-env NAME)"
    )]
    NoToken { variable: String },
    #[error(
        "HTTP {status} from {url}: the token in {variable} was refused\n  help: check that {variable} holds a valid token that has not expired, that it may read this project, and that the API URL is the right one"
    )]
    Refused {
        status: u16,
        url: String,
        variable: String,
    },
    #[error("HTTP {status} from {url}: {message}\n  help: check the project name and the API URL")]
    Status {
        status: u16,
        url: String,
        message: String,
    },
    #[error(
        "{url}: the rate limit resets in {} minutes, past the longest wait ({} minutes)\n  help: run the fetch again after {until}", wait.as_secs().div_ceil(60), MAX_WAIT.as_secs() / 60
    )]
    RateLimited {
        url: String,
        wait: Duration,
        until: Timestamp,
    },
    #[error(
        "{url} failed {attempts} times, last: {reason}\n  help: check the network and the API URL, and run again"
    )]
    Failed {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error(
        "cannot connect to {url}: {reason}\n  help: check the API URL (--api-url) and that the server at it is running; nothing was fetched"
    )]
    Unreachable { url: String, reason: String },
    #[error(
        "{url}: the response is larger than {limit} bytes\n  help: ask for smaller pages, or check the API URL"
    )]
    TooLarge { url: String, limit: u64 },
    #[error(
        "{url}: the next page is `{next}`, not on the API's host\n  help: check the API URL; the token is only sent to it"
    )]
    ForeignLink { url: String, next: String },
    #[error(
        "{url}: the pages do not end (a page repeats, or more than {MAX_PAGES})\n  help: check the API URL"
    )]
    EndlessPages { url: String },
    #[error(
        "{url}: the server answered {content_type}, not JSON: {start}\n  help: check the API URL (--api-url): it should be the API's own address (a Jira site's `https://SITE`, GitHub Enterprise's `https://HOST/api/v3`, GitLab's `https://HOST/api/v4`); a web page, a login page or a proxy answers HTML"
    )]
    NotJson {
        url: String,
        /// The `Content-Type` header, quoted, or `no content type`.
        content_type: String,
        /// The body's first characters, quoted on one line with the token scrubbed, or `an
        /// empty body`.
        start: String,
    },
    #[error(transparent)]
    Parse(#[from] crate::ParseError),
}

/// A successful response: its body and headers.
pub(crate) struct Reply {
    pub bytes: Vec<u8>,
    headers: HeaderMap,
}

/// How an API says where the next page is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Paging {
    /// One page only.
    Single,
    /// GitHub: `Link: <URL>; rel="next"`.
    Link,
    /// GitLab: `X-Next-Page: N`, empty on the last page.
    NextPage,
    /// Jira: `startAt`, `maxResults`, `total` or `isLast` in the body.
    StartAt,
    /// Jira Cloud's search (`/rest/api/3/search/jql`): `nextPageToken` in the body, absent or
    /// `null` on the last page (which may also say `isLast: true`).
    NextPageToken,
}

/// A blocking client of one API: its base URL (`https://api.github.com`) and the token.
#[derive(Debug)]
pub struct Client {
    agent: Agent,
    api_url: String,
    token: Token,
    body_limit: u64,
    page_time: Duration,
    /// Whether the server has answered anything yet: until it has, a refused connection means
    /// the API URL is wrong, and is not retried.
    answered: AtomicBool,
}

impl Client {
    /// A client of the API at `api_url` (GitHub's `https://api.github.com` or an Enterprise
    /// server's `https://HOST/api/v3`, GitLab's `https://HOST/api/v4`, a Jira site's
    /// `https://SITE`) sending `token`.
    pub fn new(api_url: &str, token: Token) -> Client {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("vsm/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_mins(2)))
            .timeout_per_read(Some(Duration::from_mins(2)))
            .build()
            .new_agent();
        Client {
            agent,
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            body_limit: MAX_BODY,
            page_time: MAX_PAGE_TIME,
            answered: AtomicBool::new(false),
        }
    }

    /// The same client refusing bodies larger than `bytes` (default [`MAX_BODY`]).
    pub fn body_limit(mut self, bytes: u64) -> Client {
        self.body_limit = bytes;
        self
    }

    /// The same client giving up a body that takes longer than `time` to arrive (default
    /// [`MAX_PAGE_TIME`]).
    pub fn page_time(mut self, time: Duration) -> Client {
        self.page_time = time;
        self
    }

    /// The API's base URL, without a trailing `/`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The full URL of an API path (`/repos/o/r/pulls?...`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_url)
    }

    /// Reads `url` and each page after it as `paging` says, handing every body to `each`, which
    /// returns whether to go on.
    pub(crate) fn pages(
        &self,
        url: String,
        paging: Paging,
        progress: &mut dyn FnMut(Progress),
        mut each: impl FnMut(&[u8], &str) -> Result<bool, FetchError>,
    ) -> Result<(), FetchError> {
        let mut asked = HashSet::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            if !asked.insert(url.clone()) || asked.len() > MAX_PAGES {
                return Err(FetchError::EndlessPages { url: shown(&url) });
            }
            let reply = self.get(&url, progress)?;
            progress(Progress::Page { url: shown(&url) });
            // A page's values are quoted in the error saying what is wrong with it: one that
            // echoes the token (a hostile or broken server) must not put it in the error.
            let read = each(&reply.bytes, &url).map_err(|error| match error {
                FetchError::Parse(mut parse) => {
                    parse.place = self.token.scrub(&parse.place);
                    parse.problem = self.token.scrub(&parse.problem);
                    FetchError::Parse(parse)
                }
                other => other,
            })?;
            if !read {
                break;
            }
            next = match paging {
                Paging::Single => None,
                Paging::Link => match link_next(&reply.headers) {
                    Some(link) if self.owns(&link) => Some(link),
                    Some(link) => {
                        return Err(FetchError::ForeignLink {
                            url: shown(&url),
                            next: shown(&link),
                        });
                    }
                    None => None,
                },
                Paging::NextPage => header(&reply.headers, "x-next-page")
                    .filter(|page| !page.is_empty())
                    .map(|page| with_param(&url, "page", page)),
                Paging::StartAt => start_at_next(&reply.bytes)
                    .map(|start| with_param(&url, "startAt", &start.to_string())),
                Paging::NextPageToken => next_page_token(&reply.bytes)
                    .map(|token| with_param(&url, "nextPageToken", &encode(&token))),
            };
        }
        Ok(())
    }

    /// Whether `url` is on the API's host (a next-page link elsewhere would get the token).
    fn owns(&self, url: &str) -> bool {
        let origin = origin(&self.api_url);
        url.strip_prefix(origin)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    /// One GET, waiting out rate limits and retrying failures.
    pub(crate) fn get(
        &self,
        url: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reply, FetchError> {
        let url_shown = shown(url);
        let (mut failures, mut rate_waits) = (0, 0);
        loop {
            let sent = self
                .agent
                .get(url)
                .config()
                .timeout_recv_body(Some(self.page_time))
                .build()
                .header("Authorization", &self.token.authorization())
                .header("Accept", "application/json")
                .call();
            let reason = match sent {
                Err(error) if unreachable(&error) && !self.answered.load(Ordering::Relaxed) => {
                    return Err(FetchError::Unreachable {
                        url: url_shown,
                        reason: self.token.scrub(&error.to_string()),
                    });
                }
                Err(error) if retried(&error) => error.to_string(),
                Err(error) => {
                    return Err(FetchError::Failed {
                        url: url_shown,
                        attempts: failures + 1,
                        reason: self.token.scrub(&error.to_string()),
                    });
                }
                Ok(mut response) => {
                    self.answered.store(true, Ordering::Relaxed);
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let body = response.body_mut().with_config().limit(self.body_limit);
                    if (200..300).contains(&status) {
                        match body.read_to_vec() {
                            Ok(bytes) if !looks_like_json(&bytes) => {
                                return Err(self.not_json(url_shown, &headers, &bytes));
                            }
                            Ok(bytes) => return Ok(Reply { bytes, headers }),
                            Err(ureq::Error::BodyExceedsLimit(_)) => {
                                return Err(FetchError::TooLarge {
                                    url: url_shown,
                                    limit: self.body_limit,
                                });
                            }
                            Err(error) => format!("the response was cut short ({error})"),
                        }
                    } else if let Some(wait) = rate_limit_wait(status, &headers) {
                        let until = Timestamp::now().checked_add(wait).unwrap_or(Timestamp::MAX);
                        if wait > MAX_WAIT || rate_waits >= MAX_RATE_WAITS {
                            return Err(FetchError::RateLimited {
                                url: url_shown,
                                wait,
                                until,
                            });
                        }
                        rate_waits += 1;
                        progress(Progress::RateLimited {
                            url: url_shown.clone(),
                            wait,
                        });
                        std::thread::sleep(wait);
                        continue;
                    } else if status == 401 || status == 403 {
                        return Err(FetchError::Refused {
                            status,
                            url: url_shown,
                            variable: self.token.variable.clone(),
                        });
                    } else if status >= 500 {
                        format!("the server answered {status}")
                    } else {
                        let said = body.limit(4096).read_to_string().unwrap_or_default();
                        let message: String = self.token.scrub(&said).chars().take(300).collect();
                        return Err(FetchError::Status {
                            status,
                            url: url_shown,
                            message,
                        });
                    }
                }
            };
            failures += 1;
            if failures >= ATTEMPTS {
                return Err(FetchError::Failed {
                    url: url_shown,
                    attempts: failures,
                    reason: self.token.scrub(&reason),
                });
            }
            let wait = BACKOFF * 2u32.pow(failures - 1);
            progress(Progress::Retrying {
                url: url_shown.clone(),
                attempt: failures + 1,
                wait,
                reason: self.token.scrub(&reason),
            });
            std::thread::sleep(wait);
        }
    }
}

/// Whether a body can be a JSON document of an API's: an object or an array (the parsers place
/// any error inside one); anything else (HTML, text, nothing) is not what any endpoint returns.
fn looks_like_json(bytes: &[u8]) -> bool {
    let start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    matches!(start, Some(b'{' | b'['))
}

impl Client {
    /// The error of a successful answer that is not JSON: its content type and first characters.
    fn not_json(&self, url: String, headers: &HeaderMap, bytes: &[u8]) -> FetchError {
        let content_type = match header(headers, "content-type") {
            Some(kind) => format!("`{}`", crate::decode::bounded(kind)),
            None => "no content type".to_string(),
        };
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
        let one_line: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace('`', "'");
        let scrubbed = self.token.scrub(&one_line);
        let mut start: String = scrubbed.chars().take(100).collect();
        if scrubbed.chars().count() > 100 || bytes.len() > 400 {
            start.push('…');
        }
        let start = if start.is_empty() {
            "an empty body".to_string()
        } else {
            format!("`{start}`")
        };
        FetchError::NotJson {
            url,
            content_type,
            start,
        }
    }
}

/// Whether a failure to get a response is worth sending the request again.
fn retried(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::Protocol(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
    )
}

/// Whether a failure says there is no server at the URL (rather than a connection lost).
fn unreachable(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
        ),
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        _ => false,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// How long to wait before asking again, if the answer says the rate limit is used up: a 429, or
/// a 403 with `X-RateLimit-Remaining: 0` or `Retry-After` (GitHub's secondary limits); the wait
/// is `Retry-After` seconds, or until `X-RateLimit-Reset` (Unix seconds), or a minute.
fn rate_limit_wait(status: u16, headers: &HeaderMap) -> Option<Duration> {
    let retry_after = header(headers, "retry-after").and_then(|s| s.parse::<u64>().ok());
    let exhausted = header(headers, "x-ratelimit-remaining") == Some("0");
    if !(status == 429 || (status == 403 && (exhausted || retry_after.is_some()))) {
        return None;
    }
    if let Some(seconds) = retry_after {
        return Some(Duration::from_secs(seconds));
    }
    let reset = header(headers, "x-ratelimit-reset").and_then(|s| s.parse::<i64>().ok());
    Some(match reset {
        Some(reset) => {
            let left = reset.saturating_sub(Timestamp::now().as_second());
            Duration::from_secs(left.max(0) as u64 + 1)
        }
        None => Duration::from_mins(1),
    })
}

/// The `rel="next"` URL of a `Link` header.
fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_string())
        })
}

#[derive(Deserialize)]
struct JiraPage {
    #[serde(rename = "startAt")]
    start: Option<u64>,
    total: Option<u64>,
    #[serde(rename = "isLast")]
    is_last: Option<bool>,
    issues: Option<Vec<IgnoredAny>>,
    values: Option<Vec<IgnoredAny>>,
}

/// The `startAt` of the page after a Jira page, if there is one.
fn start_at_next(bytes: &[u8]) -> Option<u64> {
    let page: JiraPage = serde_json::from_slice(bytes).ok()?;
    let count = page.issues.or(page.values).map_or(0, |items| items.len()) as u64;
    let next = page.start.unwrap_or(0) + count;
    let more =
        count > 0 && page.is_last != Some(true) && page.total.is_none_or(|total| next < total);
    more.then_some(next)
}

#[derive(Deserialize)]
struct TokenPage {
    #[serde(rename = "nextPageToken")]
    next: Option<String>,
    #[serde(rename = "isLast")]
    is_last: Option<bool>,
}

/// The `nextPageToken` of a Jira Cloud search page, if another page follows.
fn next_page_token(bytes: &[u8]) -> Option<String> {
    let page: TokenPage = serde_json::from_slice(bytes).ok()?;
    page.next
        .filter(|token| !token.is_empty() && page.is_last != Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_echoed_back_is_scrubbed_as_the_header_the_credentials_or_the_secret() {
        let token = Token::new("JIRA_TOKEN", "s3cret").with_user("me@example.com");
        let header = token.authorization();
        let credentials = header.strip_prefix("Basic ").unwrap();
        let said = token.scrub(&format!("[{header}] [{credentials}] [s3cret]"));
        assert_eq!(said, "[<token>] [<token>] [<token>]");
        let empty = Token::new("GITHUB_TOKEN", "");
        assert_eq!(empty.scrub("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn the_debug_of_a_token_hides_it() {
        let token = Token::new("GITHUB_TOKEN", "ghp_secret").with_user("me");
        let shown = format!("{token:?}");
        assert!(!shown.contains("ghp_secret") && shown.contains("GITHUB_TOKEN"));
    }

    #[test]
    fn a_body_that_is_not_json_is_said_with_its_type_and_start_never_the_token() {
        assert!(looks_like_json(b"  \n[]") && looks_like_json(b"{\"a\": 1}"));
        assert!(!looks_like_json(b"<html>") && !looks_like_json(b"") && !looks_like_json(b"null"));
        let client = Client::new("https://jira.example", Token::new("JIRA_TOKEN", "s3cret"));
        let mut headers = HeaderMap::new();
        let said = client
            .not_json("https://jira.example/x".into(), &headers, b" \r\n ")
            .to_string();
        assert!(
            said.starts_with("https://jira.example/x: the server answered no content type, not JSON: an empty body"),
            "{said}"
        );
        headers.insert("content-type", "text/plain".parse().unwrap());
        let body = format!("echo: token s3cret\n{}", "x".repeat(500));
        let said = client
            .not_json("https://jira.example/x".into(), &headers, body.as_bytes())
            .to_string();
        assert!(
            said.contains("answered `text/plain`, not JSON: `echo: token <token> xxx")
                && said.contains("xxx…`")
                && !said.contains("s3cret"),
            "{said}"
        );
    }

    #[test]
    fn jira_pages_end_at_their_total_or_is_last() {
        let page = br#"{"startAt": 0, "maxResults": 2, "total": 3, "issues": [{}, {}]}"#;
        assert_eq!(start_at_next(page), Some(2));
        let last = br#"{"startAt": 2, "maxResults": 2, "total": 3, "issues": [{}]}"#;
        assert_eq!(start_at_next(last), None);
        let values = br#"{"startAt": 0, "isLast": true, "values": [{}]}"#;
        assert_eq!(start_at_next(values), None);
    }

    #[test]
    fn jira_cloud_search_pages_end_without_a_token_or_at_is_last() {
        let page = br#"{"issues": [{}], "nextPageToken": "CAEaAggD", "isLast": false}"#;
        assert_eq!(next_page_token(page).as_deref(), Some("CAEaAggD"));
        for last in [
            &br#"{"issues": [{}], "isLast": true}"#[..],
            br#"{"issues": [{}], "nextPageToken": null}"#,
            br#"{"issues": [], "nextPageToken": "x", "isLast": true}"#,
        ] {
            assert_eq!(next_page_token(last), None);
        }
    }
}
