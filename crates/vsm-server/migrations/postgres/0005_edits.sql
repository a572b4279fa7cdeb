-- The workshop editor's edits: each a batch of ops on the map's tree (JSON, in the wire form of
-- vsm_core::mapfile::document), numbered per stream from 1 in the order they were applied. The
-- primary key (stream_id, seq) lets one of two edits numbered alike at once through (on any
-- replica); the other is applied again after the first. An edit lives on the version it was
-- made over (base_version) until a version is saved with it (saved_in), in the transaction
-- that saves that version: the map being edited is always the latest version plus the edits
-- not yet saved.
CREATE TABLE edits (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    base_version BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    ops TEXT NOT NULL,
    -- What the edit overwrote that its author had not seen (a JSON list, empty when nothing).
    conflicts TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    saved_in BIGINT,
    PRIMARY KEY (stream_id, seq)
);
