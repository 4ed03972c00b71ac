-- Small configuration tables. ClickHouse has no updates on the hot path, so each change is a
-- new row with a higher version and readers use FINAL (these tables stay tiny).
CREATE TABLE IF NOT EXISTS projects
(
    project_id String,
    name String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY project_id;

-- Keys are stored as SHA-256 of the full key; `prefix` (the first characters) lets people
-- recognise a key in lists without it being usable.
CREATE TABLE IF NOT EXISTS api_keys
(
    key_hash String,
    key_id String,
    project_id String,
    kind LowCardinality(String),
    prefix String,
    name String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    revoked UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_hash;
