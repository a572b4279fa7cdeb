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
    created_at BIGINT NOT NULL,
    PRIMARY KEY (stream_id, name),
    CHECK ((kind = 'github') = (salt IS NOT NULL AND token_hash IS NULL))
);
-- `seq` only grows; writers of one stream take turns (an advisory lock held to commit), so
-- within a stream seq order is commit order and a reader that asks for what came after a mark
-- misses nothing committed later.
CREATE TABLE deliveries (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    seq BIGSERIAL NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (stream_id, seq),
    UNIQUE (stream_id, source, delivery_id)
);
