//! Mermaid and Graphviz DOT (in [`crate::dot`]): the map as text that other tools draw, so it can
//! live in a README, a merge request or a wiki next to the code.
//!
//! Both show the same content: the trigger and the customer, one node per step with its key
//! numbers, push arrows labelled with the wait before each step, information flows, rework loops,
//! and the bottlenecks highlighted.

use std::fmt::Write as _;

use vsm_core::Duration;
use vsm_core::analysis::Analysis;
use vsm_core::model::{Endpoint, FlowKind, ValueStream};

use crate::severity::Severity;

/// The lines of a step's label: name, who, the numbers.
pub(crate) fn step_lines(stream: &ValueStream, analysis: &Analysis, index: usize) -> Vec<String> {
    let step = &stream.steps[index];
    let metrics = &analysis.steps[index];
    let who = crate::who(step);
    let mut lines = vec![step.name.clone()];
    if !who.is_empty() {
        lines.push(who);
    }
    lines.push(format!(
        "PT {} · WT {} · LT {}",
        metrics.process_time.human(),
        crate::report::wait_cell(step, metrics.wait_time),
        metrics.lead_time.human()
    ));
    if step.queue.is_some() {
        lines.push(format!("queue {}", queue_with_days(stream, step)));
    }
    lines.push(format!("%C&A {}", metrics.complete_accurate));
    if let Some(rank) = analysis.bottlenecks.iter().position(|b| b.step == index) {
        lines.push(format!("bottleneck #{}", rank + 1));
    }
    lines
}

/// A step's queue with the days it gives by Little's law, as the SVG's triangle says it:
/// `7000 (≈7.6d)`; the count alone when it gives no wait (a measured queue).
fn queue_with_days(stream: &ValueStream, step: &vsm_core::model::Step) -> String {
    let count = crate::report::queue_cell(step);
    match stream.queue_derivation(step) {
        Some(Ok(derived)) => format!("{count} (≈{})", derived.wait.human()),
        _ => count,
    }
}

pub(crate) fn trigger_label(stream: &ValueStream) -> String {
    format!(
        "Trigger: {}",
        stream.scope.start.as_deref().unwrap_or("request")
    )
}

pub(crate) fn customer_lines(stream: &ValueStream) -> Vec<String> {
    let mut lines = vec![format!(
        "Customer: {}",
        crate::given(stream.customer.as_ref()).unwrap_or("customer")
    )];
    if let Some(end) = crate::given(stream.scope.end.as_ref()) {
        lines.push(end.to_string());
    }
    lines
}

/// The stream's links in drawing order, between node names: into each step from the trigger
/// (a step that follows none) or from each step it follows, with the step's wait; then to the
/// customer from each step nothing follows, with no wait.
fn links(stream: &ValueStream) -> Vec<(String, String, Duration)> {
    let mut links = Vec::new();
    for (index, step) in stream.steps.iter().enumerate() {
        if step.after.is_empty() {
            links.push((
                "trigger".to_string(),
                format!("step{index}"),
                step.wait_time,
            ));
        }
        for &predecessor in &step.after {
            links.push((
                format!("step{predecessor}"),
                format!("step{index}"),
                step.wait_time,
            ));
        }
    }
    for index in 0..stream.steps.len() {
        if !stream.steps.iter().any(|s| s.after.contains(&index)) {
            links.push((
                format!("step{index}"),
                "customer".to_string(),
                Duration::ZERO,
            ));
        }
    }
    links
}

pub(crate) fn summary_line(stream: &ValueStream, analysis: &Analysis) -> String {
    let s = &analysis.summary;
    let mut line = format!(
        "lead time {} · process time {} · activity ratio {} · rolled %C&A {}",
        s.lead_time.human(),
        s.process_time.human(),
        vsm_core::format_percent(s.activity_ratio_percent),
        vsm_core::format_percent(s.rolled_complete_accurate_percent)
    );
    if let [(_, takt, _), (_, demand, _)] = &crate::report::demand_rows(stream, analysis)[..] {
        let _ = write!(line, " · takt time {takt} · demand {demand}");
    }
    line
}

/// Text inside a quoted Mermaid label: Mermaid's entity codes (`#quot;`) for what would end the
/// label or be read as HTML, markup or an entity, and `<br/>` for a line break.
fn mermaid_text(text: &str) -> String {
    escape_label(text, "<br/>", |c| {
        Some(match c {
            // Mermaid reads `#name;` as an entity: a `;` of ours is one, so `#x;` stays text.
            ';' => "#59;",
            '&' => "#amp;",
            '"' => "#quot;",
            '<' => "#lt;",
            '>' => "#gt;",
            '`' => "#96;",
            // `%%` opens a comment or an `%%{init: ...}%%` directive that restyles the chart.
            '%' => "#37;",
            _ => return None,
        })
    })
}

/// `text` with each character `special` replaces replaced, each line break (`\r\n`, `\n` or
/// `\r`) as `line_break`, and other control characters as spaces.
pub(crate) fn escape_label(
    text: &str,
    line_break: &str,
    special: impl Fn(char) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(replacement) = special(c) {
            out.push_str(replacement);
            continue;
        }
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str(line_break),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn mermaid_node(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Step(i) => format!("step{i}"),
        Endpoint::System(i) => format!("system{i}"),
        Endpoint::Customer => "customer".into(),
    }
}

/// A Mermaid flowchart that GitHub and GitLab render in Markdown.
pub fn mermaid(stream: &ValueStream, analysis: &Analysis) -> String {
    stream.told(|| mermaid_told(stream, analysis))
}

fn mermaid_told(stream: &ValueStream, analysis: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\ntitle: {}\n---",
        vsm_core::discovery::yaml_quote(&stream.name)
    );
    out.push_str("flowchart LR\n");
    let _ = writeln!(
        out,
        "    trigger([\"{}\"])",
        mermaid_text(&trigger_label(stream))
    );
    for index in 0..stream.steps.len() {
        let lines: Vec<String> = step_lines(stream, analysis, index)
            .iter()
            .map(|l| mermaid_text(l))
            .collect();
        let _ = writeln!(
            out,
            "    step{index}[\"<b>{}</b><br/>{}\"]",
            lines[0],
            lines[1..].join("<br/>")
        );
    }
    let customer: Vec<String> = customer_lines(stream)
        .iter()
        .map(|l| mermaid_text(l))
        .collect();
    let _ = writeln!(out, "    customer([\"{}\"])", customer.join("<br/>"));
    for (index, system) in stream.systems.iter().enumerate() {
        let _ = writeln!(
            out,
            "    system{index}[/\"{}\"/]",
            mermaid_text(&system.name)
        );
    }
    // Links, counted so that linkStyle can colour information and rework links.
    let mut link = 0usize;
    let mut info_links = Vec::new();
    let mut rework_links = Vec::new();
    for (from, to, wait) in links(stream) {
        let label = if wait.is_zero() {
            String::new()
        } else {
            format!("|\"wait {}\"|", wait.human())
        };
        let _ = writeln!(out, "    {from} -->{label} {to}");
        link += 1;
    }
    for flow in &stream.flows {
        let mark = match flow.kind {
            FlowKind::Electronic => "⚡",
            FlowKind::Manual => "✉",
        };
        let text = match &flow.label {
            Some(label) => format!("{mark} {label}"),
            None => mark.to_string(),
        };
        let _ = writeln!(
            out,
            "    {} -.->|\"{}\"| {}",
            mermaid_node(&flow.from),
            mermaid_text(&text),
            mermaid_node(&flow.to)
        );
        info_links.push(link);
        link += 1;
    }
    // Loops that send nothing back (0%) are not drawn, as on the map.
    for loop_ in analysis.rework.iter().filter(|l| l.share.value() > 0.0) {
        let _ = writeln!(
            out,
            "    step{} -.->|\"↺ {} rework\"| step{}",
            loop_.from, loop_.share, loop_.to
        );
        rework_links.push(link);
        link += 1;
    }
    out.push_str("    classDef bottleneck fill:#fdecea,stroke:#c62828,stroke-width:3px\n");
    out.push_str("    classDef bottleneck_medium fill:#fff3e0,stroke:#e08600,stroke-width:2px\n");
    out.push_str("    classDef automated fill:#eef5fc,stroke:#2b2b30\n");
    let automated: Vec<String> = (0..stream.steps.len())
        .filter(|&i| stream.steps[i].automated)
        .map(|i| format!("step{i}"))
        .collect();
    if !automated.is_empty() {
        let _ = writeln!(out, "    class {} automated", automated.join(","));
    }
    // Coloured by severity as the SVG map is: a low-scoring bottleneck keeps only its number.
    for (severity, class) in [
        (Severity::High, "bottleneck"),
        (Severity::Medium, "bottleneck_medium"),
    ] {
        let steps: Vec<String> = analysis
            .bottlenecks
            .iter()
            .filter(|b| crate::severity::severity(analysis, b) == severity)
            .map(|b| format!("step{}", b.step))
            .collect();
        if !steps.is_empty() {
            let _ = writeln!(out, "    class {} {class}", steps.join(","));
        }
    }
    let join = |links: &[usize]| {
        links
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    if !info_links.is_empty() {
        let _ = writeln!(out, "    linkStyle {} stroke:#1f5fa8", join(&info_links));
    }
    if !rework_links.is_empty() {
        let _ = writeln!(out, "    linkStyle {} stroke:#b3261e", join(&rework_links));
    }
    let _ = writeln!(out, "%% {}", summary_line(stream, analysis));
    out
}
