//! The measured analyses of the streams, kept in the process: measuring a map from a stream's
//! deliveries reads every event it has (300,000 events take seconds), so each analysis is kept
//! per stream, map text and last delivery read, and measured again only when a delivery
//! arrives or the map changes. One measurement per stream runs at a time: a request that comes
//! while one runs waits for it, or is given the previous analysis, said so, when one is known.
//! A measurement goes on when its request is given up (the timeout, the client gone), and its
//! analysis is kept for the next request: requests do not pile up measurements.
//!
//! Bounded: at most [`Measurements::capacity`] analyses are kept, the least recently used
//! dropped first, one per stream and map text (a newer delivery replaces the older analysis).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sha2::{Digest as _, Sha256};
use vsm_app::Loaded;

use crate::events::Current;
use crate::map::{Numbers, Problem};

/// Analyses kept by default.
pub const CAPACITY: usize = 32;

/// A measured analysis, or why the map could not be measured.
pub type Measured = Result<(Arc<Loaded>, Numbers), Problem>;

/// How current a page's numbers must be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wanted {
    /// Measured from every delivery received (waiting for a measurement that runs).
    #[default]
    Now,
    /// The last analysis known will do, said how fresh it is, while a newer one is measured in
    /// the background (the list of streams, which would otherwise measure every stream).
    Known,
}

/// The analyses of this process.
#[derive(Debug)]
pub struct Measurements {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// One measurement per stream at a time.
    turns: HashMap<String, Arc<Mutex<()>>>,
    /// Counts uses, to drop the least recently used.
    clock: u64,
    /// Measurements made, for tests and figures.
    made: u64,
}

/// A stream and the digest of its map's text and the texts of the maps it extends.
type Key = (String, [u8; 32]);

/// The digest of `text` and of the maps it extends: a changed base is measured again.
fn digest(text: &str, bases: &crate::future::Bases) -> [u8; 32] {
    let mut digest = Sha256::new();
    for part in std::iter::once(text).chain(bases.maps.iter().map(|(_, text)| text.as_str())) {
        // Each part's length first: no two lists of texts give the same bytes.
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part.as_bytes());
    }
    digest.finalize().into()
}

#[derive(Debug)]
struct Entry {
    /// The last delivery read when it was measured.
    seq: i64,
    /// The deliveries read by then.
    deliveries: usize,
    /// When it was measured.
    at: jiff::Timestamp,
    measured: Measured,
    used: u64,
}

impl Default for Measurements {
    fn default() -> Self {
        Measurements::new(CAPACITY)
    }
}

impl Measurements {
    /// Keeping at most `capacity` analyses (at least one).
    pub fn new(capacity: usize) -> Self {
        Measurements {
            capacity: capacity.max(1),
            state: Mutex::default(),
        }
    }

    /// The most analyses kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many measurements were made (not served from what was kept).
    pub fn made(&self) -> u64 {
        self.state().made
    }

    /// How many analyses are kept.
    pub fn kept(&self) -> usize {
        self.state().entries.len()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `text`, the map of `stream`, measured from `events` by `measure`, as `wanted`: kept, or
    /// measured now (one measurement per stream at a time), or the last one known, said so.
    /// Blocks: call it on a blocking thread.
    pub fn get(
        self: &Arc<Self>,
        stream: &str,
        text: &str,
        events: &Current,
        wanted: Wanted,
        measure: fn(&str, &str, &Current) -> Measured,
    ) -> Measured {
        let key: Key = (stream.to_string(), digest(text, &events.bases));
        let seq = events.summary.seq;
        let turn = {
            let mut state = self.state();
            if let Some(found) = state.current(&key, seq) {
                return found;
            }
            Arc::clone(state.turns.entry(stream.to_string()).or_default())
        };
        // A measurement of the stream runs: the last analysis known, or wait for it.
        let taken = match turn.try_lock() {
            Ok(taken) => Some(taken),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
        if (taken.is_none() || wanted == Wanted::Known)
            && let Some(known) = self.state().known(&key, events)
        {
            if let Some(taken) = taken {
                drop(taken);
                self.refresh_later(key.0.clone(), text.to_string(), events.clone(), measure);
            }
            return known;
        }
        let _taken = match taken {
            Some(taken) => taken,
            None => turn.lock().unwrap_or_else(PoisonError::into_inner),
        };
        if let Some(found) = self.state().current(&key, seq) {
            return found;
        }
        self.measure(key, text, events, measure)
    }

    /// Measures and keeps the analysis; the caller holds the stream's turn.
    fn measure(
        &self,
        key: Key,
        text: &str,
        events: &Current,
        measure: fn(&str, &str, &Current) -> Measured,
    ) -> Measured {
        let measured = measure(&key.0, text, events);
        let mut state = self.state();
        state.made += 1;
        state.clock += 1;
        let entry = Entry {
            seq: events.summary.seq,
            deliveries: events.summary.deliveries(),
            at: jiff::Timestamp::now(),
            measured: measured.clone(),
            used: state.clock,
        };
        state.entries.insert(key, entry);
        while state.entries.len() > self.capacity {
            let oldest = state
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(key, _)| key.clone());
            match oldest {
                Some(oldest) => state.entries.remove(&oldest),
                None => break,
            };
        }
        let streams: std::collections::HashSet<&String> =
            state.entries.keys().map(|(stream, _)| stream).collect();
        let idle: Vec<String> = state
            .turns
            .iter()
            .filter(|(stream, turn)| !streams.contains(stream) && Arc::strong_count(turn) == 1)
            .map(|(stream, _)| stream.clone())
            .collect();
        for stream in idle {
            state.turns.remove(&stream);
        }
        measured
    }

    /// Measures `text` on a blocking thread of the runtime, when no measurement of the stream
    /// runs; nothing without a runtime.
    fn refresh_later(
        self: &Arc<Self>,
        stream: String,
        text: String,
        events: Current,
        measure: fn(&str, &str, &Current) -> Measured,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = Arc::clone(self);
        runtime.spawn_blocking(move || {
            let _kept = this.get(&stream, &text, &events, Wanted::Now, measure);
        });
    }
}

impl State {
    /// The analysis measured from the deliveries up to `seq`, if kept.
    fn current(&mut self, key: &Key, seq: i64) -> Option<Measured> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(key).filter(|e| e.seq == seq)?;
        entry.used = clock;
        Some(entry.measured.clone())
    }

    /// The last analysis kept of `key`, measured from fewer deliveries than `events` holds,
    /// its note saying how fresh it is.
    fn known(&mut self, key: &Key, events: &Current) -> Option<Measured> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(key)?;
        entry.used = clock;
        let since = events.summary.deliveries().saturating_sub(entry.deliveries);
        if entry.seq == events.summary.seq {
            return Some(entry.measured.clone());
        }
        let said = format!(
            "These numbers were measured at {} UTC; {} arrived since, and are being measured: reload in a while.",
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            crate::events::counted(since, "delivery has", "deliveries have"),
        );
        Some(match &entry.measured {
            Ok((loaded, numbers)) => Ok((Arc::clone(loaded), numbers.later(&said))),
            Err(problem) => Err(problem.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const MAP: &str = "name: M\nsteps:\n  - { id: a, name: A, process_time: 1h }\n";

    static MEASURED: AtomicUsize = AtomicUsize::new(0);

    fn counting(stream: &str, text: &str, events: &Current) -> Measured {
        MEASURED.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(50));
        crate::map::measure_now(stream, text, events)
            .map(|(loaded, _)| (loaded, Numbers::Measured("Measured.".into())))
    }

    fn at(seq: i64) -> Current {
        let mut current = Current::default();
        current.summary.seq = seq;
        current.summary.read.insert("events".into(), seq as usize);
        current
    }

    #[test]
    fn an_analysis_is_measured_once_per_map_and_delivery_and_the_kept_ones_are_bounded() {
        let kept = Arc::new(Measurements::new(2));
        let before = MEASURED.load(Ordering::SeqCst);
        // Eight requests at once for the same stream: one measurement.
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || {
                    kept.get("s", MAP, &at(1), Wanted::Now, counting).unwrap();
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(kept.made(), 1);
        // A new delivery, or another map: measured again; the same again: kept.
        kept.get("s", MAP, &at(2), Wanted::Now, counting).unwrap();
        kept.get("s", MAP, &at(2), Wanted::Now, counting).unwrap();
        assert_eq!(kept.made(), 2);
        assert_eq!(kept.kept(), 1, "the newer analysis replaces the older");
        let other = MAP.replace("1h", "2h");
        kept.get("s", &other, &at(2), Wanted::Now, counting)
            .unwrap();
        kept.get("t", MAP, &at(2), Wanted::Now, counting).unwrap();
        assert_eq!(kept.made(), 4);
        assert_eq!(kept.kept(), 2, "bounded");
        assert!(MEASURED.load(Ordering::SeqCst) - before >= 4);
    }

    #[test]
    fn the_known_analysis_is_served_said_so_while_a_newer_one_is_measured() {
        let kept = Arc::new(Measurements::new(4));
        let map = MAP.replace("name: M", "name: K");
        kept.get("k", &map, &at(1), Wanted::Now, counting).unwrap();
        let (_, numbers) = kept
            .get("k", &map, &at(3), Wanted::Known, counting)
            .unwrap();
        let note = numbers.note().unwrap();
        assert!(note.contains("2 deliveries have arrived since"), "{note}");
        // No runtime here to measure in the background: asked for now, it is measured.
        assert_eq!(kept.made(), 1);
        let (_, numbers) = kept.get("k", &map, &at(3), Wanted::Now, counting).unwrap();
        assert_eq!(numbers.note(), Some("Measured."));
        assert_eq!(kept.made(), 2);
    }
}
