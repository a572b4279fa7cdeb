//! XES logs, plain and gzip, including documents larger than the reader's 2 MiB segment.
//!
//! The first byte is the mode:
//! - bit 0 skips invalid events, bit 1 keeps attributes;
//! - bits 2-3: 0 plain text, 1 gzip, 2 gzip in two members, 3 the input itself is the gzip
//!   stream (damaged or cut short, as the fuzzer makes it);
//! - bit 4 stretches the document across a segment boundary: its traces (from the first
//!   `<trace` on) are written once, then after whitespace again so that the boundary falls
//!   inside them, then bits 5-6 more times;
//!
//! the second byte says where in the traces the boundary falls (in 256ths), and the rest is
//! the document. Every event read must be used or skipped, every item counted handed on, and
//! errors must be short.
#![no_main]

use std::io::Write as _;

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use vsm_fuzz::{Counting, options, read_and_check};

/// The reader's segment size (`SEGMENT` in `vsm_ingest::xes`): the text is cut into segments of
/// whole traces of at least this many bytes.
const SEGMENT: usize = 2 << 20;

fuzz_target!(|data: &[u8]| {
    let [mode, at, document @ ..] = data else {
        return;
    };
    let (mode, at) = (*mode, *at);
    let options = options(mode);
    let text = if mode & 0x10 == 0 {
        document.to_vec()
    } else {
        stretch(document, at, usize::from(mode >> 5 & 3))
    };
    read_and_check(&options, Counting::OneToOne, |names, sink| {
        match mode >> 2 & 3 {
            0 => vsm_ingest::xes::read(&text[..], "fuzz.xes", &options, names, sink),
            1 => {
                let compressed = gzip(&text);
                let input = MultiGzDecoder::new(&compressed[..]);
                vsm_ingest::xes::read(input, "fuzz.xes.gz", &options, names, sink)
            }
            2 => {
                let split = text.len() * usize::from(at) / 256;
                let mut compressed = gzip(&text[..split]);
                compressed.extend(gzip(&text[split..]));
                let input = MultiGzDecoder::new(&compressed[..]);
                vsm_ingest::xes::read(input, "fuzz.xes.gz", &options, names, sink)
            }
            _ => {
                let input = MultiGzDecoder::new(document);
                vsm_ingest::xes::read(input, "fuzz.xes.gz", &options, names, sink)
            }
        }
    });
});

/// The document with its traces written `2 + more` times, whitespace between the first two
/// copies placing the first segment boundary `at`/256 of the way into the second copy.
fn stretch(document: &[u8], at: u8, more: usize) -> Vec<u8> {
    let start = find(document, b"<trace").unwrap_or(document.len());
    let (header, traces) = document.split_at(start);
    let mut traces = traces.trim_ascii_end();
    if let Some(inner) = traces.strip_suffix(b"</log>") {
        traces = inner;
    }
    let boundary = traces.len() * usize::from(at) / 256;
    let filler = SEGMENT.saturating_sub(traces.len() + boundary).max(1);
    let mut text = Vec::with_capacity(header.len() + filler + traces.len() * (2 + more) + 16);
    text.extend_from_slice(header);
    text.extend_from_slice(traces);
    text.extend(std::iter::repeat_n(b' ', filler - 1));
    text.push(b'\n');
    for _ in 0..=more {
        text.extend_from_slice(traces);
    }
    text.extend_from_slice(b"\n</log>\n");
    text
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("writes to memory");
    encoder.finish().expect("writes to memory")
}
