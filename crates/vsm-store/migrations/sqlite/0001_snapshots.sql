-- Version 1: a snapshot per row, its named numbers in their own table.
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    map TEXT NOT NULL,
    file TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    git_commit TEXT,
    git_dirty INTEGER NOT NULL,
    analysis TEXT NOT NULL,
    metric_count INTEGER NOT NULL
);
CREATE INDEX snapshots_by_map ON snapshots (map, taken_at, id);
CREATE TABLE metrics (
    snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (snapshot, name)
) WITHOUT ROWID;
