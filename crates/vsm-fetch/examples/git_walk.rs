//! Times the git source on a repository: the walk alone (every commit and tag read) next to
//! `git log --all --format='%H %P %at %ct %an'` (the same fields, printed to /dev/null), and
//! the whole fetch into a new event store (walk, releases, batches, SQLite), then the same
//! fetch again over that store (everything unchanged). Used by `bench/git-walk.sh`.
//!
//!     cargo run --profile bench -p vsm-fetch --example git_walk -- REPO [RUNS]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vsm_events::Store;
use vsm_fetch::git::{self, Options};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn fetch(repo: &std::path::Path, store: &std::path::Path) -> usize {
    let mut store = Store::open(store).expect("the store opens");
    let mut written = 0;
    for batch in git::read(repo, &Options::default()).expect("the repository reads") {
        let counts = store.write(&batch).expect("the batch is written");
        written += counts.rows().iter().map(|(_, t)| t.new).sum::<usize>();
    }
    written
}

fn main() {
    let mut args = std::env::args().skip(1);
    let repo = PathBuf::from(args.next().expect("usage: git_walk REPO [RUNS]"));
    let runs: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("RUNS is a number"));
    let (mut logs, mut walks) = (Vec::new(), Vec::new());
    let mut commits = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let log = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["log", "--all", "--format=%H %P %at %ct %an"])
            .stdout(Stdio::null())
            .status()
            .expect("git runs");
        assert!(log.success(), "git log failed");
        logs.push(start.elapsed());
        let start = Instant::now();
        let history = git::walk(&repo).expect("the repository reads");
        walks.push(start.elapsed());
        commits = history.commits.len();
    }
    let dir = std::env::temp_dir().join(format!("vsm-git-walk-{}", std::process::id()));
    let (mut fresh, mut again) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for run in 0..runs.min(3) {
        let store = dir.join(format!("events-{run}.sqlite"));
        let start = Instant::now();
        rows = fetch(&repo, &store);
        fresh.push(start.elapsed());
        let start = Instant::now();
        assert_eq!(fetch(&repo, &store), 0, "a second fetch adds nothing");
        again.push(start.elapsed());
    }
    std::fs::remove_dir_all(&dir).ok();
    println!("commits walked: {commits}");
    println!(
        "git log --all (median of {runs}): {} ms",
        median(logs).as_millis()
    );
    println!("walk (median of {runs}): {} ms", median(walks).as_millis());
    println!(
        "fetch into a new store ({rows} rows added): {} ms",
        median(fresh).as_millis()
    );
    println!(
        "fetch again, all unchanged: {} ms",
        median(again).as_millis()
    );
}
