//! `/metrics`: requests counted by route template (never by what the caller sent), timed, and
//! only for signed-in callers.

use axum::http::{Method, StatusCode};

use crate::common::{Call, admin, backends, with_web_shop};

#[tokio::test]
async fn metrics_count_requests_by_route_template_for_signed_in_callers_only() {
    for backend in backends().await {
        let name = backend.name;
        let token = admin(&backend).await;
        let client = backend.client();
        with_web_shop(&client, &token).await;
        for _ in 0..3 {
            let page = client.get("/api/streams/web-shop", &token).await;
            assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        }
        let missing = client.get("/no/such/route", &token).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{name}");

        let refused = client.send(Call::new(Method::GET, "/metrics")).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(!refused.body.contains("vsm_http_requests"), "{name}");

        let metrics = client.get("/metrics", &token).await;
        assert_eq!(metrics.status, StatusCode::OK, "{name}: {}", metrics.body);
        assert!(
            metrics
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/openmetrics-text")),
            "{name}: {:?}",
            metrics.headers
        );
        let text = &metrics.body;
        let line = |needle: &str| {
            text.lines()
                .find(|l| !l.starts_with('#') && l.contains(needle))
                .unwrap_or_else(|| panic!("{name}: no line with {needle} in\n{text}"))
                .to_string()
        };
        let shown = line(r#"route="/api/streams/{stream}",status="200""#);
        assert!(
            shown.starts_with("vsm_http_requests_total{"),
            "{name}: {shown}"
        );
        assert!(
            shown.ends_with(" 3"),
            "{name}: three GETs of the stream: {shown}"
        );
        assert!(
            line(r#"route="unmatched",status="404""#).ends_with(" 1"),
            "{name}"
        );
        assert!(
            line(r#"vsm_http_request_duration_seconds_count{method="GET",route="/api/streams/{stream}"}"#)
                .ends_with(" 3"),
            "{name}"
        );
        // The request for the metrics themselves is in flight while they are written.
        assert!(
            line("vsm_http_requests_in_flight ").ends_with(" 1"),
            "{name}"
        );
        // Nothing the callers sent: no stream id, no token.
        assert!(!text.contains("web-shop"), "{name}: {text}");
        assert!(!text.contains(&token), "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn metrics_count_the_answers_the_limits_make_themselves() {
    let backend = crate::common::sqlite().await;
    let token = admin(&backend).await;
    let settings = vsm_server::Settings {
        max_body: 1000,
        ..vsm_server::Settings::default()
    };
    let client = crate::common::Client::of(vsm_server::App::new(
        std::sync::Arc::clone(&backend.store),
        settings,
    ));
    let big = serde_json::json!({"id": "big", "yaml": "x".repeat(5000)});
    let refused = client.post("/api/streams", &token, &big).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.body
    );
    let metrics = client.get("/metrics", &token).await;
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l.starts_with("vsm_http_requests_total{")
                && l.contains(r#"route="/api/streams",status="413""#)
                && l.ends_with(" 1")),
        "{}",
        metrics.body
    );
    backend.finish().await;
}
