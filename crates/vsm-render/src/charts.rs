//! Axes for the report's charts: round tick values in the metric's own unit (days, hours,
//! percent...), so that a chart can be read on paper, where nothing can be hovered.

use std::fmt::Write as _;

use vsm_core::metrics::Unit;
use vsm_core::{Duration, format_number};

use crate::svg::text::escape;

/// Every chart's text, in units of its picture: 12 px prints at 3.2 mm, over the least 3 mm.
pub const FONT: f64 = 12.0;

/// Tick values from zero to the axis's end, evenly spaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub unit: Unit,
    pub ticks: Vec<f64>,
}

impl Axis {
    /// An axis from zero past `high` (seconds for durations), with at most six ticks on round
    /// values of the unit: 1, 2 or 5 times a power of ten; for durations whole minutes, hours,
    /// days or weeks.
    pub fn new(unit: Unit, high: f64) -> Axis {
        let high = if high.is_finite() && high > 0.0 {
            high
        } else {
            1.0
        };
        let step = match unit {
            Unit::Seconds => duration_step(high),
            _ => number_step(high),
        };
        let count = (high / step - 1e-9).ceil().max(1.0) as usize;
        Axis {
            unit,
            ticks: (0..=count).map(|i| i as f64 * step).collect(),
        }
    }

    /// The value at the axis's far end.
    pub fn end(&self) -> f64 {
        self.ticks.last().copied().unwrap_or(1.0)
    }

    /// A value as a tick label: `14d`, `6h`, `40%`, `2.5/day`.
    pub fn label(&self, value: f64) -> String {
        label(self.unit, value)
    }
}

/// A value in its unit, for axes and notes.
pub fn label(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Seconds => Duration::from_secs_f64(value.max(0.0)).human(),
        Unit::Percent => format!("{}%", format_number(value, 1)),
        Unit::Items => format_number(value, 1),
        Unit::PerWeek => format!("{}/week", format_number(value, 1)),
        Unit::PerDay => format!("{}/day", format_number(value, 2)),
    }
}

/// The smallest round step that covers `high` in at most five steps: 1, 2 or 5 times a power
/// of ten.
fn number_step(high: f64) -> f64 {
    let magnitude = 10f64.powf((high / 5.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| high / step <= 5.0 + 1e-9)
        .unwrap_or(10.0 * magnitude)
}

/// The smallest whole duration step (seconds) that covers `high` seconds in at most five steps.
fn duration_step(high: f64) -> f64 {
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 3600.0;
    const DAY: f64 = 86_400.0;
    let steps = [
        1.0,
        5.0,
        15.0,
        30.0,
        MINUTE,
        5.0 * MINUTE,
        15.0 * MINUTE,
        30.0 * MINUTE,
        HOUR,
        2.0 * HOUR,
        3.0 * HOUR,
        6.0 * HOUR,
        12.0 * HOUR,
        DAY,
        2.0 * DAY,
        5.0 * DAY,
        7.0 * DAY,
        14.0 * DAY,
        28.0 * DAY,
        56.0 * DAY,
        91.0 * DAY,
        182.0 * DAY,
        364.0 * DAY,
    ];
    steps
        .into_iter()
        .find(|step| high / step <= 5.0 + 1e-9)
        .unwrap_or_else(|| (high / 5.0 / (364.0 * DAY)).ceil() * 364.0 * DAY)
}

/// A horizontal axis along `y` from `left` to `left + width`: its line, ticks, labels under
/// them and faint lines up to `top` through the plot.
pub fn x_axis(out: &mut String, axis: &Axis, left: f64, width: f64, top: f64, y: f64) {
    let end = axis.end();
    let _ = write!(
        out,
        "<path class=\"chart-axis\" d=\"M{},{} H{}\"/>",
        n(left),
        n(y),
        n(left + width)
    );
    for &tick in &axis.ticks {
        let x = left + tick / end * width;
        let anchor = if tick == 0.0 { "start" } else { "middle" };
        let _ = write!(
            out,
            "<path class=\"chart-grid\" d=\"M{x},{} V{}\"/><path class=\"chart-axis\" d=\"M{x},{} V{}\"/><text class=\"chart-tick\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            n(top),
            n(y),
            n(y),
            n(y + 4.0),
            n(y + 4.0 + FONT),
            escape(&axis.label(tick)),
            x = n(x),
        );
    }
}

/// A vertical axis along `x` from `bottom` up to `bottom - height`, labels to its left.
pub fn y_axis(out: &mut String, axis: &Axis, x: f64, bottom: f64, height: f64, right: f64) {
    let end = axis.end();
    let _ = write!(
        out,
        "<path class=\"chart-axis\" d=\"M{},{} V{}\"/>",
        n(x),
        n(bottom),
        n(bottom - height)
    );
    for &tick in &axis.ticks {
        let y = bottom - tick / end * height;
        let _ = write!(
            out,
            "<path class=\"chart-grid\" d=\"M{},{y} H{}\"/><text class=\"chart-tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            n(x),
            n(right),
            n(x - 4.0),
            n(y + FONT / 3.0),
            escape(&axis.label(tick)),
            y = n(y),
        );
    }
}

/// The column of a distribution chart's row names.
const DIST_LABEL_W: f64 = 64.0;
/// The plot's width: the shared axis.
pub const DIST_PLOT_W: f64 = 300.0;
/// The column of each row's figures, right of the plot.
const DIST_VALUES_W: f64 = 310.0;
const DIST_ROW_H: f64 = 20.0;

/// A step's process, wait and lead time on `axis` (shared by every step, so that steps compare
/// at a glance): per row a line from the minimum to p95, a box from p50 to p85, a mark at p50,
/// and the same percentiles written out beside it; the axis with its ticks below.
pub fn distribution(
    name: &str,
    rows: [(&str, &vsm_core::measure::Distribution); 3],
    axis: &Axis,
) -> String {
    let width = DIST_LABEL_W + DIST_PLOT_W + 12.0 + DIST_VALUES_W;
    let axis_y = 8.0 + 3.0 * DIST_ROW_H;
    let height = axis_y + 6.0 + FONT + 4.0;
    let mut chart = format!(
        "<svg class=\"dist\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"distributions of {}\">",
        escape(name),
        w = n(width),
        h = n(height),
    );
    let end = axis.end();
    let x = |d: Duration| n(DIST_LABEL_W + d.as_millis() as f64 / 1000.0 / end * DIST_PLOT_W);
    x_axis(&mut chart, axis, DIST_LABEL_W, DIST_PLOT_W, 0.0, axis_y);
    for (row, (label, d)) in rows.into_iter().enumerate() {
        let y = 12.0 + row as f64 * DIST_ROW_H;
        let baseline = n(y + FONT / 3.0);
        let _ = write!(
            chart,
            "<text class=\"dist-label\" x=\"0\" y=\"{baseline}\">{label}</text>"
        );
        let values_x = n(DIST_LABEL_W + DIST_PLOT_W + 12.0);
        if d.count == 0 {
            let _ = write!(
                chart,
                "<text class=\"dist-value\" x=\"{values_x}\" y=\"{baseline}\">no samples</text>"
            );
            continue;
        }
        let _ = write!(
            chart,
            "<g><title>{label}: p50 {p50}, p85 {p85}, p95 {p95}, min {}, max {} (n={})</title><path class=\"dist-range\" d=\"M{},{y} H{}\"/><rect class=\"dist-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"10\"/><path class=\"dist-median\" d=\"M{},{} V{}\"/></g><text class=\"dist-value\" x=\"{values_x}\" y=\"{baseline}\">p50 {p50} · p85 {p85} · p95 {p95}</text>",
            d.min.human(),
            d.max.human(),
            d.count,
            x(d.min),
            x(d.p95),
            x(d.p50),
            n(y - 5.0),
            n(
                (d.p85.as_millis() as f64 - d.p50.as_millis() as f64).max(0.0) / 1000.0 / end
                    * DIST_PLOT_W
            ),
            x(d.p50),
            n(y - 7.0),
            n(y + 7.0),
            p50 = d.p50.human(),
            p85 = d.p85.human(),
            p95 = d.p95.human(),
            y = n(y),
        );
    }
    chart.push_str("</svg>");
    chart
}

/// A coordinate as written in the SVG.
pub fn n(value: f64) -> String {
    format_number(value, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_a_round_value_of_the_unit() {
        let days = Axis::new(Unit::Seconds, 19.5 * 86_400.0);
        assert_eq!(
            days.ticks
                .iter()
                .map(|&t| days.label(t))
                .collect::<Vec<_>>(),
            ["0", "5d", "10d", "15d", "20d"]
        );
        let hours = Axis::new(Unit::Seconds, 5.5 * 3600.0);
        assert_eq!(hours.label(hours.end()), "6h");
        assert_eq!(hours.label(hours.ticks[1]), "2h");
        let percent = Axis::new(Unit::Percent, 37.0);
        assert_eq!(percent.ticks, [0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(percent.label(40.0), "40%");
        let nothing = Axis::new(Unit::Items, 0.0);
        assert_eq!(
            nothing
                .ticks
                .iter()
                .map(|&t| nothing.label(t))
                .collect::<Vec<_>>(),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(
            Axis::new(Unit::Items, 1260.0).ticks.len(),
            4,
            "0, 500, 1000, 1500"
        );
        // Past a year: whole years.
        let years = Axis::new(Unit::Seconds, 3000.0 * 86_400.0);
        assert!(years.ticks.len() <= 6, "{years:?}");
        assert_eq!(
            years.label(years.end()),
            "3640d",
            "five steps of two years of 364 days"
        );
    }
}
