//! The git source (being written).
