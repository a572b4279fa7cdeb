//! Rendering speed: `cargo bench -p vsm-render`. The target is well under 50 ms for a 40-step map.

use vsm_core::{Analysis, ValueStream};

fn main() {
    divan::main();
}

fn load(source: &str) -> (ValueStream, Analysis) {
    let stream = vsm_core::parse_map(source).stream.expect("a valid map");
    let analysis = vsm_core::analyze(&stream);
    (stream, analysis)
}

const LONG: &str = include_str!("../tests/data/long-stream.yaml");
const EXAMPLE: &str = include_str!("../../../examples/feature-delivery.yaml");

#[divan::bench]
fn svg_40_steps(bencher: divan::Bencher<'_, '_>) {
    let (stream, analysis) = load(LONG);
    bencher.bench_local(|| vsm_render::svg(&stream, &analysis));
}

#[divan::bench]
fn svg_9_steps(bencher: divan::Bencher<'_, '_>) {
    let (stream, analysis) = load(EXAMPLE);
    bencher.bench_local(|| vsm_render::svg(&stream, &analysis));
}

#[divan::bench]
fn html_report_40_steps(bencher: divan::Bencher<'_, '_>) {
    let (stream, analysis) = load(LONG);
    bencher.bench_local(|| vsm_render::html(&stream, &analysis));
}

#[divan::bench]
fn parse_and_analyze_40_steps() -> Analysis {
    load(divan::black_box(LONG)).1
}

#[divan::bench(sample_count = 10)]
fn png_40_steps(bencher: divan::Bencher<'_, '_>) {
    let (stream, analysis) = load(LONG);
    bencher.bench_local(|| vsm_render::png(&stream, &analysis).expect("renders"));
}
