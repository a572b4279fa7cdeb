//! The `dora:` section and the DORA targets: what is read, and each mistake located with its fix.

use super::*;
use crate::Duration;
use crate::dora::{Period, Service};

const STEPS: &str = "name: D\nsteps:\n  - { id: a, process_time: 1h }\n";

fn map(rest: &str) -> String {
    format!("{STEPS}{rest}")
}

#[test]
fn every_field_of_the_dora_section_is_read() {
    let parsed = parse_map(&map(
        "dora:\n  store: ../.vsm/events.sqlite\n  production: [live, prod-*]\n  failures: { incident_labels: [sev1, sev2], incident_types: Outage, failed_deployments: false }\n  attribution_window: 3d\n  releases_as_deployments: true\n  period: month\n  services:\n    payments: [org/pay-api, org/pay-web]\n    shop: org/shop\n  incidents: incidents.csv\n",
    ));
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let dora = parsed.stream.unwrap().dora.unwrap();
    assert_eq!(dora.store.as_deref(), Some("../.vsm/events.sqlite"));
    assert_eq!(dora.incidents.as_deref(), Some("incidents.csv"));
    assert_eq!(dora.config.production, ["live", "prod-*"]);
    assert_eq!(dora.config.incident_labels, ["sev1", "sev2"]);
    assert_eq!(dora.config.incident_types, ["Outage"]);
    assert!(!dora.config.failed_deployments);
    assert_eq!(dora.config.attribution_window, Duration::from_days(3));
    assert!(dora.releases_as_deployments);
    assert_eq!(dora.period, Period::Month);
    assert_eq!(
        dora.services,
        [
            Service {
                name: "payments".into(),
                repositories: vec!["org/pay-api".into(), "org/pay-web".into()]
            },
            Service {
                name: "shop".into(),
                repositories: vec!["org/shop".into()]
            }
        ]
    );
}

#[test]
fn an_empty_dora_section_takes_the_defaults_and_a_map_without_one_has_none() {
    let dora = parse_map(&map("dora: {}\n")).stream.unwrap().dora.unwrap();
    assert_eq!(dora, crate::dora::Settings::default());
    assert!(dora.config.failed_deployments);
    assert_eq!(dora.period, Period::Week);
    assert_eq!(parse_map(STEPS).stream.unwrap().dora, None);
}

#[test]
fn mistakes_in_the_dora_section_are_located_with_their_fix() {
    let source = map(
        "dora:\n  prodution: [live]\n  production: [prod.*, \"live|prod\"]\n  attribution_window: a week\n  period: fortnight\n  failures: { incident_label: sev1 }\n  services:\n    payments: []\n    shop: [org/shop]\n    web: [org/shop]\n  incident_types: Outage\n",
    );
    let parsed = parse_map(&source);
    assert!(parsed.stream.is_none());
    let found: Vec<(String, &str, usize)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.to_string(), located(&source, d), d.location.unwrap().line))
        .collect();
    let expect = [
        (
            "unknown field `prodution` in a dora section",
            "prodution",
            "did you mean `production`?",
        ),
        (
            "`prod.*` is not an environment pattern: patterns use only `*`",
            "prod.*",
            "write `prod*`",
        ),
        (
            "`live|prod` is not an environment pattern",
            "\"live|prod\"",
            "list each environment by name",
        ),
        ("`a week` is not a valid duration", "a week", ""),
        (
            "`fortnight` is not a valid `period`",
            "fortnight",
            "`period` is one of `day`, `week`, `month`",
        ),
        (
            "unknown field `incident_label` in a failures",
            "incident_label",
            "did you mean `incident_labels`?",
        ),
        (
            "service `payments` lists no repository",
            "[]",
            "write `payments: [OWNER/REPO]`",
        ),
        (
            "repository `org/shop` is in service `shop` and in `web`",
            "[org/shop]",
            "remove it from one of them",
        ),
        (
            "unknown field `incident_types` in a dora section",
            "incident_types",
            "`incident_types` is a field of `failures:`; write it under `failures:`",
        ),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((message, at, _), (want, want_at, help)) in found.iter().zip(expect) {
        assert!(message.contains(want), "{message} lacks {want}");
        assert!(message.contains(help), "{message} lacks {help}");
        // A flow collection is located at its opening bracket onwards.
        assert!(
            !at.is_empty() && want_at.starts_with(at),
            "{message} at `{at}`"
        );
    }
    assert_eq!(found[0].2, 5, "the line of `prodution`");
}

#[test]
fn dora_targets_need_a_dora_section_and_rates_say_per_what() {
    let source = map("targets:\n  deployment_frequency: { min: 1/day }\n");
    let error = diagnostic(&source, "dora_target_without_dora");
    assert!(error.to_string().contains("add `dora: {}`"), "{error}");
    assert!(located(&source, &error).starts_with("{ min: 1/day"));

    let source = map(
        "dora: {}\ntargets:\n  deployment_frequency: { min: 1 }\n  change_failure_rate: { max: 15% }\n  rework_rate: { min: 1/day }\n",
    );
    let parsed = parse_map(&source);
    let rates = with_code(&parsed, "invalid_rate");
    assert_eq!(rates.len(), 1, "{:#?}", parsed.diagnostics);
    assert!(
        rates[0]
            .to_string()
            .contains("say per what: `1/day`, `1/week` or `1/month`")
    );
    assert_eq!(located(&source, rates[0]), "1");
    let percent = with_code(&parsed, "invalid_percent");
    assert_eq!(located(&source, percent[0]), "1/day");

    let stream = parse_map(&map(
        "dora: {}\ntargets:\n  deployment_frequency: { min: 3/week }\n  lead_time_for_changes: { max: 2d }\n",
    ))
    .stream
    .unwrap();
    assert_eq!(stream.targets[0].min, Some(3.0 / 7.0));
    assert_eq!(stream.targets[1].max, Some(2.0 * 86_400_000.0));
}

#[test]
fn a_map_that_extends_keeps_its_bases_dora_section() {
    let base = parse_map(&map("dora: { period: day }\n")).stream.unwrap();
    let parsed = parse_map_extending(
        "extends: base.yaml\ntargets:\n  rework_rate: { max: 10% }\n",
        &base,
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.stream.unwrap().dora.unwrap().period, Period::Day);
}
