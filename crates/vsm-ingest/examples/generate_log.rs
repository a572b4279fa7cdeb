//! Writes a large synthetic XES event log (gzip) for scale tests of the readers.
//!
//! `cargo run --release -p vsm-ingest --example generate_log -- EVENTS OUT.xes.gz [SEED]`
//!
//! Items walk a ten-step delivery stream with start and complete events, resources, rework
//! loops back to earlier steps, and waits drawn from a fixed-seed generator, so the same
//! arguments always give the same file. Events come out trace by trace, as in real XES.

use std::io::{BufWriter, Write};

use flate2::Compression;
use flate2::write::GzEncoder;

const STEPS: [&str; 10] = [
    "Request received",
    "Triage",
    "Refine",
    "Develop",
    "Code review",
    "Build",
    "Test",
    "Approve change",
    "Deploy",
    "Verify in production",
];

/// xorshift64*: small, fast, and the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn timestamp(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .expect("in range")
        .strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00")
        .to_string()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(events), Some(out)) = (args.get(1).and_then(|n| n.parse::<u64>().ok()), args.get(2))
    else {
        eprintln!("usage: generate_log EVENTS OUT.xes.gz [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(42u64);
    let mut random = Random(seed | 1);
    let file = std::fs::File::create(out)?;
    let mut xml = BufWriter::with_capacity(1 << 20, GzEncoder::new(file, Compression::fast()));
    writeln!(xml, r#"<?xml version="1.0" encoding="UTF-8" ?>"#)?;
    writeln!(
        xml,
        r#"<log xes.version="1.0" xmlns="http://www.xes-standard.org/">"#
    )?;
    writeln!(
        xml,
        r#"	<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>"#
    )?;
    writeln!(
        xml,
        r#"	<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>"#
    )?;
    writeln!(
        xml,
        r#"	<global scope="event"><string key="concept:name" value="UNKNOWN"/></global>"#
    )?;
    let mut written = 0u64;
    let mut item = 0u64;
    // Items arrive every 7 minutes from 2025-01-01.
    let start: i64 = 1_735_689_600_000;
    while written < events {
        item += 1;
        let mut now = start + item as i64 * 7 * 60_000;
        writeln!(
            xml,
            "	<trace>\n		<string key=\"concept:name\" value=\"item-{item}\"/>"
        )?;
        let mut step = 0usize;
        while step < STEPS.len() && written < events {
            // Wait: up to three days; work: up to eight hours.
            now += random.below(3 * 86_400_000) as i64;
            let resource = random.below(40);
            for lifecycle in ["start", "complete"] {
                writeln!(
                    xml,
                    "		<event>\n			<string key=\"concept:name\" value=\"{}\"/>\n			<string key=\"lifecycle:transition\" value=\"{lifecycle}\"/>\n			<string key=\"org:resource\" value=\"user-{resource}\"/>\n			<date key=\"time:timestamp\" value=\"{}\"/>\n		</event>",
                    STEPS[step],
                    timestamp(now)
                )?;
                written += 1;
                now += random.below(8 * 3_600_000) as i64;
            }
            // One item in six goes back one or two steps from review, test or approval.
            if matches!(step, 4 | 6 | 7) && random.below(6) == 0 {
                step -= 1 + random.below(2) as usize;
            } else {
                step += 1;
            }
        }
        writeln!(xml, "	</trace>")?;
    }
    writeln!(xml, "</log>")?;
    xml.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .finish()?;
    eprintln!("wrote {written} events in {item} items to {out}");
    Ok(())
}
