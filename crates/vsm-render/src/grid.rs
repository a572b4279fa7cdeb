//! Where each step of a map stands, shared by the pictures that lay the map out themselves (the
//! SVG, and the DOT that asks Graphviz to draw it alike): a step's column is its depth (the
//! longest chain of `after:` before it), the critical path keeps the top lane, a branch stays
//! in its predecessor's lane when that lane is free in its column, so branches read as rows,
//! and a long stream wraps into bands of a few columns each.

use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;

/// A stream of up to this many columns stays on one row.
pub const MAX_COLUMNS_ONE_ROW: usize = 8;
/// Longer streams wrap into bands of at most this many columns, balanced in length.
pub const MAX_COLUMNS_PER_BAND: usize = 7;

/// The column, lane and band of every step.
#[derive(Clone, Debug)]
pub(crate) struct Grid {
    /// Per step: its column (0-based, across the whole stream).
    pub column: Vec<usize>,
    /// Per step: its lane within its band (0 is the top lane).
    pub lane: Vec<usize>,
    /// Columns in the whole stream.
    pub columns: usize,
    pub columns_per_band: usize,
}

impl Grid {
    pub fn new(stream: &ValueStream, analysis: &Analysis) -> Grid {
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
        Grid {
            column,
            lane,
            columns,
            columns_per_band,
        }
    }

    pub fn band(&self, step: usize) -> usize {
        self.column[step] / self.columns_per_band
    }

    /// Bands on the page.
    pub fn bands(&self) -> usize {
        self.columns.div_ceil(self.columns_per_band).max(1)
    }
}
