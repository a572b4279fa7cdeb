//! Times as the store writes them: the text pandas writes for a UTC time into SQLite (Python's
//! `datetime.isoformat(" ")`), which is what pm4py writes and reads back.

/// `2022-01-09 15:30:00+00:00`, with the microseconds (`15:30:00.250000+00:00`) only when
/// there are some; anything finer than a microsecond is dropped.
pub fn to_text(at: jiff::Timestamp) -> String {
    let utc = jiff::tz::Offset::UTC.to_datetime(at);
    let micros = utc.subsec_nanosecond() / 1_000;
    let fraction = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{fraction}+00:00",
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// A stored time back: the text [`to_text`] writes, or any RFC 3339 time with a space or a `T`.
pub fn parse(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_pandas_writes_them_and_read_back() {
        for (at, text) in [
            ("2022-01-09T15:30:00Z", "2022-01-09 15:30:00+00:00"),
            (
                "2022-01-09T17:30:00.25+02:00",
                "2022-01-09 15:30:00.250000+00:00",
            ),
            ("1970-01-01T00:00:00Z", "1970-01-01 00:00:00+00:00"),
        ] {
            let at: jiff::Timestamp = at.parse().unwrap();
            assert_eq!(to_text(at), text);
            assert_eq!(parse(text), Some(at));
        }
        assert_eq!(parse("2022-13-01 00:00:00+00:00"), None);
    }
}
