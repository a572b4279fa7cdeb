-- Webhook ingestion: the sources that may deliver to a stream, and every delivery as received.
-- A source proves itself with a token (GitLab, the generic events endpoint: only its SHA-256
-- is kept) or with GitHub's HMAC signature (the secret is derived from the server key and the
-- row's salt, never kept). Deliveries outlive their source: they are the stream's data.
CREATE TABLE sources (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('github', 'gitlab', 'events')),
    token_hash TEXT,
    salt TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (stream_id, name),
    CHECK ((kind = 'github') = (salt IS NOT NULL AND token_hash IS NULL))
);
-- `seq` only grows (AUTOINCREMENT: never reused), and SQLite has one writer at a time, so a
-- reader that asks for what came after a mark misses nothing committed later.
CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (stream_id, source, delivery_id)
);
CREATE INDEX deliveries_by_stream ON deliveries (stream_id, seq);
