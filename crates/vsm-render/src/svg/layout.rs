//! Where each step goes on the page.
//!
//! A value stream is mostly a left-to-right chain, so a small layered layout serves: a step's
//! column is its depth (the longest chain of `after:` before it), parallel branches take lanes
//! below the critical path, and long streams wrap into bands of a few columns each, so 40 steps
//! stay readable instead of shrinking.

use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;

pub const MARGIN: i64 = 24;
/// Room before each box for the queue triangle and the push arrow.
pub const GAP: i64 = 84;
pub const BOX_W: i64 = 164;
pub const CELL_W: i64 = GAP + BOX_W;
pub const PROCESS_H: i64 = 74;
pub const DATA_ROW_H: i64 = 16;
pub const DATA_H: i64 = 4 * DATA_ROW_H + 8;
/// Room under the data box for rework arrows.
pub const REWORK_H: i64 = 44;
pub const LANE_H: i64 = PROCESS_H + DATA_H + REWORK_H + 12;
pub const LADDER_H: i64 = 76;
pub const BAND_GAP: i64 = 44;
pub const HEADER_TOP: i64 = 58;
pub const HEADER_BOX_W: i64 = 176;
pub const HEADER_BOX_H: i64 = 64;
/// Room between the header boxes and the first band for information flows.
pub const FLOW_H: i64 = 78;
pub const FIRST_BAND_TOP: i64 = HEADER_TOP + HEADER_BOX_H + FLOW_H;
pub const SUMMARY_W: i64 = 300;
pub const SUMMARY_H: i64 = 112;
/// The legend's two columns, left of the summary box.
pub const LEGEND_W: i64 = 470;
// The bands start below the header, and a lane holds its boxes with room for rework arrows.
const _: () = assert!(FIRST_BAND_TOP > HEADER_TOP + HEADER_BOX_H);
const _: () = assert!(LANE_H > PROCESS_H + DATA_H + REWORK_H);

/// A stream of up to this many columns stays on one row.
pub const MAX_COLUMNS_ONE_ROW: usize = 8;
/// Longer streams wrap into bands of at most this many columns, balanced in length.
pub const MAX_COLUMNS_PER_BAND: usize = 7;

/// The position of every step and the size of the page.
#[derive(Debug)]
pub struct Layout {
    /// Per step: its column (0-based, across the whole stream).
    pub column: Vec<usize>,
    /// Per step: its lane within its band (0 is the top lane).
    pub lane: Vec<usize>,
    /// Per band: the y of its top edge and its number of lanes.
    pub bands: Vec<Band>,
    pub columns_per_band: usize,
    pub width: i64,
    pub height: i64,
}

#[derive(Clone, Copy, Debug)]
pub struct Band {
    pub top: i64,
    pub lanes: usize,
}

impl Band {
    /// The y of the ladder's upper rung.
    pub fn ladder_top(&self) -> i64 {
        self.top + self.lanes as i64 * LANE_H + 16
    }

    pub fn bottom(&self) -> i64 {
        self.top + self.lanes as i64 * LANE_H + LADDER_H
    }
}

/// A process box on the page.
#[derive(Clone, Copy, Debug)]
pub struct BoxPosition {
    pub x: i64,
    pub y: i64,
    pub band: usize,
}

impl Layout {
    pub fn new(stream: &ValueStream, analysis: &Analysis, header_width: i64) -> Layout {
        let steps = &stream.steps;
        let order =
            vsm_core::graph::topological_order(steps).expect("a checked stream has no cycle");
        let mut column = vec![0usize; steps.len()];
        for &index in &order {
            column[index] = steps[index]
                .after
                .iter()
                .map(|&p| column[p] + 1)
                .max()
                .unwrap_or(0);
        }
        let columns = column.iter().max().map_or(0, |max| max + 1);
        let columns_per_band = if columns <= MAX_COLUMNS_ONE_ROW {
            columns.max(1)
        } else {
            let bands = columns.div_ceil(MAX_COLUMNS_PER_BAND);
            columns.div_ceil(bands)
        };

        // Lanes: the critical path keeps lane 0; a branch stays in its predecessor's lane when
        // that lane is free in its column, so branches read as rows.
        let mut lane = vec![usize::MAX; steps.len()];
        let mut taken: Vec<Vec<usize>> = vec![Vec::new(); columns];
        for &index in &analysis.critical_path {
            lane[index] = 0;
            taken[column[index]].push(0);
        }
        for &index in &order {
            if lane[index] != usize::MAX {
                continue;
            }
            let used = &taken[column[index]];
            let preferred = steps[index]
                .after
                .iter()
                .map(|&p| lane[p])
                .find(|candidate| !used.contains(candidate));
            let chosen = preferred.unwrap_or_else(|| {
                (0..=used.len())
                    .find(|l| !used.contains(l))
                    .expect("a free lane")
            });
            lane[index] = chosen;
            taken[column[index]].push(chosen);
        }

        let band_count = columns.div_ceil(columns_per_band).max(1);
        let mut bands = Vec::with_capacity(band_count);
        let mut top = FIRST_BAND_TOP;
        for band in 0..band_count {
            let lanes = (0..steps.len())
                .filter(|&i| column[i] / columns_per_band == band)
                .map(|i| lane[i] + 1)
                .max()
                .unwrap_or(1);
            let placed = Band { top, lanes };
            top = placed.bottom() + BAND_GAP;
            bands.push(placed);
        }
        let content_width = 2 * MARGIN + columns_per_band as i64 * CELL_W + GAP / 2;
        let width = content_width
            .max(header_width)
            .max(2 * MARGIN + LEGEND_W + 24 + SUMMARY_W);
        let height = top + SUMMARY_H + MARGIN;
        Layout {
            column,
            lane,
            bands,
            columns_per_band,
            width,
            height,
        }
    }

    pub fn band_of(&self, step: usize) -> usize {
        self.column[step] / self.columns_per_band
    }

    /// The top-left corner of a step's process box.
    pub fn position(&self, step: usize) -> BoxPosition {
        let band = self.band_of(step);
        let column_in_band = (self.column[step] % self.columns_per_band) as i64;
        BoxPosition {
            x: MARGIN + column_in_band * CELL_W + GAP,
            y: self.bands[band].top + self.lane[step] as i64 * LANE_H,
            band,
        }
    }

    /// The x of the left edge of a column's gap, within its band.
    pub fn cell_left(&self, column: usize) -> i64 {
        MARGIN + (column % self.columns_per_band) as i64 * CELL_W
    }
}
