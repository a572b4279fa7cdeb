//! How much a bottleneck matters next to the worst one, the one way every drawing of the map
//! (SVG, Mermaid, DOT) colours it: red, amber, or only its number.

use vsm_core::analysis::Analysis;
use vsm_core::bottleneck::Bottleneck;

/// How a bottleneck is drawn: red, amber, or only its numbered badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Severity {
    High,
    Medium,
    Low,
}

/// A bottleneck's severity: its score as a share of the top score (at least 75%: high, 40%:
/// medium), so that a map with one clear constraint paints one box red, not every ranked step.
pub(crate) fn severity(analysis: &Analysis, bottleneck: &Bottleneck) -> Severity {
    let top = analysis
        .bottlenecks
        .iter()
        .map(|b| b.score)
        .fold(0.0, f64::max);
    if top <= 0.0 || bottleneck.score >= top * 0.75 {
        Severity::High
    } else if bottleneck.score >= top * 0.4 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// The severity of step `index`, if it is a bottleneck.
pub(crate) fn of_step(analysis: &Analysis, index: usize) -> Option<Severity> {
    analysis
        .bottlenecks
        .iter()
        .find(|b| b.step == index)
        .map(|b| severity(analysis, b))
}
