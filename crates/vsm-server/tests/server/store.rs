//! The stores themselves: migrations run once and a newer schema is refused; secrets are kept
//! hashed; webhook sources and deliveries, each delivery stored once.

use crate::common::{admin, postgres, sqlite};
use vsm_server::store::{
    Check, NewDelivery, NewVersion, Recorded, Source, SourceKind, StoreError, postgres::Postgres,
    sqlite::Sqlite,
};

#[tokio::test]
async fn sqlite_migrates_once_and_refuses_a_newer_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("server.sqlite");
    drop(Sqlite::open(&path).await.unwrap());
    drop(Sqlite::open(&path).await.unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let versions: i64 = connection
        .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 5, "migrated once: one row per migration");
    connection
        .execute("INSERT INTO schema_version (version) VALUES (99)", [])
        .unwrap();
    drop(connection);
    let error = Sqlite::open(&path).await.unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found: 99, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("run a newer vsm"), "{error}");
}

#[tokio::test]
async fn postgres_migrates_once_and_refuses_a_newer_schema() {
    let Some(backend) = postgres().await else {
        return;
    };
    let url = crate::common::postgres_url();
    let schema: String = {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        // The newest test schema of this process is this backend's.
        sqlx::query_scalar(
            "SELECT nspname::TEXT FROM pg_namespace WHERE nspname LIKE $1 ORDER BY oid DESC LIMIT 1",
        )
        .bind(format!("vsm_test_{}_%", std::process::id()))
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let options = |schema: &str| {
        let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        options.options([("search_path", schema.to_string())])
    };
    drop(
        Postgres::connect_with(options(&schema), "again".into())
            .await
            .unwrap(),
    );
    let pool = sqlx::PgPool::connect_with(options(&schema)).await.unwrap();
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 5, "migrated once: one row per migration");
    sqlx::query("INSERT INTO schema_version (version) VALUES (99)")
        .execute(&pool)
        .await
        .unwrap();
    let error = Postgres::connect_with(options(&schema), "newer".into())
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found: 99, .. }),
        "{error}"
    );
    backend.finish().await;
}

#[tokio::test]
async fn tokens_and_passwords_are_kept_hashed() {
    let backend = sqlite().await;
    let token = admin(&backend).await;
    let credentials = backend.store.credentials("ada").await.unwrap().unwrap();
    assert!(credentials.password_hash.starts_with("$argon2id$"));
    assert!(
        !format!("{credentials:?}").contains("argon2"),
        "Debug hides the hash"
    );
    let user = backend
        .store
        .token_user(&vsm_server::auth::secret::digest(&token))
        .await
        .unwrap();
    assert_eq!(user.unwrap().name, "ada");
    assert!(
        backend.store.token_user(&token).await.unwrap().is_none(),
        "not kept in clear"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_in_attempts_made_at_once_each_count_those_before_them() {
    for backend in crate::common::backends().await {
        let name = backend.name;
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..30 {
            let store = std::sync::Arc::clone(&backend.store);
            attempts.spawn(async move { store.record_sign_in_attempt("sam", 100, 0).await });
        }
        let mut counts = Vec::new();
        while let Some(count) = attempts.join_next().await {
            counts.push(count.unwrap().unwrap());
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=30).collect::<Vec<i64>>(), "{name}");
        // Old attempts go; another name's are its own.
        assert_eq!(
            backend
                .store
                .record_sign_in_attempt("sam", 2000, 1000)
                .await
                .unwrap(),
            1,
            "{name}"
        );
        assert_eq!(backend.store.failed_sign_ins("pat", 0).await.unwrap(), 0);
        backend.finish().await;
    }
}

/// Makes the streams `a` and `b` in `backend`'s store, as `ada`.
async fn two_streams(backend: &crate::common::Backend) {
    admin(backend).await;
    let ada = backend.store.user_by_name("ada").await.unwrap().unwrap();
    for id in ["a", "b"] {
        let first = NewVersion {
            name: id,
            yaml: crate::common::FEATURE_DELIVERY,
            author: &ada,
            message: "",
            now: 10,
        };
        backend.store.create_stream(id, &first).await.unwrap();
    }
}

fn delivery<'a>(id: &'a str, body: &'a str) -> NewDelivery<'a> {
    NewDelivery {
        delivery_id: id,
        event: "push",
        body,
    }
}

#[tokio::test]
async fn sources_are_named_within_their_stream_and_keep_no_secret_in_debug() {
    for backend in crate::common::backends().await {
        let name = backend.name;
        two_streams(&backend).await;
        let store = &backend.store;
        let github = Source {
            name: "gh".into(),
            kind: SourceKind::Github,
            check: Check::Salt("5a17".into()),
            created_at: 20,
        };
        let events = Source {
            name: "ci".into(),
            kind: SourceKind::Events,
            check: Check::TokenHash("ab12".into()),
            created_at: 21,
        };
        let missing = store.create_source("nowhere", &github).await.unwrap_err();
        assert!(
            matches!(missing, StoreError::Missing(_)),
            "{name}: {missing}"
        );
        store.create_source("a", &github).await.unwrap();
        store.create_source("a", &events).await.unwrap();
        store.create_source("b", &github).await.unwrap();
        let taken = store.create_source("a", &events).await.unwrap_err();
        assert!(matches!(taken, StoreError::Conflict(_)), "{name}: {taken}");
        assert!(taken.to_string().contains("`ci` of `a`"), "{name}: {taken}");
        assert_eq!(
            store.sources("a").await.unwrap(),
            vec![events.clone(), github.clone()],
            "{name}: by name"
        );
        assert_eq!(
            store.source("b", "gh").await.unwrap(),
            Some(github),
            "{name}"
        );
        assert_eq!(store.source("b", "ci").await.unwrap(), None, "{name}");
        let shown = format!("{events:?}");
        assert!(!shown.contains("ab12"), "{name}: {shown}");
        assert!(store.delete_source("a", "ci").await.unwrap(), "{name}");
        assert!(!store.delete_source("a", "ci").await.unwrap(), "{name}");
        assert_eq!(store.sources("a").await.unwrap().len(), 1, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn each_delivery_is_stored_once_by_its_id_and_read_back_after_a_mark() {
    for backend in crate::common::backends().await {
        let name = backend.name;
        two_streams(&backend).await;
        let store = &backend.store;
        let github = SourceKind::Github;
        // Bodies byte for byte: spacing, key order and escapes as sent.
        let (one, two) = ("{\"b\": 1,  \"a\":\"\\u00e9\"}", "[1, 2.50]");
        let first = store
            .record_deliveries(
                "a",
                "gh",
                github,
                &[
                    delivery("d1", one),
                    delivery("d2", two),
                    delivery("d1", two),
                ],
                100,
            )
            .await
            .unwrap();
        // d1 again with d2's content: the first content is kept, the other refused.
        let [Recorded::New(s1), Recorded::New(s2), Recorded::Different] = first[..] else {
            panic!("{name}: {first:?}");
        };
        assert!(s1 < s2, "{name}: {first:?}");
        let again = store
            .record_deliveries(
                "a",
                "gh",
                github,
                &[delivery("d2", two), delivery("d3", one)],
                101,
            )
            .await
            .unwrap();
        let [Recorded::Duplicate, Recorded::New(s3)] = again[..] else {
            panic!("{name}: {again:?}");
        };
        assert!(s2 < s3, "{name}");
        // The same id from another source, or to another stream, is another delivery.
        let other = store
            .record_delivery("a", "gl", SourceKind::Gitlab, delivery("d1", two), 102)
            .await
            .unwrap();
        assert!(
            matches!(other, Recorded::New(s) if s > s3),
            "{name}: {other:?}"
        );
        let elsewhere = store
            .record_delivery("b", "gh", github, delivery("d1", one), 103)
            .await
            .unwrap();
        assert!(matches!(elsewhere, Recorded::New(_)), "{name}");

        let all = store.deliveries_after("a", 0, 100).await.unwrap();
        let seen: Vec<_> = all
            .iter()
            .map(|d| (d.source.as_str(), d.delivery_id.as_str(), d.body.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("gh", "d1", one),
                ("gh", "d2", two),
                ("gh", "d3", one),
                ("gl", "d1", two)
            ],
            "{name}"
        );
        assert_eq!(all[0].seq, s1, "{name}");
        assert_eq!(
            (all[0].kind, all[0].event.as_str()),
            (github, "push"),
            "{name}"
        );
        assert_eq!(
            (all[0].received_at, all[2].received_at),
            (100, 101),
            "{name}"
        );
        assert_eq!(all[3].kind, SourceKind::Gitlab, "{name}");
        let page = store.deliveries_after("a", s1, 2).await.unwrap();
        let ids: Vec<i64> = page.iter().map(|d| d.seq).collect();
        assert_eq!(ids, [s2, s3], "{name}: after a mark, at most the limit");
        assert!(
            store
                .deliveries_after("a", i64::MAX, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.deliveries_after("b", 0, 10).await.unwrap().len(),
            1,
            "{name}"
        );
        backend.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_sent_at_once_and_again_are_each_stored_once() {
    for backend in crate::common::backends().await {
        let name = backend.name;
        two_streams(&backend).await;
        let mut senders = tokio::task::JoinSet::new();
        // Four senders each send the same 25 deliveries, in different orders.
        for sender in 0..4_usize {
            let store = std::sync::Arc::clone(&backend.store);
            senders.spawn(async move {
                let mut new = 0;
                for n in 0..25_usize {
                    let id = format!("d{}", (n * (sender + 1) * 7) % 25);
                    let body = format!("{{\"n\": {n}}}");
                    let recorded = store
                        .record_delivery("a", "gh", SourceKind::Github, delivery(&id, &body), 5)
                        .await
                        .unwrap();
                    new += usize::from(matches!(recorded, Recorded::New(_)));
                }
                new
            });
        }
        let mut new = 0;
        while let Some(count) = senders.join_next().await {
            new += count.unwrap();
        }
        let stored = backend.store.deliveries_after("a", 0, 1000).await.unwrap();
        assert_eq!((new, stored.len()), (25, 25), "{name}");
        let ids: std::collections::BTreeSet<_> =
            stored.iter().map(|d| d.delivery_id.clone()).collect();
        assert_eq!(ids.len(), 25, "{name}: no id twice");
        assert!(stored.windows(2).all(|w| w[0].seq < w[1].seq), "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn of_two_versions_saved_at_once_after_the_same_one_one_is_saved_and_the_other_refused() {
    for backend in crate::common::backends().await {
        let name = backend.name;
        two_streams(&backend).await;
        let store = &backend.store;
        let ada = store.user_by_name("ada").await.unwrap().unwrap();
        let version = |yaml: &'static str| NewVersion {
            name: "a",
            yaml,
            author: &ada,
            message: "",
            now: 20,
        };
        let (first, second) = (version("name: first\n"), version("name: second\n"));
        // At once, so that on PostgreSQL both read version 1 as the latest before either saves.
        let (one, other) = tokio::join!(
            store.add_version_after("a", 1, &first),
            store.add_version_after("a", 1, &second)
        );
        let (saved, refused) = match (one, other) {
            (Ok(saved), Err(refused)) | (Err(refused), Ok(saved)) => (saved, refused),
            answers => panic!("{name}: one save and one refusal, not {answers:?}"),
        };
        assert_eq!(saved.number, 2, "{name}");
        assert!(
            matches!(&refused, StoreError::Conflict(what) if what == "version 2 of the value stream `a`"),
            "{name}: {refused:?}"
        );
        let versions = store.versions("a").await.unwrap();
        assert_eq!(versions.len(), 2, "{name}: {versions:?}");
        let latest = store.version("a", None).await.unwrap().unwrap();
        assert!(
            ["name: first\n", "name: second\n"].contains(&latest.yaml.as_str()),
            "{name}"
        );

        // After a version that is not the latest (older or not yet made), or of no stream.
        for after in [1, 5] {
            let refused = store.add_version_after("a", after, &first).await;
            assert!(
                matches!(refused, Err(StoreError::Conflict(_))),
                "{name}: after {after}: {refused:?}"
            );
        }
        let missing = store.add_version_after("c", 1, &first).await;
        assert!(
            matches!(missing, Err(StoreError::Missing(_))),
            "{name}: {missing:?}"
        );
        assert_eq!(store.versions("a").await.unwrap().len(), 2, "{name}");
        let next = store.add_version_after("a", 2, &second).await.unwrap();
        assert_eq!(next.number, 3, "{name}");
        backend.finish().await;
    }
}
