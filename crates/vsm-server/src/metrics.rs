//! What the server tells Prometheus at `/metrics` (OpenMetrics text): the requests it answered by
//! method, route and status, how long they took, and how many are in flight. Routes are named by
//! their template (`/streams/{stream}`), never by the stream, user or token in the request, so
//! the numbers carry nothing a caller sent.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::App;

/// The route label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    method: String,
    route: String,
}

type Timings = Family<Route, Histogram, fn() -> Histogram>;

/// The server's metrics, kept in memory per process (each replica is scraped on its own).
pub struct Metrics {
    registry: Registry,
    answered: Family<Answered, Counter>,
    seconds: Timings,
    in_flight: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// 1 ms to about 33 s, doubling.
fn timing() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("vsm");
        let answered = Family::<Answered, Counter>::default();
        let seconds = Timings::new_with_constructor(timing);
        let in_flight = Gauge::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route template and status",
            answered.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by method and route template",
            seconds.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        Metrics {
            registry,
            answered,
            seconds,
            in_flight,
        }
    }
}

impl Metrics {
    /// The OpenMetrics text of every metric.
    pub fn text(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// Counts and times every request (a layer over the whole router).
pub async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let metrics = &app.metrics;
    let flying = InFlight::start(&metrics.in_flight);
    let started = Instant::now();
    let response = next.run(request).await;
    drop(flying);
    let labels = Route { method, route };
    metrics
        .seconds
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    metrics
        .answered
        .get_or_create(&Answered {
            method: labels.method,
            route: labels.route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// One request in flight; counted down when dropped, also when the request is dropped unanswered.
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn start(gauge: &'a Gauge) -> Self {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// `GET /metrics`, for any signed-in caller (Prometheus sends an API token as a bearer token).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    responses(
        (status = 200, description = "The process's request counts and times, in the OpenMetrics text format", content_type = "application/openmetrics-text", body = String),
        (status = 401, body = crate::api::ErrorBody),
    )
)]
pub async fn serve(State(app): State<App>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        app.metrics.text(),
    )
}
