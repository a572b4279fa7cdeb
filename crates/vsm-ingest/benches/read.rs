//! Reading speed: `cargo bench -p vsm-ingest`. The largest XES log under testdata (BPIC 2012,
//! 262,200 events, 74 MB of text), from its gzip file and from its text in memory (where the
//! parsers, not inflating, set the pace), and the largest CSV.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use vsm_ingest::source;
use vsm_ingest::xes::LogNames;
use vsm_ingest::{Flow, ReadOptions, Trace, TraceSink};

fn main() {
    divan::main();
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Counts the events handed on.
#[derive(Default)]
struct Count(u64);

impl TraceSink for Count {
    type Error = std::convert::Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error> {
        self.0 += trace.events.len() as u64;
        Ok(Flow::Continue)
    }
}

#[divan::bench(args = ["xes/bpic2012.xes.gz", "csv/receipt.csv"], sample_count = 10, sample_size = 1)]
fn file(name: &str) -> u64 {
    let mut sink = Count::default();
    source::read_log(&testdata(name), None, &ReadOptions::default(), &mut sink).expect("reads");
    sink.0
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn xes_text_in_memory(bencher: divan::Bencher<'_, '_>) {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(testdata("xes/bpic2012.xes.gz")).expect("the log is there"),
    )
    .read_to_end(&mut text)
    .expect("inflates");
    bencher.bench_local(|| {
        let mut sink = Count::default();
        let mut names = LogNames::default();
        vsm_ingest::xes::read(
            &text[..],
            "bpic2012.xes",
            &ReadOptions::default(),
            &mut names,
            &mut sink,
        )
        .expect("reads");
        sink.0
    });
}
