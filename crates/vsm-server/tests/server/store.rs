//! The stores themselves: migrations run once and a newer schema is refused; secrets are kept
//! hashed.

use crate::common::{admin, postgres, sqlite};
use vsm_server::store::{StoreError, postgres::Postgres, sqlite::Sqlite};

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
    assert_eq!(versions, 1, "migrated once");
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
    assert_eq!(versions, 1, "migrated once");
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
