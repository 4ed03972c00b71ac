-- Human feedback and evaluation scores on a session or one of its steps (POST /api/scores).
-- Append-only: a corrected score is a new score; readers show them all, newest last.
CREATE TABLE IF NOT EXISTS scores
(
    project_id LowCardinality(String),
    session_id String,
    span_id String,
    score_id String,
    name String,
    data_type LowCardinality(String),
    value Float64,
    string_value String,
    comment String CODEC(ZSTD(3)),
    source LowCardinality(String),
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, session_id, created_at, score_id);

-- Dashboard sign-in sessions: the cookie holds an opaque token, this table its SHA-256. A
-- sign-out is a new row with revoked = 1 and a higher version (FINAL picks it).
CREATE TABLE IF NOT EXISTS auth_sessions
(
    token_hash String,
    project_id String,
    key_id String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    expires_at DateTime64(3, 'UTC'),
    revoked UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY token_hash
TTL toDateTime(expires_at) + INTERVAL 1 DAY;

-- Whether a span recorded a state snapshot, without reading the (large, compressed) state
-- column: the replay lists 10,000+ steps with this flag. Parts written before this migration
-- compute it from `state` on read.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS has_state UInt8 MATERIALIZED state != '';
