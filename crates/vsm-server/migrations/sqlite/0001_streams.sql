-- The first schema: users, their tokens and sessions, value streams with their versions and
-- who may do what on each. Times are Unix seconds.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE failed_sign_ins (
    name TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX failed_sign_ins_by_name ON failed_sign_ins (name, at);
CREATE TABLE streams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE versions (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    yaml TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (stream_id, number)
);
CREATE TABLE members (
    stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    PRIMARY KEY (stream_id, user_id)
);
