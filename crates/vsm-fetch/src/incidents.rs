//! An incidents file, for teams whose incidents live outside the trackers vsm fetches from (a
//! pager, a status page, a spreadsheet): CSV with a header row, or JSON Lines, with the fields
//! `id` and `started`, and optionally `service`, `resolved`, `deployment` (the deployment that
//! caused it: it is attributed to that one) and `title`. Times are RFC 3339 with their offset.

use std::collections::HashSet;
use std::path::Path;

use crate::table::{self, Layout, TableError};

/// An incidents file's fields.
pub static LAYOUT: Layout = Layout {
    noun: "incidents",
    item: "incident",
    an_item: "an incident",
    a_file: "an incidents file",
    fields: &[
        "id",
        "service",
        "started",
        "resolved",
        "deployment",
        "title",
    ],
    optional: &["service", "resolved", "deployment", "title"],
    alias: None,
    described: "id and started, and optionally service, resolved, deployment and title",
};

/// One row of the file, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub id: String,
    pub service: Option<String>,
    pub started: jiff::Timestamp,
    pub resolved: Option<jiff::Timestamp>,
    /// The deployment it names, as written (an id of the store, or a deployments file's id).
    pub deployment: Option<String>,
    pub title: String,
}

/// Reads and checks the file.
pub fn read(path: &Path) -> Result<Vec<Incident>, TableError> {
    let (shown, rows) = table::read(path, &LAYOUT)?;
    let mut seen = HashSet::new();
    let mut incidents = Vec::new();
    for (row, fields) in rows {
        let [id, service, started, resolved, deployment, title] =
            <[String; 6]>::try_from(fields).expect("six fields");
        table::given_and_new(&shown, &LAYOUT, row, &[("id", &id)], &mut seen)?;
        let (started_at, resolved_at) =
            table::span(&shown, row, ("started", &started), ("resolved", &resolved))?;
        let given = |text: String| (!text.is_empty()).then_some(text);
        incidents.push(Incident {
            id,
            service: given(service),
            started: started_at,
            resolved: resolved_at,
            deployment: given(deployment),
            title,
        });
    }
    Ok(incidents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn csv_and_json_lines_give_the_same_incidents_with_optional_fields_left_out() {
        let (_csv_dir, csv) = file(
            "incidents.csv",
            "id,started,resolved,deployment\nINC-1,2024-03-05T11:00:00Z,2024-03-05T12:30:00Z,2\nINC-2,2024-03-06T09:00:00+01:00,,\n",
        );
        let (_json_dir, json) = file(
            "incidents.jsonl",
            "{\"id\": \"INC-1\", \"started\": \"2024-03-05T11:00:00Z\", \"resolved\": \"2024-03-05T12:30:00Z\", \"deployment\": 2}\n{\"id\": \"INC-2\", \"started\": \"2024-03-06T09:00:00+01:00\", \"resolved\": null}\n",
        );
        let from_csv = read(&csv).unwrap();
        assert_eq!(from_csv, read(&json).unwrap());
        assert_eq!(from_csv[0].deployment.as_deref(), Some("2"));
        assert_eq!(from_csv[1].started.to_string(), "2024-03-06T08:00:00Z");
        assert_eq!((from_csv[1].resolved, &from_csv[1].service), (None, &None));
    }

    #[test]
    fn each_bad_row_names_its_row_field_and_value_with_the_fix() {
        for (text, expected) in [
            (
                "id,resolved\nINC-1,2024-03-05T12:30:00Z\n",
                "no `started` column; the columns found are `id`, `resolved`\n  help: name the column `started`; an incident's columns are id and started, and optionally service, resolved, deployment and title",
            ),
            (
                "id,started\nINC-1,yesterday\n",
                "row 2, field `started`: `yesterday` is not a time; write the time as RFC 3339 with its offset",
            ),
            // Valid RFC 3339, past the last day vsm counts to: said so, as `--to` says it.
            (
                "id\tstarted\nINC-1\t2024-03-05T12:00:00Z\n",
                "one column whose name holds tabs: the file looks tab-separated, and vsm reads commas (convert it with `tr '\\t' ,`",
            ),
            (
                "id,started\nX,9999-12-31T00:00:00Z\n",
                "row 2, field `started`: `9999-12-31T00:00:00Z` is past the last day vsm can count time to (9999-12-30); give an earlier time",
            ),
            (
                "id,started\nX,2024-02-30T10:00:00Z\n",
                "row 2, field `started`: `2024-02-30T10:00:00Z` is not a time: 2024-02 has no day 30 (it has 29 days); check the day",
            ),
            (
                "id,started\nX,2024-13-01T10:00:00Z\n",
                "row 2, field `started`: `2024-13-01T10:00:00Z` is not a time: `13` is no month; write the time as RFC 3339",
            ),
            (
                "id,started,resolved\nINC-1,2024-03-05T12:00:00Z,2024-03-05T11:00:00Z\n",
                "row 2, field `resolved`: `2024-03-05T11:00:00Z` is before it started (2024-03-05T12:00:00Z); check the two times",
            ),
            (
                "id,started\nINC-1,2024-03-05T12:00:00Z\nINC-1,2024-03-06T12:00:00Z\n",
                "row 3, field `id`: `INC-1` is the id of an earlier row; give every incident its own id",
            ),
            // A row of more fields than the header quoted an empty value ("field `(row)`: ``
            // does not read as CSV"): the extra field is quoted with its row and column.
            (
                "id,started\nINC-1,2024-03-05T12:00:00Z\nINC-2,2024-03-06T12:00:00Z,Slow, search\n",
                "row 3, field `column 3`: `Slow` is past the header's 2 columns (4 fields in the row); remove it, or quote a value that holds a comma (`\"a, b\"`)",
            ),
            (
                "id,started,resolved\nINC-1,2024-03-05T12:00:00Z\n",
                "row 2, field `(row)`: `INC-1,2024-03-05T12:00:00Z` has 2 fields, and the header 3 columns; give every row as many fields as the header",
            ),
            (
                "[{\"id\": \"INC-1\"}]",
                "is a JSON array; an incidents file in JSON is JSON Lines",
            ),
        ] {
            let (_dir, path) = file("incidents.csv", text);
            let error = read(&path).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}\n  lacks: {expected}");
        }
    }
}
