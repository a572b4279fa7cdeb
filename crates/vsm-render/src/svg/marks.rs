//! Where a number came from, on the map itself: a measured number is set in teal with a dot
//! beside it, a number that is part measured (the log's lead time less the estimated process
//! time) with a ring, a future state's design with a violet diamond; an estimate has no mark.

use vsm_core::measure::{Provenance, StepProvenance};

/// The class of a value's text.
pub(super) fn value_class(provenance: Provenance) -> &'static str {
    match provenance {
        Provenance::Measured | Provenance::Mixed => "vsm-value vsm-measured",
        Provenance::Estimated | Provenance::Designed | Provenance::Derived => "vsm-value",
    }
}

/// The mark of a value, centred at (`cx`, `cy`); nothing for an estimate.
pub(super) fn mark(provenance: Provenance, cx: i64, cy: i64) -> String {
    let what = match provenance {
        // A wait derived from the queue count is shown by the count under its triangle.
        Provenance::Estimated | Provenance::Derived => return String::new(),
        Provenance::Measured => "measured from the log",
        Provenance::Mixed => "part measured, part estimate",
        Provenance::Designed => "the future state's design",
    };
    let shape = match provenance {
        Provenance::Designed => format!(
            "<path class=\"vsm-mark-designed\" d=\"M{cx},{} L{},{cy} L{cx},{} L{},{cy} Z\"/>",
            cy - 4,
            cx + 4,
            cy + 4,
            cx - 4
        ),
        Provenance::Mixed => {
            format!("<circle class=\"vsm-mark-mixed\" cx=\"{cx}\" cy=\"{cy}\" r=\"3\"/>")
        }
        _ => format!("<circle class=\"vsm-mark-measured\" cx=\"{cx}\" cy=\"{cy}\" r=\"3.5\"/>"),
    };
    format!("<g class=\"vsm-provenance\"><title>{what}</title>{shape}</g>")
}

/// The kinds of mark a map shows, in the legend's order, with the legend's words for each.
pub(super) fn kinds(provenance: Option<&[StepProvenance]>) -> Vec<(Provenance, &'static str)> {
    let Some(provenance) = provenance else {
        return Vec::new();
    };
    let shown = |kind: Provenance| {
        provenance.iter().any(|p| {
            p.process_time == kind
                || p.wait_time == kind
                || p.complete_accurate == kind
                // A lead time of a measured wait and an estimated process time is part measured.
                || (kind == Provenance::Mixed && measured(p.process_time) != measured(p.wait_time))
        })
    };
    [
        (
            Provenance::Measured,
            "measured from the log (no mark: estimate)",
        ),
        (Provenance::Mixed, "part measured, part estimate"),
        (Provenance::Designed, "future design, not measured"),
    ]
    .into_iter()
    .filter(|&(kind, _)| shown(kind))
    .collect()
}

fn measured(provenance: Provenance) -> bool {
    matches!(provenance, Provenance::Measured | Provenance::Mixed)
}
