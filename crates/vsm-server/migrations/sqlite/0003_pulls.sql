-- Scheduled pulls: a stream's sources that the server reads itself, through the connectors
-- `vsm fetch` uses, on an interval. The token is never kept: only the NAME of the environment
-- variable each server process reads it from. A replica runs a due pull only after taking its
-- lease (lease_owner, lease_until) with one conditional UPDATE, so two never run it at once; a
-- lease of a replica that died runs out. What a run fetched is stored as deliveries of kind
-- `pull` (see deliveries), so the event store is made from them like from webhooks.
CREATE TABLE pulls (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('github', 'gitlab', 'jira')),
    target TEXT NOT NULL,
    api_url TEXT NOT NULL,
    token_env TEXT NOT NULL,
    -- Jira Cloud: the account (e-mail) the token belongs to, sent with it as basic auth.
    user_name TEXT,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds > 0),
    created_at INTEGER NOT NULL,
    cursor TEXT,
    last_run_at INTEGER,
    outcome TEXT,
    next_due INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    -- When "pull now" was asked during a run (the lease held): the run's end keeps it due.
    asked_at INTEGER,
    PRIMARY KEY (stream_id, name)
);
CREATE INDEX pulls_by_due ON pulls (next_due);
