//! `vsm fetch`: delivery data read from where it lives into the event store.

use std::path::PathBuf;

use anyhow::Result;
use vsm_events::Counts;

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
    /// The event store.
    #[arg(short, long, value_name = "FILE", default_value = vsm_events::DEFAULT_PATH)]
    output: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    match &args.source {
        Source::Git(git) => {
            let request = vsm_app::fetch::Git {
                repository: &git.path,
                tags: git.tags.as_deref(),
                deployments: git.deployments.as_deref(),
                store: &git.output,
            };
            let counts = vsm_app::fetch::git(&request, jiff::Timestamp::now())?;
            print!("{}", table(&counts));
            println!(
                "Fetched `{}` into `{}`.",
                git.path.display(),
                git.output.display()
            );
        }
    }
    Ok(())
}

/// The counts per type, aligned, then each reason something was skipped.
fn table(counts: &Counts) -> String {
    let rows = counts.rows();
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let mut out = format!(
        "{:width$}  {:>7}  {:>7}  {:>7}  {:>9}  {:>7}\n",
        "", "read", "new", "updated", "unchanged", "skipped"
    );
    let mut reasons = String::new();
    for (label, t) in &rows {
        out.push_str(&format!(
            "{label:width$}  {:>7}  {:>7}  {:>7}  {:>9}  {:>7}\n",
            t.read,
            t.new,
            t.updated,
            t.unchanged,
            t.skipped_count()
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
