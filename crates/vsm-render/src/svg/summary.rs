//! The summary box at the end of the picture, and the legend beside it.

use std::fmt::Write as _;

use vsm_core::analysis::Analysis;
use vsm_core::measure::{Provenance, StepProvenance};
use vsm_core::model::{ImprovementStatus, ValueStream};

use super::layout::{LEGEND_COLUMN_W, MARGIN, SUMMARY_H, SUMMARY_W, summary_h};
use super::route::Rect;
use super::text::escape;
use super::{Drawing, marks};

/// Rows of the legend: it stands beside the summary box, as tall.
const LEGEND_ROWS: usize = 4;

/// The legend's icons and words.
fn legend_items(
    stream: &ValueStream,
    (bottlenecks, partial_ladder): (bool, bool),
    provenance: Option<&[StepProvenance]>,
    junction: bool,
) -> Vec<(String, &'static str)> {
    let mut items: Vec<(String, &'static str)> = vec![
        (
            "<path class=\"vsm-queue\" d=\"M10,-14 L20,4 L0,4 Z\"/>".into(),
            "queue: wait before the step",
        ),
        (
            "<path class=\"vsm-push\" d=\"M0,0 H14\" marker-end=\"url(#vsm-arrow-push)\"/><path class=\"vsm-push-stripe\" d=\"M0,0 H8\"/>".into(),
            "push: work moves on",
        ),
    ];
    if stream.steps.iter().any(|s| s.pull) {
        items.push((
            "<path class=\"vsm-supermarket\" d=\"M2,-12 H20 V6 H2 M2,-6 H20 M2,0 H20\"/>".into(),
            "supermarket: the step after pulls from it",
        ));
    }
    if stream.steps.iter().any(|s| s.wip_limit.is_some()) {
        items.push((
            "<g class=\"vsm-queue-mark\"><path class=\"vsm-fifo\" d=\"M-2,-10 H24 M-2,4 H24\"/><text class=\"vsm-fifo-text\" x=\"11\" y=\"1\" text-anchor=\"middle\">FIFO</text></g>".into(),
            "FIFO lane, with its WIP limit",
        ));
    }
    items.extend([
        (
            "<path class=\"vsm-info\" d=\"M0,0 L8,-6 L12,6 L20,0\"/>".into(),
            "electronic information",
        ),
        (
            "<path class=\"vsm-info-manual\" d=\"M0,0 H20\"/>".into(),
            "manual information",
        ),
        (
            "<path class=\"vsm-rework\" d=\"M0,0 H20\" marker-end=\"url(#vsm-arrow-rework)\"/>"
                .into(),
            "rework loop",
        ),
    ]);
    if junction {
        items.push((
            "<path class=\"vsm-info\" d=\"M0,0 H20 M10,0 V-11\"/><circle class=\"vsm-junction vsm-arrowhead-info\" cx=\"10\" cy=\"0\" r=\"3\"/>".into(),
            "junction: lines join at the dot",
        ));
    }
    if bottlenecks {
        items.push((
            "<circle class=\"vsm-badge\" cx=\"10\" cy=\"-3\" r=\"8\"/>".into(),
            "bottleneck, by rank",
        ));
    }
    if stream.improvements.iter().any(|i| {
        matches!(
            i.status,
            ImprovementStatus::Planned | ImprovementStatus::InProgress
        )
    }) {
        items.push((
            "<polygon class=\"vsm-kaizen\" points=\"10,-12 12,-8 16,-11 14,-6 19,-6 15,-3 19,0 14,0 16,5 12,2 10,6 8,2 4,5 6,0 1,0 5,-3 1,-6 6,-6 4,-11 8,-8\"/>"
                .into(),
            "kaizen burst: planned improvement",
        ));
    }
    for (kind, text) in marks::kinds(provenance) {
        items.push((marks::mark(kind, 10, -4), text));
    }
    if partial_ladder {
        items.push((
            "<text class=\"vsm-value\" x=\"10\" y=\"2\" text-anchor=\"middle\">%</text>".into(),
            "timeline: mean × share visiting",
        ));
    }
    items
}

/// Whether the map ranks bottlenecks, and whether its timeline has rungs for a share of the
/// items only (a measured map's steps that not every item visits).
fn legend_flags(analysis: &Analysis) -> (bool, bool) {
    let partial = analysis
        .measured
        .as_ref()
        .is_some_and(|m| m.ladder.iter().any(|rung| rung.share_percent < 99.995));
    (!analysis.bottlenecks.is_empty(), partial)
}

/// The width of the legend of a map, with the junction dot explained where lines join at one.
pub(super) fn legend_width(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: Option<&[StepProvenance]>,
    junction: bool,
) -> i64 {
    legend_items(stream, legend_flags(analysis), provenance, junction)
        .len()
        .div_ceil(LEGEND_ROWS) as i64
        * LEGEND_COLUMN_W
}

/// The days the summary's numbers count in, short enough for the summary box, for a map that
/// sets its working time: `Days: working days of 16h (5 a week)`, or with calendar waits
/// `Days: work in 8h days, waits in calendar days`. `None` for a map that sets none (its days
/// are the calendar's, as everyone reads them).
fn days_line(time: &vsm_core::WorkingTime) -> Option<String> {
    if !time.declared {
        return None;
    }
    let day = crate::report::working_hours(time.day);
    Some(match time.wait_days {
        vsm_core::worktime::WaitDays::Working => {
            format!("Days: working days of {day} ({} a week)", time.week_days)
        }
        vsm_core::worktime::WaitDays::Calendar => {
            format!("Days: work in {day} days, waits in calendar days")
        }
    })
}

impl Drawing<'_> {
    /// The summary box of the whole stream, with the legend beside it.
    pub(super) fn summary(&mut self) {
        let y = self.layout.summary_top;
        let x = self.layout.width - MARGIN - SUMMARY_W;
        let s = &self.analysis.summary;
        // A measured map states what its items took: the mean (the ladder adds up to it) and the
        // p85, in place of the expected lead time with rework (the items' times hold it).
        let measured = match &self.analysis.measured {
            Some(m) if m.is_mixed() => Some(Provenance::Mixed),
            Some(_) => Some(Provenance::Measured),
            None => None,
        };
        let (lead_label, lead_mark, last_row) = match &self.analysis.measured {
            // A future state's projection has a mean only: the measured one it starts from.
            Some(m) if m.projected_change_millis.is_some() => (
                "Lead time (projected mean)",
                None,
                (
                    "Measured mean now".to_string(),
                    m.items.mean.human(),
                    Some(Provenance::Measured),
                ),
            ),
            Some(m) => (
                "Lead time (mean of items)",
                measured,
                (
                    "p50 · p85".to_string(),
                    format!("{} · {}", m.items.p50.human(), m.items.p85.human()),
                    Some(Provenance::Measured),
                ),
            ),
            None => (
                "Lead time",
                None,
                (
                    "Lead time with rework".to_string(),
                    s.lead_time_with_rework.human(),
                    None,
                ),
            ),
        };
        let rows = [
            (lead_label.to_string(), s.lead_time.human(), lead_mark),
            ("Process time".to_string(), s.process_time.human(), None),
            (
                "Activity ratio".to_string(),
                vsm_core::format_percent(s.activity_ratio_percent),
                None,
            ),
            (
                "Rolled %C&A".to_string(),
                vsm_core::format_percent(s.rolled_complete_accurate_percent),
                None,
            ),
            last_row,
        ];
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-summary-box\"><rect class=\"vsm-summary\" x=\"{x}\" y=\"{y}\" width=\"{SUMMARY_W}\" height=\"{}\" rx=\"4\"/>",
            summary_h(self.stream)
        );
        let value_right = x + SUMMARY_W - if self.provenance.is_some() { 19 } else { 12 };
        for (i, (label, value, mark)) in rows.iter().enumerate() {
            let row_y = y + 22 + i as i64 * 19;
            let class = mark.map_or("vsm-value", marks::value_class);
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{row_y}\">{}</text><text class=\"{class}\" x=\"{value_right}\" y=\"{row_y}\" text-anchor=\"end\" style=\"font-size:13px\">{}</text>{}",
                x + 12,
                escape(label),
                escape(value),
                mark.map_or(String::new(), |m| marks::mark(
                    m,
                    x + SUMMARY_W - 11,
                    row_y - 4
                ))
            );
        }
        if let Some(days) = days_line(&self.stream.working_time) {
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-muted vsm-summary-days\" x=\"{}\" y=\"{}\" style=\"font-size:11px\"><title>Days: {}</title>{}</text>",
                x + 12,
                y + SUMMARY_H + 4,
                escape(&self.stream.working_time.convention()),
                escape(&days)
            );
        }
        self.out.push_str("</g>\n");
        self.legend(y);
        // No line runs under the summary and the legend.
        self.scene.block(Rect {
            left: 0,
            top: y - 4,
            right: self.layout.width,
            bottom: self.layout.height,
        });
    }

    fn legend(&mut self, y: i64) {
        let x = MARGIN;
        let items = legend_items(
            self.stream,
            legend_flags(self.analysis),
            self.provenance,
            self.room.junction,
        );
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-legend\" transform=\"translate({x},{})\">",
            y + 20
        );
        for (i, (icon, label)) in items.iter().enumerate() {
            let (col, row) = ((i / LEGEND_ROWS) as i64, (i % LEGEND_ROWS) as i64);
            let _ = writeln!(
                self.out,
                "<g transform=\"translate({},{})\">{icon}<text x=\"28\" y=\"4\">{}</text></g>",
                col * LEGEND_COLUMN_W,
                row * 22,
                escape(label)
            );
        }
        self.out.push_str("</g>\n");
    }
}
