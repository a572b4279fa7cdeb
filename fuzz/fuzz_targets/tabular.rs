//! CSV and JSON Lines logs.
//!
//! The first byte is the mode: bit 0 skips invalid rows, bit 1 keeps attributes, bit 2 reads
//! JSON Lines instead of CSV. The rest is the log. The reader's counts must add up (every row
//! read is used or skipped, every item counted is handed on), and its errors must be short.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vsm_fuzz::{Counting, options, read_and_check};
use vsm_ingest::source::{Format, read_log_of};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, log)) = data.split_first() else {
        return;
    };
    let options = options(mode);
    read_and_check(&options, Counting::OneToOne, |names, sink| {
        if mode & 4 == 0 {
            read_log_of(Format::Csv, log, "fuzz.csv", &options, names, sink)
        } else {
            read_log_of(Format::JsonLines, log, "fuzz.jsonl", &options, names, sink)
        }
    });
});
