//! Jira's live fetch: the site's edition, the JQL of a run, and the pages asked for.

use jiff::Timestamp;
use serde::Deserialize;
use vsm_events::Batch;

use super::{Query, Statuses, changelog, issues, statuses};
use crate::collect::Report;
use crate::http::{Client, FetchError, Paging, Progress, encode};
use crate::live::{Cursor, Fetch, Times};

/// Which Jira answers: the search API differs. Jira Cloud removed `GET /rest/api/2|3/search`
/// (paged by `startAt`) in 2025 for `GET /rest/api/3/search/jql` (paged by `nextPageToken`, and
/// giving only the fields asked for); Jira Server and Data Center keep `/rest/api/2/search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edition {
    /// Jira Cloud (`https://SITE.atlassian.net`).
    Cloud,
    /// Jira Server or Data Center (a site of one's own).
    Server,
}

impl Edition {
    /// The edition a site's address says: Cloud for `*.atlassian.net` (and the older
    /// `*.jira.com`), Server or Data Center for any other.
    pub fn of_site(api_url: &str) -> Edition {
        let origin = crate::url::origin(api_url);
        let host = origin.rsplit("://").next().unwrap_or(origin);
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let cloud = [".atlassian.net", ".jira.com"]
            .iter()
            .any(|domain| host.ends_with(domain));
        if cloud {
            Edition::Cloud
        } else {
            Edition::Server
        }
    }
}

impl std::str::FromStr for Edition {
    type Err = String;

    fn from_str(text: &str) -> Result<Edition, String> {
        match text.to_ascii_lowercase().as_str() {
            "cloud" => Ok(Edition::Cloud),
            "server" | "datacenter" | "data-center" | "dc" => Ok(Edition::Server),
            _ => Err(format!(
                "`{text}` is not a Jira edition: give `cloud` (Jira Cloud) or `server` (Jira Server or Data Center)"
            )),
        }
    }
}

/// The fields a fetch asks for: what [`issues`] reads, and `updated` for the cursor (Cloud's
/// search gives only the fields named).
const FIELDS: &str = "summary,created,updated,status,issuetype,project";

#[derive(Deserialize)]
struct Cut {
    issues: Vec<CutIssue>,
}

#[derive(Deserialize)]
struct CutIssue {
    id: String,
    key: String,
    changelog: Option<CutChangelog>,
}

#[derive(Deserialize)]
struct CutChangelog {
    total: Option<usize>,
    #[serde(default)]
    histories: Vec<serde::de::IgnoredAny>,
}

/// The issues of a page whose embedded changelog is cut short: their id and key.
fn cut_short(page: &[u8]) -> Vec<(String, String)> {
    let Ok(page) = serde_json::from_slice::<Cut>(page) else {
        return Vec::new();
    };
    page.issues
        .into_iter()
        .filter(|issue| {
            issue
                .changelog
                .as_ref()
                .is_some_and(|c| c.total.is_some_and(|total| total > c.histories.len()))
        })
        .map(|issue| (issue.id, issue.key))
        .collect()
}

/// The JQL of a fetch: the query's (a board's: all its issues), and with `since`, only issues
/// updated since a day before it (JQL reads times in the user's time zone; a day covers any).
pub(super) fn jql(query: &Query, since: Option<Timestamp>) -> String {
    let (filter, order) = match query {
        Query::Board(_) => (String::new(), "ORDER BY created ASC".to_string()),
        Query::Jql(text) => match text.to_ascii_lowercase().find("order by") {
            Some(at) => (text[..at].trim().to_string(), text[at..].trim().to_string()),
            None => (text.trim().to_string(), String::new()),
        },
    };
    let updated = since.map(|since| {
        let from = since
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(since);
        format!("updated >= '{}'", from.strftime("%Y/%m/%d %H:%M"))
    });
    let filter = match (filter.is_empty(), updated) {
        (_, None) => filter,
        (true, Some(updated)) => updated,
        (false, Some(updated)) => format!("({filter}) AND {updated}"),
    };
    [filter, order]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fetches issues from Jira: the site's statuses, then the board's or the query's issues with
/// their changelogs, every page; an issue whose embedded changelog is cut short has the rest read
/// from `/rest/api/3/issue/ID/changelog`. With `since` (the [`Cursor`] of the last run), only
/// issues updated since (see [`jql`]'s day of margin). A JQL query asks the search of the
/// site's `edition`. The client's token is sent as bearer (Server, Data Center) or, with a
/// user, basic auth (Cloud).
pub fn fetch(
    client: &Client,
    edition: Edition,
    query: &Query,
    since: Option<Timestamp>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Batch, Report, Cursor), FetchError> {
    let mut known = Statuses::default();
    let url = client.url("/rest/api/2/status");
    client.pages(url, Paging::Single, progress, |bytes, url| {
        known.extend(statuses(bytes).map_err(|e| e.in_file(&crate::url::shown(url)))?);
        Ok(true)
    })?;
    let mut run = Fetch::new(client, since, progress);
    let jql = encode(&jql(query, since));
    let (path, paging) = match (query, edition) {
        (Query::Board(board), _) => (
            format!(
                "/rest/agile/1.0/board/{board}/issue?expand=changelog&jql={jql}&maxResults=100&startAt=0"
            ),
            Paging::StartAt,
        ),
        (Query::Jql(_), Edition::Cloud) => (
            format!(
                "/rest/api/3/search/jql?expand=changelog&fields={FIELDS}&jql={jql}&maxResults=100"
            ),
            Paging::NextPageToken,
        ),
        (Query::Jql(_), Edition::Server) => (
            format!("/rest/api/2/search?expand=changelog&jql={jql}&maxResults=100&startAt=0"),
            Paging::StartAt,
        ),
    };
    let times = Some(Times {
        list: Some("issues"),
        field: &["fields", "updated"],
    });
    let mut short = Vec::new();
    run.endpoint(&path, paging, times, None, |bytes| {
        short.extend(cut_short(bytes));
        issues(bytes, &known)
    })?;
    for (id, key) in &short {
        let path = format!(
            "/rest/api/3/issue/{}/changelog?maxResults=100&startAt=0",
            encode(id)
        );
        run.endpoint(&path, Paging::StartAt, None, None, |bytes| {
            changelog(bytes, key, &known)
        })?;
    }
    Ok(run.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlassian_net_sites_are_cloud_and_others_server() {
        for (site, edition) in [
            ("https://acme.atlassian.net", Edition::Cloud),
            ("https://ACME.Atlassian.NET/", Edition::Cloud),
            ("https://old.jira.com", Edition::Cloud),
            ("https://jira.acme.com", Edition::Server),
            ("https://atlassian.net.evil.example", Edition::Server),
            ("http://127.0.0.1:8080/jira", Edition::Server),
        ] {
            assert_eq!(Edition::of_site(site), edition, "{site}");
        }
        assert_eq!("Cloud".parse(), Ok(Edition::Cloud));
        assert!("saas".parse::<Edition>().unwrap_err().contains("`saas`"));
    }

    #[test]
    fn incremental_jql_keeps_the_query_and_its_order() {
        let since: Timestamp = "2024-03-02T10:30:00Z".parse().unwrap();
        assert_eq!(jql(&Query::Board(8), None), "ORDER BY created ASC");
        assert_eq!(
            jql(&Query::Board(8), Some(since)),
            "updated >= '2024/03/01 10:30' ORDER BY created ASC"
        );
        let query = Query::Jql("project = EE order by rank".into());
        assert_eq!(
            jql(&query, Some(since)),
            "(project = EE) AND updated >= '2024/03/01 10:30' order by rank"
        );
    }

    #[test]
    fn issues_whose_changelog_is_cut_short_are_found() {
        let page = br#"{"issues": [
            {"id": "1", "key": "A-1", "changelog": {"total": 3, "histories": [{}, {}]}},
            {"id": "2", "key": "A-2", "changelog": {"total": 1, "histories": [{}]}},
            {"id": "3", "key": "A-3"}]}"#;
        assert_eq!(cut_short(page), [("1".to_string(), "A-1".to_string())]);
    }
}
