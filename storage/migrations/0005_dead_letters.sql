-- Spans ClickHouse refused for a reason retrying cannot fix (a data error). The collector's
-- writer isolates them from their batch, writes the rest and keeps them here, with the error,
-- so they can be listed and re-driven after a fix. `line` is the insert line as it was sent.
-- Like the configuration tables, a change (re-driven) is a new row with a higher version and
-- readers use FINAL; a re-sent dead letter (a spool replay) has the same id and collapses.
CREATE TABLE IF NOT EXISTS dead_letters
(
    project_id String,
    dead_letter_id String,
    received_at DateTime64(3, 'UTC'),
    reason String,
    error_code UInt32,
    trace_id String,
    span_id String,
    line String CODEC(ZSTD(3)),
    redriven_at Nullable(DateTime64(3, 'UTC')),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, dead_letter_id);
