//! OCEL 2.0 logs, JSON and XML.
//!
//! The first byte is the mode: bit 0 skips invalid events, bit 1 keeps attributes, bit 2 reads
//! XML instead of JSON, bit 3 names the object type `Invoice` (otherwise the log must have one
//! type). The rest is the log. Every event read must be used or skipped, every item counted
//! handed on, and errors must be short.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vsm_fuzz::{Counting, options, read_and_check};
use vsm_ingest::source::{Format, read_log_of};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, log)) = data.split_first() else {
        return;
    };
    let mut options = options(mode);
    if mode & 8 != 0 {
        options.object_type = Some("Invoice".to_string());
    }
    read_and_check(&options, Counting::ObjectCentric, |names, sink| {
        if mode & 4 == 0 {
            read_log_of(Format::OcelJson, log, "fuzz.jsonocel", &options, names, sink)
        } else {
            read_log_of(Format::OcelXml, log, "fuzz.xmlocel", &options, names, sink)
        }
    });
});
