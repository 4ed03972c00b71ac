-- Escalation review queues, items, their history and per-agent trust thresholds
-- (docs/ARCHITECTURE.md, "Escalations and reviews"). Configuration and items are versioned
-- rows like 0004: a change is a new row with a higher version, readers use FINAL.
CREATE TABLE IF NOT EXISTS review_queues
(
    project_id String,
    queue_id String,
    name String,
    scope_agent String,
    scope_workflow String,
    webhook_ids Array(String),
    reviewer String,
    sla_minutes Float64,
    fallback LowCardinality(String),
    fallback_webhook_ids Array(String),
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, queue_id);

-- One row per escalation: item_id is derived from (project, session, span, source), so the SDK
-- retrying, the engine re-reading its lookback window, or two engines never open a second item.
-- The opening row has version 0: a late duplicate open can never override a claim or decision.
-- proposed_action / edited_action / state hold JSON text ('' = none).
CREATE TABLE IF NOT EXISTS review_items
(
    project_id String,
    item_id String,
    queue_id String,
    session_id String,
    span_id String,
    agent_name String,
    workflow String,
    reason String,
    source LowCardinality(String),
    confidence Nullable(Float64),
    proposed_action String CODEC(ZSTD(3)),
    state String CODEC(ZSTD(3)),
    cost_usd Float64,
    status LowCardinality(String),
    created_at DateTime64(3, 'UTC'),
    due_at Nullable(DateTime64(3, 'UTC')),
    claimed_by String,
    claimed_at Nullable(DateTime64(3, 'UTC')),
    decision LowCardinality(String),
    edited_action String CODEC(ZSTD(3)),
    comment String CODEC(ZSTD(3)),
    correct Nullable(UInt8),
    decided_by String,
    decided_at Nullable(DateTime64(3, 'UTC')),
    fallback_applied LowCardinality(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, item_id);

-- What happened to each item, append-only (the item page's history).
CREATE TABLE IF NOT EXISTS review_events
(
    project_id String,
    item_id String,
    kind LowCardinality(String),
    at DateTime64(3, 'UTC'),
    by String,
    decision LowCardinality(String),
    comment String CODEC(ZSTD(3)),
    detail String
)
ENGINE = MergeTree
ORDER BY (project_id, item_id, at);

-- Per-agent confidence thresholds ('' = the project default); readable by the SDK.
CREATE TABLE IF NOT EXISTS review_thresholds
(
    project_id String,
    agent_name String,
    threshold Float64,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, agent_name);
