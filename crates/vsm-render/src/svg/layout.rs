//! Where each step goes on the page.
//!
//! A value stream is mostly a left-to-right chain, so a small layered layout serves: a step's
//! column is its depth (the longest chain of `after:` before it), parallel branches take lanes
//! below the critical path, and long streams wrap into bands of a few columns each, so 40 steps
//! stay readable instead of shrinking.

use vsm_core::analysis::Analysis;
use vsm_core::model::{Endpoint, ValueStream};

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
pub const DATA_H: i64 = 4 * DATA_ROW_H + 8;
/// The least room under the data box for rework arrows.
pub const REWORK_H: i64 = 44;
/// Each rework loop within a band runs on its own track, its label under its line.
pub const REWORK_TRACK: i64 = 18;
/// A line of small text.
pub const LINE_H: i64 = 14;
pub const LADDER_H: i64 = 76;
pub const BAND_GAP: i64 = 44;
pub const HEADER_TOP: i64 = 58;
pub const HEADER_BOX_W: i64 = 176;
/// Room for four lines: the customer's name and what it receives, two lines each.
pub const HEADER_BOX_H: i64 = 78;
/// Room between the header boxes and the first band for information flows.
pub const FLOW_H: i64 = 78;
pub const FIRST_BAND_TOP: i64 = HEADER_TOP + HEADER_BOX_H + FLOW_H;
pub const SUMMARY_W: i64 = 300;
pub const SUMMARY_H: i64 = 112;
/// The legend's two columns, left of the summary box.
pub const LEGEND_W: i64 = 470;
// The bands start below the header, and a lane holds its boxes with room for rework arrows.
const _: () = assert!(FIRST_BAND_TOP > HEADER_TOP + HEADER_BOX_H);

/// Columns of a step's name in its box, clear of the kaizen burst at the top right corner.
pub const NAME_COLUMNS: usize = columns_for(BOX_W - 28, NAME_FONT);
/// Columns of the team line.
pub const WHO_COLUMNS: usize = columns_for(BOX_W - 16, SMALL_FONT);
/// Columns of a note under a box (rework to or from another row).
pub const NOTE_COLUMNS: usize = columns_for(BOX_W, SMALL_FONT);
/// Columns of an information note over a box (a flow to or from another row).
pub const STUB_COLUMNS: usize = columns_for(BOX_W + GAP - 24, SMALL_FONT);

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
    /// The height of every process box: room for the longest name and team, wrapped.
    pub process_h: i64,
    /// Per band: its rework loops within the band, each on its own track.
    pub tracks: Vec<usize>,
}

#[derive(Clone, Copy, Debug)]
pub struct Band {
    pub top: i64,
    pub lanes: usize,
    pub lane_h: i64,
}

impl Band {
    /// The y of the ladder's upper rung.
    pub fn ladder_top(&self) -> i64 {
        self.top + self.lanes as i64 * self.lane_h + 16
    }

    pub fn bottom(&self) -> i64 {
        self.top + self.lanes as i64 * self.lane_h + LADDER_H
    }
}

/// Lines of `texts` wrapped to `columns` each, together.
fn wrapped_lines<'t>(texts: impl IntoIterator<Item = &'t String>, columns: usize) -> i64 {
    texts
        .into_iter()
        .map(|t| wrap(t, columns, usize::MAX).0.len() as i64)
        .sum()
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
        let band_of = |step: usize| column[step] / columns_per_band;

        // Boxes grow to hold the longest name and team line, wrapped rather than cut.
        let name_lines = steps
            .iter()
            .map(|s| wrap(&s.name, NAME_COLUMNS, usize::MAX).0.len() as i64)
            .max()
            .unwrap_or(1)
            .max(2);
        let who_lines = steps
            .iter()
            .map(|s| wrap(&crate::who(s), WHO_COLUMNS, usize::MAX).0.len() as i64)
            .max()
            .unwrap_or(1)
            .max(1);
        let process_h = PROCESS_H + 16 * (name_lines - 2) + LINE_H * (who_lines - 1);

        // Under the data boxes: a track per rework loop within a band, then the notes of loops
        // between bands, then (over a box in a lower lane) the notes of its information flows.
        let mut tracks = vec![0usize; band_count];
        for loop_ in analysis.rework.iter().filter(|l| l.share.value() > 0.0) {
            if band_of(loop_.from) == band_of(loop_.to) {
                tracks[band_of(loop_.from)] += 1;
            }
        }
        let notes = super::arrows::rework_notes(stream, analysis, &band_of);
        let in_view = |step: usize| band_of(step) == 0 && lane[step] == 0;
        let stubs = super::flows::stub_notes(stream, &in_view);
        let note_lines = notes
            .iter()
            .map(|n| wrapped_lines(n, NOTE_COLUMNS))
            .max()
            .unwrap_or(0);
        let lower_stub_lines = (0..steps.len())
            .filter(|&i| lane[i] > 0)
            .map(|i| wrapped_lines(&stubs[i], STUB_COLUMNS))
            .max()
            .unwrap_or(0);
        let most_tracks = tracks.iter().copied().max().unwrap_or(0) as i64;
        let rework_h = REWORK_H.max(
            12 + REWORK_TRACK * most_tracks
                + LINE_H * (note_lines + lower_stub_lines)
                + if lower_stub_lines > 0 { 24 } else { 8 },
        );
        let lane_h = process_h + DATA_H + rework_h + 12;

        // The most label lines under one header node (all its flows' labels, wrapped).
        let header_label_lines = {
            let mut lines = vec![0i64; stream.systems.len() + 1];
            for flow in &stream.flows {
                let label = flow.label.clone().unwrap_or_default();
                let n = wrap(&label, super::flows::LABEL_COLUMNS, usize::MAX)
                    .0
                    .len() as i64;
                for end in [&flow.from, &flow.to] {
                    match end {
                        Endpoint::System(i) => lines[*i] += n,
                        Endpoint::Customer => lines[stream.systems.len()] += n,
                        Endpoint::Step(_) => {}
                    }
                }
            }
            lines.into_iter().max().unwrap_or(0)
        };
        let mut bands = Vec::with_capacity(band_count);
        let mut top = FIRST_BAND_TOP;
        for band in 0..band_count {
            let lanes = (0..steps.len())
                .filter(|&i| band_of(i) == band)
                .map(|i| lane[i] + 1)
                .max()
                .unwrap_or(1);
            // The notes over the top lane's boxes stack upwards into the gap above the band.
            let stub_lines = (0..steps.len())
                .filter(|&i| band_of(i) == band && lane[i] == 0)
                .map(|i| wrapped_lines(&stubs[i], STUB_COLUMNS))
                .max()
                .unwrap_or(0);
            if band > 0 {
                top += (LINE_H * stub_lines - 35).max(0);
            } else {
                // Under the header: its lines' labels hang down, these notes stack up.
                top += (16 + LINE_H * (header_label_lines + stub_lines) + 32 - FLOW_H).max(0);
            }
            let placed = Band { top, lanes, lane_h };
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
            process_h,
            tracks,
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
            y: self.bands[band].top + self.lane[step] as i64 * self.bands[band].lane_h,
            band,
        }
    }

    /// The x of the left edge of a column's gap, within its band.
    pub fn cell_left(&self, column: usize) -> i64 {
        MARGIN + (column % self.columns_per_band) as i64 * CELL_W
    }
}
