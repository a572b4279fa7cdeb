//! `vsm fetch`: delivery data read from where it lives into the event store.

use std::path::PathBuf;

use anyhow::{Result, bail};
use vsm_app::fetch::{Hosted, Origin, Shipped};
use vsm_core::diagnostic::counted;
use vsm_events::Counts;
use vsm_fetch::jira::Query;
use vsm_fetch::{Client, Progress, Token};

/// Read delivery data (commits, releases, deployments...) into the object-centric event store
/// (OCEL 2.0 in SQLite, which pm4py reads), and print what was read, new, updated, unchanged
/// and skipped. Running it again updates the store in place.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(Debug, clap::Subcommand)]
enum Source {
    Git(Git),
    Github(GitHub),
    Gitlab(GitLab),
    Jira(Jira),
}

/// A GitHub repository: pull requests with their reviews and commits, issues and their events,
/// Actions workflow runs, deployments and their statuses.
#[derive(Debug, clap::Args)]
struct GitHub {
    /// The repository, `OWNER/REPO`.
    repo: String,
    #[command(flatten)]
    hosted: HostedArgs,
}

/// A GitLab project: merge requests with their notes, approvals and commits, pipelines,
/// deployments.
#[derive(Debug, clap::Args)]
struct GitLab {
    /// The project: its path (`group/project`) or its id.
    project: String,
    #[command(flatten)]
    hosted: HostedArgs,
}

/// Jira issues with their changelogs: every status change an event, with its status category
/// (To Do, In Progress, Done).
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("issues").required(true).args(["board", "jql"])))]
struct Jira {
    /// The issues of this agile board.
    #[arg(long, value_name = "N")]
    board: Option<u64>,
    /// The issues this JQL query finds.
    #[arg(long, value_name = "QUERY")]
    jql: Option<String>,
    /// Which Jira the site is, for its search API: `cloud` (`/rest/api/3/search/jql`) or
    /// `server` for Server and Data Center (`/rest/api/2/search`). Default: cloud for
    /// `*.atlassian.net` sites, server for any other.
    #[arg(long, value_name = "EDITION")]
    edition: Option<vsm_fetch::jira::Edition>,
    #[command(flatten)]
    hosted: HostedArgs,
}

/// Where a hosted source is read from, how to sign in, and where it goes.
#[derive(Debug, clap::Args)]
struct HostedArgs {
    /// Read saved API responses from this folder (laid out as the recorded data in
    /// `testdata/api/`) instead of the network.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// The API's address: GitHub Enterprise, a self-managed GitLab, a Jira site (default:
    /// api.github.com, gitlab.com; Jira has none).
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// The environment variable that holds the token (default: GITHUB_TOKEN, GITLAB_TOKEN,
    /// JIRA_TOKEN; Jira Cloud also reads the account's e-mail from JIRA_USER).
    #[arg(long, value_name = "NAME")]
    token_env: Option<String>,
    /// The event store.
    #[arg(short, long, value_name = "FILE", default_value = vsm_events::DEFAULT_PATH)]
    output: PathBuf,
}

/// A local git repository: its commits, its version tags as releases, which release first
/// shipped each commit, and deployments from a file.
#[derive(Debug, clap::Args)]
struct Git {
    /// The repository (any folder of its work tree).
    path: PathBuf,
    /// Which tags are releases, as a glob (`v*`, `release-[0-9]*`); default: version-like
    /// tags (`v1.2.3`, `1.2`, `release-4`, `v2.0.0-rc.1`).
    #[arg(long, value_name = "PATTERN")]
    tags: Option<String>,
    /// A deployments file, CSV or JSON Lines, with the fields id, environment, status,
    /// started, finished and commit.
    #[arg(long, value_name = "FILE")]
    deployments: Option<PathBuf>,
    /// The repository's name in the ids of its releases (`git:NAME/tag/v1.2.0`); default: as
    /// its `origin` remote names it (`owner/name`, or a bundle's file name), else its folder's.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    name: Option<String>,
    /// The event store.
    #[arg(short, long, value_name = "FILE", default_value = vsm_events::DEFAULT_PATH)]
    output: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    let (hosted, flags) = match &args.source {
        Source::Github(github) => (Hosted::GitHub { repo: &github.repo }, &github.hosted),
        Source::Gitlab(gitlab) => (
            Hosted::GitLab {
                project: &gitlab.project,
            },
            &gitlab.hosted,
        ),
        Source::Jira(jira) => {
            let query = match (jira.board, &jira.jql) {
                (Some(board), _) => Query::Board(board),
                (None, Some(jql)) => Query::Jql(jql.clone()),
                (None, None) => unreachable!("clap requires --board or --jql"),
            };
            let edition = jira.edition;
            (Hosted::Jira { query, edition }, &jira.hosted)
        }
        Source::Git(_) => return git(args),
    };
    fetch_hosted(&hosted, flags)
}

fn git(args: &Args) -> Result<()> {
    match &args.source {
        Source::Git(git) => {
            let request = vsm_app::fetch::Git {
                repository: &git.path,
                tags: git.tags.as_deref(),
                deployments: git.deployments.as_deref(),
                name: git.name.as_deref(),
                store: &git.output,
            };
            let fetched = vsm_app::fetch::git(&request, jiff::Timestamp::now(), &mut |said| {
                eprintln!("warning: {said}");
            })?;
            print!("{}", table(&fetched.counts));
            print!("{}", shipped(&fetched.shipped));
            println!(
                "Fetched `{}` into `{}`.",
                git.path.display(),
                git.output.display()
            );
        }
        _ => unreachable!("hosted sources are fetched by fetch_hosted"),
    }
    Ok(())
}

/// Fetches a hosted source, from saved responses or live (progress on a terminal), and prints
/// what the responses held and what the store made of them.
fn fetch_hosted(hosted: &Hosted<'_>, flags: &HostedArgs) -> Result<()> {
    let system = hosted.system();
    let client;
    let origin = match &flags.from {
        Some(dir) => Origin::Saved(dir),
        None => {
            let api_url = match (&flags.api_url, hosted) {
                (Some(url), _) => url.clone(),
                (None, Hosted::GitHub { .. }) => vsm_fetch::github::API_URL.to_string(),
                (None, Hosted::GitLab { .. }) => vsm_fetch::gitlab::API_URL.to_string(),
                (None, Hosted::Jira { .. }) => bail!(
                    "`vsm fetch jira` needs the site's address: pass `--api-url https://YOUR-SITE.atlassian.net` (or read saved responses with --from DIR)"
                ),
            };
            let variable = flags
                .token_env
                .clone()
                .unwrap_or_else(|| format!("{}_TOKEN", system.to_ascii_uppercase()));
            let mut token = Token::from_env(&variable)?;
            if let Hosted::Jira { .. } = hosted
                && let Ok(user) = std::env::var("JIRA_USER")
                && !user.trim().is_empty()
            {
                token = token.with_user(user.trim());
            }
            client = Client::new(&api_url, token);
            Origin::Live(&client)
        }
    };
    let bar = indicatif::ProgressBar::new_spinner();
    let mut pages = 0;
    let mut progress = |event: Progress| match event {
        Progress::Page { .. } => {
            pages += 1;
            bar.set_message(format!("{system}: {pages} pages read"));
            bar.tick();
        }
        // Waits and retries are said on stderr as well, so a piped run is not silent for minutes.
        Progress::RateLimited { url, wait } => {
            let said = format!(
                "{system}: rate limited, waiting {} s as the API asks ({url})",
                wait.as_secs()
            );
            bar.suspend(|| eprintln!("{said}"));
            bar.set_message(said);
            bar.tick();
        }
        Progress::Retrying {
            url,
            attempt,
            wait,
            reason,
        } => {
            let said = format!(
                "{system}: retrying in {} s (attempt {attempt} of {}): {url}: {reason}",
                wait.as_secs(),
                vsm_fetch::ATTEMPTS
            );
            bar.suspend(|| eprintln!("{said}"));
            bar.set_message(said);
            bar.tick();
        }
    };
    let fetched = vsm_app::fetch::hosted(
        hosted,
        origin,
        &flags.output,
        jiff::Timestamp::now(),
        &mut progress,
    );
    bar.finish_and_clear();
    let fetched = fetched?;
    let report = &fetched.report;
    println!(
        "read {} pages, {} items{}",
        report.pages,
        report.items,
        fetched
            .since
            .map_or_else(String::new, |t| format!(" (changed since {t})"))
    );
    if report.items == 0 && fetched.since.is_none() {
        eprintln!(
            "warning: the {system} responses held no items ({} pages read): check the {} and the API URL",
            report.pages,
            match hosted {
                Hosted::GitHub { .. } => "repository",
                Hosted::GitLab { .. } => "project",
                Hosted::Jira { .. } => "board or query",
            }
        );
    }
    for (kind, count) in &report.duplicates {
        println!("  {count} {kind} read twice, kept once");
    }
    for (reason, count) in &report.skipped {
        println!("  skipped {count}: {reason}");
    }
    for (status, count) in &report.unknown_statuses {
        println!(
            "  status {status} is not in the site's status list: {count} changes kept with category `unknown`"
        );
    }
    print!("{}", table(&fetched.counts));
    print!("{}", shipped(&fetched.shipped));
    println!("Fetched {system} into `{}`.", flags.output.display());
    Ok(())
}

/// What the first-shipped links over the whole store came to, and what they could not use.
fn shipped(shipped: &Shipped) -> String {
    let found = &shipped.shipping;
    if shipped.deployments == 0 && shipped.replaced.removed == 0 {
        return String::new();
    }
    // Per environment: each environment ships a commit once, so a sum over environments would
    // count a commit as often as it reached an environment (more than the repository has).
    let environments: Vec<String> = found
        .shipped
        .iter()
        .map(|(environment, n)| {
            format!(
                "{environment} {}, {}",
                counted(*n, "deployment"),
                counted(
                    found.commits.get(environment).copied().unwrap_or(0),
                    "commit"
                )
            )
        })
        .collect();
    let shipping: usize = found.shipped.values().sum();
    let mut out = match (shipping, shipped.deployments) {
        (0, 0) => "first shipped: no commits (the store has no deployments)\n".to_string(),
        (0, deployments) => format!(
            "first shipped: no commits (the store has {}; none first shipped a commit)\n",
            counted(deployments, "deployment")
        ),
        (shipping, deployments) => format!(
            "first shipped: {shipping} of the store's {} first shipped commits, per environment: {}\n",
            counted(deployments, "deployment"),
            environments.join("; "),
        ),
    };
    let not_succeeded: usize = found.not_succeeded.values().sum();
    if not_succeeded > 0 {
        let statuses: Vec<String> = found
            .not_succeeded
            .iter()
            .map(|(status, n)| format!("{status} {n}"))
            .collect();
        out += &format!(
            "  deployments whose status is not a success ship nothing: {not_succeeded} ({})\n",
            statuses.join(", ")
        );
    }
    if let Some(example) = found.without_history.first() {
        out += &format!(
            "  {} a commit whose git history is not in the store: only that commit is linked (e.g. `{example}`); fetch the repository with `vsm fetch git PATH` into the same store to link its ancestors\n",
            match found.without_history.len() {
                1 => "1 deployment deploys".to_string(),
                n => format!("{n} deployments deploy"),
            }
        );
    }
    for (reason, n) in &found.left_out {
        out += &format!("  {} left out: {reason}\n", counted(*n, "deployment"));
    }
    if shipped.replaced.removed > 0 {
        out += &format!(
            "  {} deployed_by links taken away: another deployment shipped those commits first\n",
            shipped.replaced.removed
        );
    }
    out
}

/// The counts per type, aligned, then each reason something was skipped.
fn table(counts: &Counts) -> String {
    let rows = counts.rows();
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    // A column of what was taken away (a deleted tag's release, a corrected link) when there is
    // some.
    let removed = rows.iter().any(|(_, t)| t.removed > 0);
    let removed_column = |n: &dyn std::fmt::Display| {
        if removed {
            format!("  {n:>7}")
        } else {
            String::new()
        }
    };
    let mut out = format!(
        "{:width$}  {:>7}  {:>7}  {:>7}  {:>9}  {:>7}{}\n",
        "",
        "read",
        "new",
        "updated",
        "unchanged",
        "skipped",
        removed_column(&"removed")
    );
    let mut reasons = String::new();
    for (label, t) in &rows {
        out.push_str(&format!(
            "{label:width$}  {:>7}  {:>7}  {:>7}  {:>9}  {:>7}{}\n",
            t.read,
            t.new,
            t.updated,
            t.unchanged,
            t.skipped_count(),
            removed_column(&t.removed)
        ));
        for (reason, skipped) in &t.skipped {
            reasons.push_str(&format!(
                "skipped {} {label}: {reason} (e.g. `{}`)\n",
                skipped.count, skipped.example
            ));
        }
    }
    out + &reasons
}
