//! How map reading and analysis scale with the size of a map: generates a map in memory, then
//! times `parse_map` and `analyze` on it. A measuring tool, not a test (timings are never
//! asserted); the figures go in commit messages and notes.
//!
//! ```text
//! cargo run --release -p vsm-core --example map_scale -- steps 100000
//! cargo run --release -p vsm-core --example map_scale -- loops 6000
//! cargo run --release -p vsm-core --example map_scale -- steps 30000 --unicode
//! cargo run --release -p vsm-core --example map_scale -- loops 6000 --print > big.yaml
//! ```
//!
//! `steps N`: a chain of N steps with a parallel branch every tenth step. `loops N`: N steps and
//! N rework loops, each sending items back three steps (so the loops overlap and nest).
//! `typos N`: N steps, each following a misspelled step (every reference is reported).
//! `--unicode` puts non-ASCII text in every step name; `--print` writes the map to standard
//! output instead of timing it.

use std::fmt::Write as _;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: map_scale (steps|loops|typos) COUNT [--unicode] [--print]";
    let (Some(shape), Some(count)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let unicode = args.iter().any(|a| a == "--unicode");
    let source = match shape.as_str() {
        "steps" => steps_map(count, unicode),
        "loops" => loops_map(count, unicode),
        "typos" => typos_map(count, unicode),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    if args.iter().any(|a| a == "--print") {
        print!("{source}");
        return;
    }
    let started = Instant::now();
    let parsed = vsm_core::parse_map(&source);
    let parse_time = started.elapsed();
    let errors = parsed.diagnostics.iter().filter(|d| d.is_error()).count();
    let Some(stream) = parsed.stream else {
        let text: usize = parsed.diagnostics.iter().map(|d| d.to_string().len()).sum();
        println!(
            "{shape} {count}: {} bytes; parse {:.3} s; {errors} errors ({text} bytes of messages)",
            source.len(),
            parse_time.as_secs_f64(),
        );
        return;
    };
    let started = Instant::now();
    let analysis = vsm_core::analyze(&stream);
    let analyze_time = started.elapsed();
    println!(
        "{shape} {count}{}: {} bytes, {} steps, {} loops; parse {:.3} s, analyze {:.3} s; lead time {}, with rework {}",
        if unicode { " (unicode)" } else { "" },
        source.len(),
        stream.steps.len(),
        stream.rework.len(),
        parse_time.as_secs_f64(),
        analyze_time.as_secs_f64(),
        analysis.summary.lead_time.human(),
        analysis.summary.lead_time_with_rework.human(),
    );
}

/// A generated map of `count` steps; `after` gives a step's `after:` value, if any.
fn map_of(count: usize, unicode: bool, after: impl Fn(usize) -> Option<String>) -> String {
    let mut out = String::from("name: Generated\ncustomer: Scale test\nsteps:\n");
    let name = if unicode { "Étape № " } else { "Step " };
    for index in 0..count {
        let _ = writeln!(out, "  - id: s{index}");
        let _ = writeln!(out, "    name: {name}{index}");
        let _ = writeln!(out, "    team: Team {}", index % 7);
        let _ = writeln!(out, "    process_time: {}m", 30 + index % 90);
        let _ = writeln!(out, "    wait_time: {}h", 1 + index % 40);
        let _ = writeln!(out, "    complete_accurate: {}%", 90 + index % 10);
        if let Some(after) = after(index) {
            let _ = writeln!(out, "    after: {after}");
        }
    }
    out
}

fn steps_map(count: usize, unicode: bool) -> String {
    // Every tenth step starts a branch beside the next one; the step after both joins them.
    map_of(count, unicode, |index| match index % 10 {
        2 if index >= 2 => Some(format!("s{}", index - 2)),
        3 if index >= 3 => Some(format!("[s{}, s{}]", index - 1, index - 2)),
        _ => None,
    })
}

fn loops_map(count: usize, unicode: bool) -> String {
    let mut out = map_of(count, unicode, |_| None);
    out.push_str("rework:\n");
    for index in 0..count {
        let _ = writeln!(
            out,
            "  - {{ from: s{index}, to: s{}, share: 10% }}",
            index.saturating_sub(3)
        );
    }
    out
}

fn typos_map(count: usize, unicode: bool) -> String {
    map_of(count, unicode, |index| {
        (index > 0).then(|| format!("stp{}", index - 1))
    })
}
