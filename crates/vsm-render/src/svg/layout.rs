//! Where each step goes on the page.
//!
//! A value stream is mostly a left-to-right chain, so a small layered layout serves: a step's
//! column is its depth (the longest chain of `after:` before it), parallel branches take lanes
//! below the critical path, and long streams wrap into bands of a few columns each, so 40 steps
//! stay readable instead of shrinking.

use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;

use super::text::{columns_for, wrap};
use super::{NAME_FONT, SMALL_FONT};

pub const MARGIN: i64 = 24;
/// Room before each box for the queue triangle and the push arrow.
pub const GAP: i64 = 84;
pub const BOX_W: i64 = 164;
pub const CELL_W: i64 = GAP + BOX_W;
/// The least height of a process box: two lines of name, one of team, the id.
pub const PROCESS_H: i64 = 74;
pub const DATA_ROW_H: i64 = 16;
/// The rows every data box has: process, wait and lead time, %C&A.
pub const DATA_ROWS: i64 = 4;
/// The least room under the data box for rework arrows.
pub const REWORK_H: i64 = 44;
/// Each rework loop within a band runs on its own track, its label under its line.
pub const REWORK_TRACK: i64 = 18;
/// Room between the tracks of push arrows that skip columns, above their band.
pub const SKIP_TRACK: i64 = 12;
/// From the top of a band to the lowest track of its push arrows that skip columns: room under
/// it for the ends of lines on the boxes (their stub and arrowhead, or a far line's tagged stub).
pub const SKIP_CLEAR: i64 = 36;
/// A line of small text.
pub const LINE_H: i64 = 14;
pub const LADDER_H: i64 = 76;
/// Between one band's ladder and the next band: room for the lines that pass between them.
pub const BAND_GAP: i64 = 60;
pub const HEADER_TOP: i64 = 58;
pub const HEADER_BOX_W: i64 = 176;
/// Room for four lines: the customer's name and what it receives, two lines each.
pub const HEADER_BOX_H: i64 = 78;
/// Room between the header boxes and the first band for information flows.
pub const FLOW_H: i64 = 78;
pub const FIRST_BAND_TOP: i64 = HEADER_TOP + HEADER_BOX_H + FLOW_H;
pub const SUMMARY_W: i64 = 300;
pub const SUMMARY_H: i64 = 112;
/// The summary box's line stating the days its numbers count in, for a map that sets its
/// working time (`working_day:`, `working_week:`, `wait_days:`).
pub const SUMMARY_DAYS_H: i64 = 18;

/// The summary box's height: one line more for a map that states its days.
pub fn summary_h(stream: &ValueStream) -> i64 {
    if stream.working_time.declared {
        SUMMARY_H + SUMMARY_DAYS_H
    } else {
        SUMMARY_H
    }
}
/// A column of the legend, left of the summary box.
pub const LEGEND_COLUMN_W: i64 = 235;
/// The box at the end of the timeline ladder with its totals.
pub const LADDER_END_W: i64 = 176;
// The bands start below the header, and a lane holds its boxes with room for rework arrows.
const _: () = assert!(FIRST_BAND_TOP > HEADER_TOP + HEADER_BOX_H);

/// Columns of a step's name in its box, clear of the kaizen burst at the top right corner.
pub const NAME_COLUMNS: usize = columns_for(BOX_W - 28, NAME_FONT);
/// Columns of the team line.
pub const WHO_COLUMNS: usize = columns_for(BOX_W - 16, SMALL_FONT);
/// Lines of a step's name in its box, and of its team: a longer one is cut with "…" (the
/// box's tooltip has it whole), so no name makes every box of the map as tall as itself.
pub const NAME_LINES: usize = 4;
pub const WHO_LINES: usize = 2;

/// Extra room the routed lines and their labels asked for: above each row of boxes (a lane of
/// a band, in page order; the last entry is above the summary), and at the right.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Room {
    pub above: Vec<i64>,
    pub right: i64,
    /// The legend explains the junction dot: lines joined at one when drawn with the room above.
    pub junction: bool,
}

impl Room {
    pub fn above(&self, row: usize) -> i64 {
        self.above.get(row).copied().unwrap_or(0)
    }

    pub fn add_above(&mut self, row: usize, px: i64) {
        if self.above.len() <= row {
            self.above.resize(row + 1, 0);
        }
        self.above[row] += px;
    }
}

/// The position of every step and the size of the page.
#[derive(Debug)]
pub struct Layout {
    /// Per step: its column (0-based, across the whole stream).
    pub column: Vec<usize>,
    /// Per step: its lane within its band (0 is the top lane).
    pub lane: Vec<usize>,
    /// The bands of columns, top to bottom.
    pub bands: Vec<Band>,
    pub columns_per_band: usize,
    /// Columns in the whole stream.
    pub columns: usize,
    pub width: i64,
    pub height: i64,
    /// The height of every process box: room for the longest name and team, wrapped.
    pub process_h: i64,
    /// The height of every data box: room for the most rows a step has.
    pub data_h: i64,
    /// The y of the summary box and the legend.
    pub summary_top: i64,
}

#[derive(Clone, Debug)]
pub struct Band {
    /// The y of each lane's boxes.
    pub lane_tops: Vec<i64>,
    /// The row number of its first lane.
    pub first_row: usize,
    /// The y of the ladder's upper rung.
    pub ladder_top: i64,
}

impl Band {
    pub fn top(&self) -> i64 {
        self.lane_tops[0]
    }

    pub fn bottom(&self) -> i64 {
        self.ladder_top - 16 + LADDER_H
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
    /// Places the steps; `data_rows` is the most rows a data box has, `legend_w` the width of
    /// the legend, `room` what the routed lines asked for.
    pub fn new(
        stream: &ValueStream,
        analysis: &Analysis,
        header_width: i64,
        data_rows: i64,
        legend_w: i64,
        room: &Room,
    ) -> Layout {
        let steps = &stream.steps;
        let grid = crate::grid::Grid::new(stream, analysis);
        let band_count = grid.bands();
        let band_of = |step: usize| grid.band(step);
        let lane = &grid.lane;

        // Boxes grow to hold the longest name and team line, wrapped, up to a few lines.
        let name_lines = steps
            .iter()
            .map(|s| wrap(&s.name, NAME_COLUMNS, NAME_LINES).0.len() as i64)
            .max()
            .unwrap_or(1)
            .max(2);
        let who_lines = steps
            .iter()
            .map(|s| wrap(&crate::who(s), WHO_COLUMNS, WHO_LINES).0.len() as i64)
            .max()
            .unwrap_or(1)
            .max(1);
        let process_h = PROCESS_H + 16 * (name_lines - 2) + LINE_H * (who_lines - 1);
        let data_h = data_rows.max(DATA_ROWS) * DATA_ROW_H + 8;

        // Under the data boxes: a track per rework loop within a band.
        let mut tracks = vec![0usize; band_count];
        for loop_ in analysis.rework.iter().filter(|l| l.share.value() > 0.0) {
            if band_of(loop_.from) == band_of(loop_.to) && lane[loop_.from] == lane[loop_.to] {
                tracks[band_of(loop_.from)] += 1;
            }
        }
        let most_tracks = tracks.iter().copied().max().unwrap_or(0) as i64;
        let rework_h = REWORK_H.max(12 + REWORK_TRACK * most_tracks + 8);
        let lane_h = process_h + data_h + rework_h + 12;

        // Per band: the push arrows that skip columns within it, each on a track above it.
        let mut skips = vec![0i64; band_count];
        for (to, step) in steps.iter().enumerate() {
            for &from in &step.after {
                if band_of(from) == band_of(to) && grid.column[to] > grid.column[from] + 1 {
                    skips[band_of(to)] += 1;
                }
            }
        }
        let mut bands = Vec::with_capacity(band_count);
        let mut top = FIRST_BAND_TOP;
        let mut row = 0;
        for (band, &skip) in skips.iter().enumerate() {
            // Room for the tracks above the band, beyond what lies above it anyway (the gap
            // under the band before, or the room for flows under the header), keeping a
            // little of that for the lines that pass.
            if skip > 0 {
                let above = if band == 0 {
                    FLOW_H - 30
                } else {
                    BAND_GAP - 12
                };
                top += (SKIP_CLEAR + SKIP_TRACK * (skip - 1) - above).max(0);
            }
            let lanes = (0..steps.len())
                .filter(|&i| band_of(i) == band)
                .map(|i| lane[i] + 1)
                .max()
                .unwrap_or(1);
            let first_row = row;
            let mut lane_tops = Vec::with_capacity(lanes);
            for _ in 0..lanes {
                top += room.above(row);
                lane_tops.push(top);
                top += lane_h;
                row += 1;
            }
            // The ladder under the last lane (`lane_h` holds 12 below its rework tracks).
            let ladder_top = top - 12 + 16;
            let placed = Band {
                lane_tops,
                first_row,
                ladder_top,
            };
            top = placed.bottom() + BAND_GAP;
            bands.push(placed);
        }
        top += room.above(row);
        let summary_top = top - 12;
        // The last band's ladder ends in its box of totals.
        let (columns, columns_per_band) = (grid.columns, grid.columns_per_band);
        let last_columns = (columns.max(1) - 1) % columns_per_band + 1;
        let ladder_end = MARGIN + last_columns as i64 * CELL_W + 16 + LADDER_END_W + MARGIN;
        let content_width =
            (2 * MARGIN + columns_per_band as i64 * CELL_W + GAP / 2).max(ladder_end) + room.right;
        let width = content_width
            .max(header_width)
            .max(2 * MARGIN + legend_w + 24 + SUMMARY_W);
        let height = summary_top + summary_h(stream) + MARGIN;
        Layout {
            column: grid.column.clone(),
            lane: grid.lane.clone(),
            bands,
            columns_per_band,
            columns,
            width,
            height,
            process_h,
            data_h,
            summary_top,
        }
    }

    pub fn band_of(&self, step: usize) -> usize {
        self.column[step] / self.columns_per_band
    }

    /// Rows of boxes on the page.
    pub fn rows(&self) -> usize {
        self.bands
            .last()
            .map_or(0, |band| band.first_row + band.lane_tops.len())
    }

    /// The row whose room above holds `y`: the first row that starts below it (the summary's,
    /// `rows()`, below the last).
    pub fn row_below(&self, y: i64) -> usize {
        self.bands
            .iter()
            .flat_map(|band| band.lane_tops.iter())
            .position(|&top| top > y)
            .unwrap_or(self.rows())
    }

    /// The top-left corner of a step's process box.
    pub fn position(&self, step: usize) -> BoxPosition {
        let band = self.band_of(step);
        let column_in_band = (self.column[step] % self.columns_per_band) as i64;
        BoxPosition {
            x: MARGIN + column_in_band * CELL_W + GAP,
            y: self.bands[band].lane_tops[self.lane[step]],
            band,
        }
    }

    /// The y of the middle of a step's process box, where push arrows run.
    pub fn middle(&self, step: usize) -> i64 {
        self.position(step).y + self.process_h / 2
    }

    /// The x of the left edge of a column's gap, within its band.
    pub fn cell_left(&self, column: usize) -> i64 {
        MARGIN + (column % self.columns_per_band) as i64 * CELL_W
    }
}
