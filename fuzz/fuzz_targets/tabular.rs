//! CSV and JSON Lines logs.
//!
//! The first byte is the mode: bit 0 skips invalid rows, bit 1 keeps attributes, bit 2 reads
//! JSON Lines instead of CSV. The rest is the log. The reader's counts must add up (every row
//! read is used or skipped, every item counted is handed on), and its errors must be short.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vsm_fuzz::{CheckingSink, Counting, check_result, options};
use vsm_ingest::xes::LogNames;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, log)) = data.split_first() else {
        return;
    };
    let options = options(mode);
    let mut names = LogNames::default();
    let mut sink = CheckingSink::new(&options);
    let result = if mode & 4 == 0 {
        vsm_ingest::tabular::read_csv(log, "fuzz.csv", &options, &mut names, &mut sink)
    } else {
        vsm_ingest::tabular::read_json_lines(log, "fuzz.jsonl", &options, &mut names, &mut sink)
    };
    check_result(&result, &names, &sink, &options, Counting::OneToOne);
});
