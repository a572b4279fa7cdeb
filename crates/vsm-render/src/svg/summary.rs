//! The summary box at the end of the picture, and the legend beside it.

use std::fmt::Write as _;

use super::Drawing;
use super::layout::{BAND_GAP, LEGEND_W, MARGIN, SUMMARY_H, SUMMARY_W};
use super::text::escape;

impl Drawing<'_> {
    /// The summary box of the whole stream, with the legend beside it.
    pub(super) fn summary(&mut self) {
        let last = *self.layout.bands.last().expect("at least one band");
        let y = last.bottom() + BAND_GAP - 12;
        let x = self.layout.width - MARGIN - SUMMARY_W;
        let s = &self.analysis.summary;
        // A measured map states what its items took: the mean (the ladder adds up to it) and the
        // p85, in place of the expected lead time with rework (the items' times hold it).
        let (lead_label, last_row) = match &self.analysis.measured {
            // A future state's projection has a mean only: the measured one it starts from.
            Some(measured) if measured.projected_change_millis.is_some() => (
                "Lead time (projected mean)",
                ("Measured mean now".to_string(), measured.items.mean.human()),
            ),
            Some(measured) => (
                "Lead time (mean of items)",
                (
                    "p50 · p85".to_string(),
                    format!(
                        "{} · {}",
                        measured.items.p50.human(),
                        measured.items.p85.human()
                    ),
                ),
            ),
            None => (
                "Lead time",
                (
                    "Lead time with rework".to_string(),
                    s.lead_time_with_rework.human(),
                ),
            ),
        };
        let rows = [
            (lead_label.to_string(), s.lead_time.human()),
            ("Process time".to_string(), s.process_time.human()),
            (
                "Activity ratio".to_string(),
                vsm_core::format_percent(s.activity_ratio_percent),
            ),
            (
                "Rolled %C&A".to_string(),
                vsm_core::format_percent(s.rolled_complete_accurate_percent),
            ),
            last_row,
        ];
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-summary-box\"><rect class=\"vsm-summary\" x=\"{x}\" y=\"{y}\" width=\"{SUMMARY_W}\" height=\"{SUMMARY_H}\" rx=\"4\"/>"
        );
        for (i, (label, value)) in rows.iter().enumerate() {
            let row_y = y + 22 + i as i64 * 19;
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{row_y}\">{}</text><text class=\"vsm-value\" x=\"{}\" y=\"{row_y}\" text-anchor=\"end\" style=\"font-size:13px\">{}</text>",
                x + 12,
                escape(label),
                x + SUMMARY_W - 12,
                escape(value)
            );
        }
        self.out.push_str("</g>\n");
        self.legend(y);
    }

    fn legend(&mut self, y: i64) {
        let x = MARGIN;
        let items: [(&str, &str); 6] = [
            (
                "<path class=\"vsm-queue\" d=\"M10,-14 L20,4 L0,4 Z\"/>",
                "queue: wait before the step",
            ),
            (
                "<path class=\"vsm-push\" d=\"M0,0 H20\" marker-end=\"url(#vsm-arrow)\"/>",
                "push: work moves on",
            ),
            (
                "<path class=\"vsm-info\" d=\"M0,0 L8,-6 L12,6 L20,0\"/>",
                "electronic information",
            ),
            (
                "<path class=\"vsm-info-manual\" d=\"M0,0 H20\"/>",
                "manual information",
            ),
            (
                "<path class=\"vsm-rework\" d=\"M0,0 H20\" marker-end=\"url(#vsm-arrow-rework)\"/>",
                "rework loop",
            ),
            (
                "<circle class=\"vsm-badge\" cx=\"10\" cy=\"-3\" r=\"8\"/>",
                "bottleneck rank; burst: kaizen",
            ),
        ];
        if y + 20 + 3 * 22 > self.layout.height {
            return;
        }
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-legend\" transform=\"translate({x},{})\">",
            y + 20
        );
        for (i, (icon, label)) in items.iter().enumerate() {
            let (col, row) = ((i / 3) as i64, (i % 3) as i64);
            let _ = writeln!(
                self.out,
                "<g transform=\"translate({},{})\">{icon}<text x=\"28\" y=\"4\">{}</text></g>",
                col * (LEGEND_W / 2),
                row * 24,
                escape(label)
            );
        }
        self.out.push_str("</g>\n");
    }
}
