//! Webhook deliveries: the recorded REST objects wrapped in the envelope each event's payload
//! has (GitHub: `action`, the object, `repository`, `sender`), read by `github::webhook` and
//! `gitlab::webhook`, give the batch the API pages give for the same objects.

use serde_json::{Value as Json, json};
use vsm_events::{Batch, EventType, Value};
use vsm_fetch::{Collector, Hook, Page, github, gitlab};

use super::{object, page};

fn items(path: &str) -> Vec<Json> {
    serde_json::from_slice(&page(path)).unwrap()
}

fn github_envelope(action: &str, field: &str, item: &Json) -> Json {
    json!({
        "action": action,
        field: item,
        "repository": { "full_name": "panjf2000/ants", "name": "ants" },
        "sender": { "login": "panjf2000" },
    })
}

fn used(hook: Hook) -> Page {
    match hook {
        Hook::Used(page) => page,
        Hook::NotUsed(why) => panic!("not used: {why}"),
    }
}

/// The batch of several deliveries, gathered as pages are.
fn gathered(pages: impl IntoIterator<Item = Page>) -> Batch {
    let mut into = Collector::new();
    for page in pages {
        into.add(page);
    }
    into.finish().0
}

fn deliver(event: &str, body: &Json) -> Page {
    used(github::webhook(event, body.to_string().as_bytes()).unwrap())
}

#[test]
fn pull_request_deliveries_give_the_pull_request_list_s_batch() {
    let path = "github/pull_requests/page-001.json";
    let from_api = github::pulls(&page(path), "panjf2000/ants").unwrap();
    let deliveries = items(path).into_iter().map(|pr| {
        let action = if pr["merged_at"].is_null() {
            "opened"
        } else {
            "closed"
        };
        deliver(
            "pull_request",
            &github_envelope(action, "pull_request", &pr),
        )
    });
    let from_hooks = gathered(deliveries);
    assert_eq!(from_hooks, from_api.batch);
    assert!(!from_hooks.events.is_empty());
    // The repository's name is spelled as ids spell it, whatever case the payload uses.
    let mut body = github_envelope("opened", "pull_request", &items(path)[0]);
    body["repository"]["full_name"] = json!("Panjf2000/Ants");
    let page = deliver("pull_request", &body);
    assert!(
        page.batch.objects[0]
            .id
            .starts_with("github:panjf2000/ants/pull/")
    );
}

#[test]
fn review_deliveries_give_the_reviews_page_s_batch() {
    for file in ["page-001.json", "page-002.json", "page-003.json"] {
        let path = format!("github/pull_request_reviews/{file}");
        let reviews = items(&path);
        let number: u64 = reviews[0]["pull_request_url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let from_api = github::pull_reviews(&page(&path), "panjf2000/ants", number).unwrap();
        let deliveries = reviews.iter().map(|review| {
            let mut body = github_envelope("submitted", "review", review);
            body["pull_request"] = json!({ "number": number, "title": "whatever it is now" });
            deliver("pull_request_review", &body)
        });
        assert_eq!(gathered(deliveries), from_api.batch, "{path}");
    }
}

#[test]
fn issue_and_workflow_run_deliveries_give_their_lists_batches() {
    let path = "github/issues/page-001.json";
    let from_api = github::issues(&page(path), "panjf2000/ants").unwrap();
    let mut not_used = 0;
    let mut pages = Vec::new();
    for issue in items(path) {
        let body = github_envelope("opened", "issue", &issue);
        match github::webhook("issues", body.to_string().as_bytes()).unwrap() {
            Hook::Used(page) => pages.push(page),
            Hook::NotUsed(_) => not_used += 1,
        }
    }
    assert_eq!(gathered(pages), from_api.batch);
    // The list's pull requests (16 of its 42 items) are skipped there and not used here.
    assert_eq!(not_used, 16);
    assert_eq!(from_api.report.skipped.values().sum::<usize>(), 16);

    let path = "github/runs/page-001.json";
    let from_api = github::runs(&page(path), "panjf2000/ants").unwrap();
    let runs: Json = serde_json::from_slice(&page(path)).unwrap();
    let deliveries = runs["workflow_runs"].as_array().unwrap().iter().map(|run| {
        deliver(
            "workflow_run",
            &github_envelope("completed", "workflow_run", run),
        )
    });
    assert_eq!(gathered(deliveries), from_api.batch);
}

/// GitHub's documented deployment and its documented `success` status, delivered as the
/// `deployment_status` event carries them (the status of deployment 1, as the status page would
/// be that deployment's).
#[test]
fn a_deployment_status_delivery_gives_the_deployment_and_its_status_pages() {
    let deployment = items("github-deployments/deployments/page-001.json").remove(0);
    let status = items("github-deployments/deployment_statuses/page-001.json").remove(0);
    let repo = "octocat/example";
    let statuses = json!([status]).to_string();
    let mut expected = Collector::new();
    expected.add(
        github::deployments(&page("github-deployments/deployments/page-001.json"), repo).unwrap(),
    );
    expected.add(
        github::deployment_statuses(&[statuses.as_bytes()], repo, 1, Some("production")).unwrap(),
    );
    let body = json!({
        "action": "created",
        "deployment_status": status,
        "deployment": deployment,
        "repository": { "full_name": "octocat/example" },
        "sender": { "login": "octocat" },
    });
    let page = deliver("deployment_status", &body);
    assert_eq!(page.batch, expected.finish().0);
    let kinds: Vec<EventType> = page.batch.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventType::DeploymentCreated, EventType::DeploymentFinished]
    );
}

/// A deployment's statuses arrive one delivery at a time: queued, success, then the
/// `inactive` a newer deployment causes. Settled against what came before, they give what the
/// statuses page with all three gives: started when queued, finished when it succeeded, status
/// `success`.
#[test]
fn statuses_delivered_one_at_a_time_settle_as_the_statuses_page() {
    let deployment = items("github-deployments/deployments/page-001.json").remove(0);
    let template = items("github-deployments/deployment_statuses/page-001.json").remove(0);
    let status = |id: u64, state: &str, at: &str| {
        let mut status = template.clone();
        status["id"] = json!(id);
        status["state"] = json!(state);
        status["created_at"] = json!(at);
        status
    };
    let all = [
        status(3, "inactive", "2012-07-21T08:00:00Z"),
        status(1, "queued", "2012-07-20T01:10:00Z"),
        status(2, "success", "2012-07-20T01:19:13Z"),
    ];
    let repo = "octocat/example";
    let page_of_all = json!(all).to_string();
    let mut expected = Collector::new();
    expected.add(
        github::deployments(&page("github-deployments/deployments/page-001.json"), repo).unwrap(),
    );
    expected.add(
        github::deployment_statuses(&[page_of_all.as_bytes()], repo, 1, Some("production"))
            .unwrap(),
    );
    let expected = expected.finish().0;
    // Delivered in the order they happened, then in another order.
    for order in [[1, 2, 0], [0, 2, 1]] {
        let mut into = Collector::new();
        for at in order {
            let body = json!({
                "action": "created",
                "deployment_status": all[at],
                "deployment": deployment,
                "repository": { "full_name": repo },
            });
            let mut page = deliver("deployment_status", &body);
            let kept = into.batch().clone();
            vsm_fetch::settle(&mut page, |id| {
                kept.events.iter().find(|e| e.id == id).map(|e| e.time)
            });
            into.add(page);
        }
        let batch = into.finish().0;
        let times = |batch: &Batch| {
            let mut times: Vec<_> = batch
                .events
                .iter()
                .map(|e| (e.id.clone(), e.time, e.attributes.clone()))
                .collect();
            times.sort_by(|a, b| a.0.cmp(&b.0));
            times
        };
        assert_eq!(times(&batch), times(&expected), "{order:?}");
        let status = object(&batch, "github:octocat/example/deployments/1")
            .attributes
            .iter()
            .find(|(name, _)| name == "status")
            .map(|(_, v)| v.clone());
        assert_eq!(status, Some(Value::Text("success".into())), "{order:?}");
    }
}

#[test]
fn events_not_read_are_not_used_and_bad_bodies_say_where() {
    for event in ["ping", "star", "push"] {
        let hook = github::webhook(event, br#"{"zen": "Keep it logically awesome."}"#).unwrap();
        let Hook::NotUsed(why) = hook else {
            panic!("{event} is used");
        };
        assert!(why.contains(&format!("`{event}`")), "{why}");
    }
    let Hook::NotUsed(_) = gitlab::webhook("Push Hook", b"{}").unwrap() else {
        panic!("a push is used");
    };
    // Not JSON at all.
    let error = github::webhook("pull_request", b"<html>").unwrap_err();
    assert!(error.fix.contains("pull_request"), "{error}");
    // A pull request whose time is no time: the place is in the delivery's terms.
    let mut pr = items("github/pull_requests/page-001.json").remove(0);
    pr["created_at"] = json!("yesterday");
    let body = github_envelope("opened", "pull_request", &pr).to_string();
    let error = github::webhook("pull_request", body.as_bytes()).unwrap_err();
    assert_eq!(error.place, "at pull_request.created_at");
    assert!(error.problem.contains("`yesterday`"), "{error}");
    // No repository: named.
    let error = github::webhook("pull_request", br#"{"pull_request": {}}"#).unwrap_err();
    assert!(error.problem.contains("repository.full_name"), "{error}");
}

/// A `Merge Request Hook` made from a recorded merge request as GitLab's hook names its fields
/// (`url`, `2019-06-19 08:19:37 UTC` times, the author as the hook's `user` on `open`) gives the
/// merge request the list gives.
#[test]
fn a_merge_request_hook_gives_the_merge_request_list_s_objects_and_events() {
    let path = "gitlab/merge_requests/page-001.json";
    let requests = items(path);
    let utc = |value: &Json| match value.as_str() {
        Some(text) => {
            let at: jiff::Timestamp = text.parse().unwrap();
            json!(at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        }
        None => Json::Null,
    };
    for request in requests.iter().take(10) {
        let project = request["web_url"]
            .as_str()
            .unwrap()
            .split_once("://")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1
            .split_once("/-/")
            .unwrap()
            .0;
        // The hook writes whole seconds: so does the list's merge request compared with it.
        let mut whole = request.clone();
        for field in ["created_at", "updated_at", "merged_at", "closed_at"] {
            if let Some(text) = request[field].as_str() {
                let at: jiff::Timestamp = text.parse().unwrap();
                whole[field] = json!(
                    jiff::Timestamp::from_second(at.as_second())
                        .unwrap()
                        .to_string()
                );
            }
        }
        let from_api = gitlab::merge_requests(
            json!([whole]).to_string().as_bytes(),
            &project.to_lowercase(),
        )
        .unwrap();
        let state = request["state"].as_str().unwrap();
        let body = json!({
            "object_kind": "merge_request",
            "user": { "username": request["author"]["username"] },
            "project": { "path_with_namespace": project },
            "object_attributes": {
                "iid": request["iid"],
                "title": request["title"],
                "description": request["description"],
                "state": state,
                "url": request["web_url"],
                "created_at": utc(&request["created_at"]),
                "updated_at": utc(&request["updated_at"]),
                "merged_at": utc(&request["merged_at"]),
                "closed_at": utc(&request["closed_at"]),
                "merge_commit_sha": request["merge_commit_sha"],
                "squash_commit_sha": request["squash_commit_sha"],
                "source_branch": request["source_branch"],
                "target_branch": request["target_branch"],
                "draft": request["draft"],
                "action": "open",
            },
        });
        let hook =
            used(gitlab::webhook("Merge Request Hook", body.to_string().as_bytes()).unwrap());
        assert_eq!(hook.batch, from_api.batch, "{}", request["iid"]);
    }
}
