//! The story every backend tells the same way (atuin's `db_story`): what the CLI and a server
//! rely on, told through the URL that picks the backend, so a new backend passes the same test
//! by adding one line to [`backends`].

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use vsm_store::{NewSnapshot, Snapshot, Store};

/// Each backend the story runs on: its name and the URL of a database to tell it in, or `None`
/// to skip it (a server this machine does not have). A backend joins with one line, e.g.
/// PostgreSQL's: `("postgres", std::env::var("VSM_TEST_POSTGRES_URL").ok()),`. The story keeps
/// to maps of its own, so a server database shared with other runs will do.
fn backends(dir: &Path) -> Vec<(&'static str, Option<String>)> {
    vec![(
        "sqlite",
        Some(format!("sqlite://{}", dir.join("story.db").display())),
    )]
}

#[test]
fn every_backend_tells_the_same_story() {
    let dir = tempfile::tempdir().unwrap();
    for (name, url) in backends(dir.path()) {
        match url {
            Some(url) => tell(&url),
            None => eprintln!("the story skipped {name}: no database to tell it in"),
        }
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A snapshot as the story saves it, and as it expects it back.
struct Saved {
    map: String,
    taken_at: Timestamp,
    commit: Option<String>,
    dirty: bool,
    analysis: String,
    metrics: Vec<(String, f64)>,
}

impl Saved {
    fn new(map: &str, taken_at: &str, salt: f64) -> Saved {
        // Unsorted, with a step id that holds dots and one that is not ASCII.
        let metrics = vec![
            ("steps.v1.2.wait_time".to_string(), 3_600.0 * salt),
            ("lead_time".to_string(), 86_400.0 + salt),
            ("steps.prüfen.complete_accurate".to_string(), 80.0 + salt),
            ("activity_ratio".to_string(), 12.5),
        ];
        let steps: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    r#"{{"id": "step-{i}", "wait_time_seconds": {}}}"#,
                    i * 7 % 97
                )
            })
            .collect();
        Saved {
            map: map.to_string(),
            taken_at: at(taken_at),
            commit: (salt > 1.0).then(|| format!("{:040x}", salt as u64)),
            dirty: salt > 2.0,
            analysis: format!(
                r#"{{"name": "{map} – Prüfung", "salt": {salt}, "steps": [{}]}}"#,
                steps.join(", ")
            ),
            metrics,
        }
    }

    fn save(&self, store: &dyn Store) -> i64 {
        store
            .save(&NewSnapshot {
                map: &self.map,
                file: "maps/story.yaml",
                taken_at: self.taken_at,
                commit: self.commit.as_deref(),
                dirty: self.dirty,
                analysis: &self.analysis,
                metrics: &self.metrics,
            })
            .unwrap()
    }

    fn stored(&self, id: i64) -> Snapshot {
        let mut metrics = self.metrics.clone();
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot {
            id,
            map: self.map.clone(),
            file: "maps/story.yaml".to_string(),
            taken_at: self.taken_at,
            commit: self.commit.clone(),
            dirty: self.dirty,
            metrics,
        }
    }
}

fn tell(url: &str) {
    let run = format!(
        "{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    );
    let orders = format!("Story orders {run}");
    let billing = format!("Story billing {run}");
    let store: Arc<dyn Store> = Arc::from(vsm_store::open(url).unwrap());

    // Two maps; one map's snapshots saved out of time order.
    let later = Saved::new(&orders, "2026-11-20T09:00:00Z", 3.0);
    let earliest = Saved::new(&orders, "2026-11-06T09:00:00Z", 1.0);
    let middle = Saved::new(&orders, "2026-11-13T09:00:00Z", 2.0);
    let other = Saved::new(&billing, "2026-11-13T09:00:00Z", 4.0);
    let saved: Vec<(i64, &Saved)> = [&later, &earliest, &other, &middle]
        .into_iter()
        .map(|s| (s.save(store.as_ref()), s))
        .collect();
    let id = |s: &Saved| saved.iter().find(|(_, t)| std::ptr::eq(*t, s)).unwrap().0;

    // History: oldest first, each snapshot whole; the latest; nothing for an unknown map.
    let history = store.history(&orders).unwrap();
    assert_eq!(
        history,
        [
            earliest.stored(id(&earliest)),
            middle.stored(id(&middle)),
            later.stored(id(&later))
        ]
    );
    assert_eq!(history[0].metric("steps.v1.2.wait_time"), Some(3_600.0));
    assert_eq!(store.history(&billing).unwrap(), [other.stored(id(&other))]);
    assert_eq!(
        store.latest(&orders).unwrap(),
        Some(later.stored(id(&later)))
    );
    assert_eq!(store.latest(&format!("Story none {run}")).unwrap(), None);
    assert_eq!(store.history(&format!("Story none {run}")).unwrap(), []);

    // Analyses come back as saved; an unknown snapshot has none.
    for (id, s) in &saved {
        assert_eq!(
            store.analysis(*id).unwrap().as_deref(),
            Some(&s.analysis[..])
        );
    }
    let highest = saved.iter().map(|(id, _)| *id).max().unwrap();
    assert_eq!(store.analysis(highest + 1_000).unwrap(), None);

    // The maps with snapshots, sorted.
    let maps: Vec<String> = store
        .maps()
        .unwrap()
        .into_iter()
        .filter(|m| m.ends_with(&run))
        .collect();
    assert_eq!(maps, [billing.clone(), orders.clone()]);

    // Two snapshots taken in the same second: the one saved last is the latest.
    let twin = Saved::new(&orders, "2026-11-20T09:00:00Z", 5.0);
    let twin_id = twin.save(store.as_ref());
    assert_eq!(store.latest(&orders).unwrap(), Some(twin.stored(twin_id)));

    // A reader opened on its own sees the same.
    let reader = vsm_store::open_read_only(url).unwrap();
    assert_eq!(
        reader.history(&orders).unwrap(),
        store.history(&orders).unwrap()
    );
    drop(reader);

    // Readers on threads, sharing the store, while a writer adds snapshots: every read sees a
    // whole history in time order, never shorter than the one before it.
    let before = store.history(&orders).unwrap().len();
    const ADDED: usize = 20;
    let writer = {
        let store = Arc::clone(&store);
        let orders = orders.clone();
        std::thread::spawn(move || {
            for day in 0..ADDED {
                let taken_at = format!("2026-12-{:02}T09:00:00Z", day + 1);
                Saved::new(&orders, &taken_at, 1.0).save(store.as_ref());
            }
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            let orders = orders.clone();
            std::thread::spawn(move || {
                let mut seen = 0;
                for _ in 0..50 {
                    let history = store.history(&orders).unwrap();
                    assert!(
                        (before..=before + ADDED).contains(&history.len()) && history.len() >= seen,
                        "{} snapshots after {seen}",
                        history.len()
                    );
                    seen = history.len();
                    assert!(history.windows(2).all(|w| w[0].taken_at <= w[1].taken_at));
                    assert!(history.iter().all(|s| s.metrics.len() == 4));
                    let latest = store.latest(&orders).unwrap().unwrap();
                    assert!(store.analysis(latest.id).unwrap().is_some());
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(store.history(&orders).unwrap().len(), before + ADDED);
}
