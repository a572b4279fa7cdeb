//! The plan, trends, simulation and explanations of a stream whose map measures (`measure:`)
//! use the same measured analysis as its analysis, from its webhook deliveries (the recorded
//! panjf2000/ants pull requests, reviews and deployments of `deliveries`); each measured step's
//! items are listed as `vsm measure MAP --explain STEP` lists them. Without deliveries, the
//! map's estimates, with a note and `X-Vsm-Estimated: true`.

use axum::http::StatusCode;
use serde_json::{Value as Json, json};

use crate::common::{Answer, Client, admin, backends};
use crate::deliveries::{MAP, deliveries, record, recorded};

/// The map with an improvement of the first review's wait: the plan has a target there.
fn map(review_wait: &str) -> String {
    format!(
        "{}improvements:\n  - {{ id: review-sooner, step: review, action: Review within the day, target: {{ wait_time: 1d }} }}\n",
        MAP.replace("wait_time: 1d", &format!("wait_time: {review_wait}"))
    )
}

async fn ok(client: &Client, token: &str, path: &str) -> Answer {
    let answer = client.get(path, token).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer
}

fn estimated(answer: &Answer) -> bool {
    answer.header("x-vsm-estimated") == Some("true")
}

fn close(a: &Json, b: &Json) -> bool {
    (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measured_stream_s_plan_trends_simulation_and_explanations_use_its_deliveries() {
    let data = recorded();
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let created = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "ants", "yaml": map("2d")}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let saved = client
            .post(
                "/api/streams/ants/versions",
                &token,
                &json!({"yaml": map("1d"), "message": "a shorter estimate"}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);

        // No delivery yet: the estimates, said so.
        let plan = ok(&client, &token, "/api/streams/ants/plan").await;
        assert!(estimated(&plan), "{name}");
        assert!(plan.json().get("lead_time_now").is_none(), "{name}");
        let trends = ok(&client, &token, "/api/streams/ants/trends").await;
        assert!(estimated(&trends), "{name}");
        assert_eq!(trends.json()["measured_version"], Json::Null, "{name}");
        let simulation = ok(&client, &token, "/api/streams/ants/simulation").await;
        assert!(estimated(&simulation), "{name}");
        assert_eq!(simulation.json()["model"], "fitted", "{name}");
        let explained = ok(&client, &token, "/api/streams/ants/explain/lead_time").await;
        assert!(estimated(&explained), "{name}");
        assert_eq!(explained.json()["steps"][0]["items"], Json::Null, "{name}");
        let items = client
            .get("/api/streams/ants/steps/review/items", &token)
            .await;
        assert_eq!(items.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            items.body.contains("no delivery has given them yet"),
            "{name}: {}",
            items.body
        );
        for page in ["plan", "trends", "simulate", "explain/lead_time"] {
            let page = ok(&client, &token, &format!("/streams/ants/{page}")).await;
            assert!(
                page.body.contains("no delivery has given them yet"),
                "{name}: {}",
                page.body
            );
        }

        // The deliveries: every page's numbers are the analysis's.
        record(&app, &deliveries(&data, 5)).await;
        let analysis = ok(&client, &token, "/api/streams/ants/analysis")
            .await
            .json();
        let lead = &analysis["summary"]["lead_time_seconds"];
        assert!(analysis["measured"].is_object(), "{name}: {analysis}");

        let plan = ok(&client, &token, "/api/streams/ants/plan").await;
        assert!(!estimated(&plan), "{name}");
        let plan = plan.json();
        assert!(
            close(&plan["lead_time_now"]["mean_seconds"], lead),
            "{name}: {plan}"
        );
        let target = &plan["improvements"][0]["targets"][0];
        assert_eq!(target["metric"], "wait_time", "{name}");
        assert_ne!(target["provenance"], "estimated", "{name}: {plan}");
        assert!(
            close(
                &target["current"]["seconds"],
                &analysis["steps"][0]["wait_time_seconds"]
            ),
            "{name}: {plan}"
        );

        let trends = ok(&client, &token, "/api/streams/ants/trends").await.json();
        assert_eq!(trends["measured_version"], 2, "{name}");
        let values = trends["metrics"]["lead_time"]["values"].as_array().unwrap();
        assert!(close(&values[1], lead), "{name}: {trends}");
        // The first version's point is its estimates: a day more than the second's.
        assert!(!close(&values[0], lead), "{name}: {trends}");

        let simulation = ok(&client, &token, "/api/streams/ants/simulation").await;
        assert!(!estimated(&simulation), "{name}");
        let simulation = simulation.json();
        assert_eq!(simulation["model"], "calibrated", "{name}: {simulation}");
        assert!(
            simulation["calibration"]["finished_items"]
                .as_u64()
                .unwrap()
                > 0,
            "{name}: {simulation}"
        );

        let explained = ok(&client, &token, "/api/streams/ants/explain/lead_time").await;
        assert!(!estimated(&explained), "{name}");
        let explained = explained.json();
        assert_ne!(
            explained["steps"][0]["provenance"]["wait_time"], "estimated",
            "{name}: {explained}"
        );
        // Each measured step's own explanation says its wait comes from the log.
        let review = explained["steps"][0]["explain"].as_str().unwrap();
        assert!(
            review.contains("from the event log; `vsm measure MAP --explain review`")
                && !review.contains("written in the map"),
            "{name}: {review}"
        );
        // The measured lead time is the items' mean, added up by the ladder.
        let arithmetic = explained["arithmetic"].as_str().unwrap();
        assert!(
            arithmetic.ends_with(&format!(
                "(the mean of {} items)",
                analysis["measured"]["items"]["count"]
            )),
            "{name}: {arithmetic}"
        );
        let page = ok(&client, &token, "/streams/ants/explain/lead_time").await;
        assert!(page.body.contains("Measured from"), "{name}: {}", page.body);
        assert!(
            page.body
                .contains("<p class=\"meta\" role=\"note\">Measured from"),
            "{name}: a measured note is not a problem"
        );
        for (index, step) in ["review", "deploy"].into_iter().enumerate() {
            let items = ok(
                &client,
                &token,
                &format!("/api/streams/ants/steps/{step}/items"),
            )
            .await
            .json();
            let listed = items["items"].as_array().unwrap();
            assert_eq!(items["total"], listed.len(), "{name}: {items}");
            assert_eq!(explained["steps"][index]["items"], items["total"], "{name}");
            // The counted items are those the measurement's ladder says visited the step.
            let counted = listed.iter().filter(|i| i["counted"] == true).count();
            let rung = analysis["measured"]["ladder"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["step"] == step)
                .unwrap();
            assert_eq!(rung["items"], counted, "{name}: {step}");
            assert!(counted > 0, "{name}: {step}");
            // The explanation links to the page of the step's items, which lists every one.
            assert!(
                page.body
                    .contains(&format!("/streams/ants/steps/{step}/items?version=2")),
                "{name}"
            );
            let html = ok(
                &client,
                &token,
                &format!("/streams/ants/steps/{step}/items"),
            )
            .await
            .body;
            assert_eq!(
                html.matches("<td class=\"id\">").count(),
                listed.len(),
                "{name}"
            );
            for item in listed {
                let id = item["item"].as_str().unwrap();
                assert!(html.contains(id), "{name}: {id} missing");
            }
            assert!(
                html.contains(&format!("{} items entered", listed.len())),
                "{name}"
            );
        }
        let unmeasured = client
            .get("/api/streams/ants/steps/nowhere/items", &token)
            .await;
        assert_eq!(unmeasured.status, StatusCode::NOT_FOUND, "{name}");
        assert!(
            unmeasured.body.contains("`review`"),
            "{name}: {}",
            unmeasured.body
        );
        backend.finish().await;
    }
}
