//! Fetching: a source read into batches, written to the event store one transaction each, and
//! what that did, counted. After a fetch of git, GitHub or GitLab, which deployment first
//! shipped each commit is computed again over the whole store ([`ship`]), and after every fetch
//! the links from issues to the pull requests that mention them ([`link_mentions`]).

use std::path::Path;

use anyhow::Result;
use vsm_events::{Counts, Cursor, Store};

/// What `vsm fetch git` reads, and where it writes.
#[derive(Clone, Copy, Debug)]
pub struct Git<'a> {
    /// The repository (any folder inside its work tree).
    pub repository: &'a Path,
    /// Which tags are releases: a glob; `None` for version-like tags.
    pub tags: Option<&'a str>,
    /// A deployments file (CSV or JSON Lines).
    pub deployments: Option<&'a Path>,
    /// The repository's name in release ids; `None`: as its `origin` remote names it, else
    /// its folder's name.
    pub name: Option<&'a str>,
    /// The event store's file.
    pub store: &'a Path,
}

/// What a fetch of a repository did.
#[derive(Debug)]
pub struct GitFetched {
    /// What the writes did, per type (with the `deployed_by` links computed after them).
    pub counts: Counts,
    /// Which deployments first shipped which commits, computed over the whole store.
    pub shipped: Shipped,
}

/// Reads the repository and writes it to the store: the commits in batches, then the releases
/// and deployments with their links and the fetch's record (source `git:<absolute path>`),
/// each batch in one transaction; then the first-shipped links over the whole store. Gives
/// what the writes did, per type; `note` hears what read nothing though it could have (no
/// commits, a tag pattern that matches no tag).
pub fn git(
    request: &Git<'_>,
    now: jiff::Timestamp,
    note: &mut dyn FnMut(String),
) -> Result<GitFetched> {
    let options = vsm_fetch::git::Options {
        tags: request.tags.map(str::to_string),
        deployments: request.deployments.map(Path::to_path_buf),
        name: request.name.map(str::to_string),
    };
    let batches = vsm_fetch::git::read_noting(request.repository, &options, note)?;
    let mut store = Store::open(request.store)?;
    let source = format!("git:{}", std::path::absolute(request.repository)?.display());
    let mut counts = Counts::default();
    let last = batches.len().saturating_sub(1);
    for (n, batch) in batches.iter().enumerate() {
        let written = if n == last {
            store.write_fetched(
                batch,
                &Cursor {
                    source: &source,
                    cursor: None,
                    fetched_at: now,
                },
            )?
        } else {
            store.write(batch)?
        };
        counts.add(&written);
    }
    let shipped = ship(&mut store)?;
    shipped.count_into(&mut counts);
    link_mentions(&mut store)?.count_into(&mut counts);
    flag_incidents(&mut store, &mut counts)?;
    Ok(GitFetched { counts, shipped })
}

/// What computing the first-shipped links over the store found and did.
#[derive(Debug, Default)]
pub struct Shipped {
    /// The deployments in the store.
    pub deployments: usize,
    /// What the computation used and left out (its links are in the store now).
    pub shipping: vsm_fetch::shipped::Shipping,
    /// What replacing the store's `deployed_by` links did.
    pub replaced: vsm_events::Replaced,
}

impl Shipped {
    /// Adds the `deployed_by` row to `counts` when there is something to say.
    fn count_into(&self, counts: &mut Counts) {
        if self.replaced.tally.read > 0 || self.replaced.removed > 0 {
            let mut links = Counts::default();
            links.relations.insert(
                vsm_fetch::shipped::DEPLOYED_BY.to_string(),
                self.replaced.tally.clone(),
            );
            counts.add(&links);
        }
    }
}

/// Computes again, over every deployment and commit of the store, which deployment first
/// shipped each commit (per environment, in order of start; see [`vsm_fetch::shipped`]), and
/// makes those the store's only `deployed_by` links, in one transaction: running it again
/// changes nothing.
pub fn ship(store: &mut Store) -> Result<Shipped> {
    let deployments = store.deployments()?;
    if deployments.is_empty() && store.relations(vsm_fetch::shipped::DEPLOYED_BY)?.is_empty() {
        return Ok(Shipped::default());
    }
    let commits = store.commits()?;
    let mut shipping = vsm_fetch::shipped::first_shipped(&commits, &deployments);
    let links = std::mem::take(&mut shipping.links);
    let replaced = store.replace_relations(vsm_fetch::shipped::DEPLOYED_BY, &links)?;
    Ok(Shipped {
        deployments: deployments.len(),
        shipping,
        replaced,
    })
}

/// What making the `implemented_by` links from the pull requests' mentions did: the links there
/// now, and the mentions whose issue is not in the store (skipped, with that reason).
#[derive(Debug, Default)]
pub struct Linked {
    pub replaced: vsm_events::Replaced,
}

impl Linked {
    /// Adds the `implemented_by` row to `counts` when there is something to say.
    fn count_into(&self, counts: &mut Counts) {
        if self.replaced.tally.read > 0 || self.replaced.removed > 0 {
            let mut tally = self.replaced.tally.clone();
            tally.removed = self.replaced.removed;
            // The pull requests are in the store: only an issue can be missing.
            if let Some(skipped) = tally
                .skipped
                .remove("its source object is not in the store")
            {
                tally.skipped.insert(
                    "the issue a pull request mentions is not in the store (yet: fetch its tracker and the link is made)".into(),
                    skipped,
                );
            }
            let mut links = Counts::default();
            links
                .relations
                .insert(vsm_fetch::IMPLEMENTED_BY.to_string(), tally);
            counts.add(&links);
        }
    }
}

/// Makes, over the whole store, an `implemented_by` link from each issue a pull request
/// mentions to the pull request, for every mentioned issue that is in the store, and makes those
/// the store's only `implemented_by` links, in one transaction: whichever of the pull request
/// and the issue was fetched first, the link is there once both are. A mention whose issue is not
/// in the store is counted as skipped.
pub fn link_mentions(store: &mut Store) -> Result<Linked> {
    let mentions = store.mentions()?;
    let links = vsm_fetch::mentioned_links(&mentions);
    if links.is_empty() && store.relations(vsm_fetch::IMPLEMENTED_BY)?.is_empty() {
        return Ok(Linked::default());
    }
    let replaced = store.replace_relations(vsm_fetch::IMPLEMENTED_BY, &links)?;
    Ok(Linked { replaced })
}

/// Makes, over the whole store, the incidents its issues record (an issue labelled `incident`
/// or of the Jira type `Incident`, see [`vsm_fetch::flagged`]), replacing the ones there: an
/// issue fetched with the label, or without it since, says so in the store whichever source
/// wrote it. Adds what it did to `counts`.
pub fn flag_incidents(store: &mut Store, counts: &mut Counts) -> Result<()> {
    let issues = store.issues()?;
    let batch = vsm_fetch::flagged::incidents(&issues);
    if batch.objects.is_empty() && store.relations(vsm_fetch::flagged::RECORDS)?.is_empty() {
        return Ok(());
    }
    let written = store.write(&batch)?;
    counts.add(&written);
    Ok(())
}

/// A hosted system and what to read of it.
#[derive(Clone, Debug)]
pub enum Hosted<'a> {
    /// A GitHub repository, `OWNER/REPO`.
    GitHub { repo: &'a str },
    /// A GitLab project, by path (`group/project`) or id.
    GitLab { project: &'a str },
    /// Jira issues: a board's or a JQL query's, from Jira Cloud or Server (`None`: as the
    /// site's address says, see [`vsm_fetch::jira::Edition::of_site`]).
    Jira {
        query: vsm_fetch::jira::Query,
        edition: Option<vsm_fetch::jira::Edition>,
    },
}

impl Hosted<'_> {
    /// The system's name in messages and in the store's fetch records.
    pub fn system(&self) -> &'static str {
        match self {
            Hosted::GitHub { .. } => "github",
            Hosted::GitLab { .. } => "gitlab",
            Hosted::Jira { .. } => "jira",
        }
    }

    /// What is read, as the store's fetch record names it: `github:https://api.github.com/OWNER/REPO`.
    fn source(&self, api_url: &str) -> String {
        let what = match self {
            Hosted::GitHub { repo } => vsm_fetch::github::repo_key(repo),
            Hosted::GitLab { project } => vsm_fetch::github::repo_key(project),
            Hosted::Jira {
                query: vsm_fetch::jira::Query::Board(board),
                ..
            } => format!("board/{board}"),
            Hosted::Jira {
                query: vsm_fetch::jira::Query::Jql(jql),
                ..
            } => format!("jql/{jql}"),
        };
        format!("{}:{}/{what}", self.system(), api_url.trim_end_matches('/'))
    }
}

/// Where a hosted source is read from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// Saved API responses, laid out as the recorded data (`testdata/api/github`...).
    Saved(&'a Path),
    /// The live API; a second run asks only for what changed since the first.
    Live(&'a vsm_fetch::Client),
}

/// Reads `hosted` from its live API through `client`, from `since` (the cursor of the last
/// run) on: what `vsm fetch` reads, and the team server's scheduled pulls.
pub fn live(
    hosted: &Hosted<'_>,
    client: &vsm_fetch::Client,
    since: Option<jiff::Timestamp>,
    progress: &mut dyn FnMut(vsm_fetch::Progress),
) -> Result<(vsm_events::Batch, vsm_fetch::Report, vsm_fetch::Cursor), vsm_fetch::FetchError> {
    match hosted {
        Hosted::GitHub { repo } => vsm_fetch::github::fetch(client, repo, since, progress),
        Hosted::GitLab { project } => vsm_fetch::gitlab::fetch(client, project, since, progress),
        Hosted::Jira { query, edition } => {
            let edition =
                edition.unwrap_or_else(|| vsm_fetch::jira::Edition::of_site(client.api_url()));
            vsm_fetch::jira::fetch(client, edition, query, since, progress)
        }
    }
}

/// What a fetch of a hosted source did.
#[derive(Debug)]
pub struct Fetched {
    /// What the writes did, per type.
    pub counts: Counts,
    /// What the responses held: pages, items, duplicates, items skipped and why.
    pub report: vsm_fetch::Report,
    /// The time a live run asked from (the previous run's latest update), if incremental.
    pub since: Option<jiff::Timestamp>,
    /// Which deployments first shipped which commits (GitHub and GitLab), over the whole store.
    pub shipped: Shipped,
}

/// Reads `hosted` from `origin` and writes what it holds to the store at `store` in one
/// transaction, with the fetch's record: for a live run, the cursor the next run asks from.
/// Nothing is written when reading fails.
pub fn hosted(
    hosted: &Hosted<'_>,
    origin: Origin<'_>,
    store: &Path,
    now: jiff::Timestamp,
    progress: &mut dyn FnMut(vsm_fetch::Progress),
) -> Result<Fetched> {
    let (batch, report, since, cursor, source) = match origin {
        Origin::Saved(dir) => {
            let (batch, report) = match hosted {
                Hosted::GitHub { repo } => vsm_fetch::github::from_dir(dir, repo),
                Hosted::GitLab { project } => vsm_fetch::gitlab::from_dir(dir, project),
                Hosted::Jira { query, .. } => vsm_fetch::jira::from_dir(dir, query),
            }?;
            if report.pages == 0 {
                anyhow::bail!(
                    "`{}` holds no saved {} responses; give the folder laid out as the recorded data (for {} e.g. `{}/page-001.json`, with `api-pages.json` beside it or in its parent)",
                    dir.display(),
                    hosted.system(),
                    hosted.system(),
                    match hosted {
                        Hosted::GitHub { .. } => "pull_requests",
                        Hosted::GitLab { .. } => "merge_requests",
                        Hosted::Jira { .. } => "issues",
                    }
                );
            }
            let source = hosted.source(&format!("file://{}", std::path::absolute(dir)?.display()));
            (batch, report, None, None, source)
        }
        Origin::Live(client) => {
            let source = hosted.source(client.api_url());
            // Read the cursor without creating the store: a failed first fetch leaves no file.
            let since = if store.exists() {
                Store::open(store)?
                    .cursor(&source)?
                    .and_then(|text| text.parse::<jiff::Timestamp>().ok())
            } else {
                None
            };
            let (batch, report, next) = live(hosted, client, since, progress)?;
            let cursor = next.since.or(since).map(|t| t.to_string());
            (batch, report, since, cursor, source)
        }
    };
    let mut store = Store::open(store)?;
    let mut counts = store.write_fetched(
        &batch,
        &Cursor {
            source: &source,
            cursor: cursor.as_deref(),
            fetched_at: now,
        },
    )?;
    let shipped = match hosted {
        Hosted::Jira { .. } => Shipped::default(),
        Hosted::GitHub { .. } | Hosted::GitLab { .. } => ship(&mut store)?,
    };
    shipped.count_into(&mut counts);
    link_mentions(&mut store)?.count_into(&mut counts);
    flag_incidents(&mut store, &mut counts)?;
    Ok(Fetched {
        counts,
        report,
        since,
        shipped,
    })
}
