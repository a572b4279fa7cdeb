-- Version 1: the type-independent tables of the OCEL 2.0 relational layout, with the keys and
-- references pm4py's relational validation asks for (ocel20_rel_validation.py: constraints 1 to
-- 24), and vsm's own bookkeeping, in tables whose names start with `vsm_` (pm4py reads only the
-- tables the map tables name). Each type's `event_<type>` / `object_<type>` table is made when
-- the first event or object of that type is written, with a column per attribute seen.
CREATE TABLE event_map_type (
    ocel_type TEXT PRIMARY KEY,
    ocel_type_map TEXT NOT NULL UNIQUE
);
CREATE TABLE object_map_type (
    ocel_type TEXT PRIMARY KEY,
    ocel_type_map TEXT NOT NULL UNIQUE
);
CREATE TABLE event (
    ocel_id TEXT PRIMARY KEY,
    ocel_type TEXT NOT NULL REFERENCES event_map_type (ocel_type)
);
CREATE TABLE object (
    ocel_id TEXT PRIMARY KEY,
    ocel_type TEXT NOT NULL REFERENCES object_map_type (ocel_type)
);
CREATE TABLE event_object (
    ocel_event_id TEXT NOT NULL REFERENCES event (ocel_id),
    ocel_object_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_qualifier TEXT NOT NULL,
    PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier)
);
CREATE INDEX vsm_event_object_by_object ON event_object (ocel_object_id);
CREATE TABLE object_object (
    ocel_source_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_target_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_qualifier TEXT NOT NULL,
    PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier)
);
-- Per source (`git:/path/to/repo`, `github:owner/repo`...): where the last fetch got to (a
-- source's own cursor, e.g. the `updated` time to ask from next time) and when it ran.
CREATE TABLE vsm_source (
    source TEXT PRIMARY KEY,
    cursor TEXT,
    fetched_at TEXT NOT NULL
);
