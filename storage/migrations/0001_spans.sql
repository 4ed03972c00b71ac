-- One immutable row per finished span. ReplacingMergeTree collapses exact duplicates (a span
-- written twice) on merge; readers also dedupe with LIMIT 1 BY span_id until merges happen.
-- non_replicated_deduplication_window makes a re-sent batch (same insert_deduplication_token,
-- e.g. a spool replay after a crash) a no-op, in this table and in the rollups fed from it.
CREATE TABLE IF NOT EXISTS spans
(
    project_id LowCardinality(String),
    session_id String,
    trace_id String,
    span_id String,
    parent_span_id String,
    name String,
    kind LowCardinality(String),
    agent_name LowCardinality(String),
    workflow LowCardinality(String),
    user_id String,
    service_name LowCardinality(String),
    autonomy_level LowCardinality(String),
    start_time DateTime64(9, 'UTC'),
    end_time DateTime64(9, 'UTC'),
    duration_ns UInt64,
    status LowCardinality(String),
    status_message String,
    model LowCardinality(String),
    provider LowCardinality(String),
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    reasoning_tokens UInt64,
    cost_usd Float64,
    cost_source LowCardinality(String),
    confidence Nullable(Float64),
    tool_name LowCardinality(String),
    tool_call_key String,
    input String CODEC(ZSTD(3)),
    output String CODEC(ZSTD(3)),
    state String CODEC(ZSTD(3)),
    has_escalation UInt8,
    has_limit_hit UInt8,
    attributes String CODEC(ZSTD(3)),
    resource_attributes String CODEC(ZSTD(3)),
    events String CODEC(ZSTD(3)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (project_id, session_id, start_time, span_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per session after merges (the session list reads only this). Columns are simple
-- aggregates so reading is a cheap GROUP BY session_id over pre-merged parts.
CREATE TABLE IF NOT EXISTS sessions_rollup
(
    project_id LowCardinality(String),
    session_id String,
    start_time SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
    end_time SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    agent_name AggregateFunction(argMin, String, DateTime64(9, 'UTC')),
    workflow SimpleAggregateFunction(max, String),
    user_id SimpleAggregateFunction(max, String),
    service_name SimpleAggregateFunction(max, String),
    autonomy_level SimpleAggregateFunction(max, String),
    has_root SimpleAggregateFunction(max, UInt8),
    root_error SimpleAggregateFunction(max, UInt8),
    spans SimpleAggregateFunction(sum, UInt64),
    llm_calls SimpleAggregateFunction(sum, UInt64),
    tool_calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    escalations SimpleAggregateFunction(sum, UInt64),
    limit_hits SimpleAggregateFunction(sum, UInt64),
    snapshots SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Float64),
    min_confidence SimpleAggregateFunction(min, Nullable(Float64)),
    last_ingested SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, session_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_rollup_mv TO sessions_rollup AS
SELECT
    project_id,
    session_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    argMinStateIf(toString(agent_name), start_time, agent_name != '') AS agent_name,
    max(toString(workflow)) AS workflow,
    max(user_id) AS user_id,
    max(toString(service_name)) AS service_name,
    max(toString(autonomy_level)) AS autonomy_level,
    -- A trace root (no parent) has ended: instrumentations that emit no `session` span still end.
    max(toUInt8(parent_span_id = '')) AS has_root,
    max(toUInt8(parent_span_id = '' AND status = 'error')) AS root_error,
    count() AS spans,
    countIf(kind = 'llm') AS llm_calls,
    countIf(kind = 'tool') AS tool_calls,
    countIf(status = 'error') AS errors,
    countIf(has_escalation = 1) AS escalations,
    countIf(has_limit_hit = 1) AS limit_hits,
    countIf(state != '') AS snapshots,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    min(confidence) AS min_confidence,
    max(ingested_at) AS last_ingested
FROM spans
GROUP BY project_id, session_id
-- `min(start_time) AS start_time` must not shadow the column inside argMinStateIf.
SETTINGS prefer_column_name_to_alias = 1;

-- Spend per hour by the dimensions budgets and cost charts group on. Budgets and /api/costs
-- read only this table.
CREATE TABLE IF NOT EXISTS cost_hourly
(
    project_id LowCardinality(String),
    hour DateTime('UTC'),
    agent_name LowCardinality(String),
    workflow LowCardinality(String),
    user_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    cost_usd SimpleAggregateFunction(sum, Float64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    llm_calls SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, hour, agent_name, workflow, user_id, model, provider)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_hourly_mv TO cost_hourly AS
SELECT
    project_id,
    toStartOfHour(toDateTime(end_time, 'UTC')) AS hour,
    agent_name,
    workflow,
    user_id,
    model,
    provider,
    sum(cost_usd) AS cost_usd,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    countIf(kind = 'llm') AS llm_calls
FROM spans
WHERE cost_usd > 0 OR input_tokens > 0 OR output_tokens > 0 OR kind = 'llm'
GROUP BY project_id, hour, agent_name, workflow, user_id, model, provider
SETTINGS prefer_column_name_to_alias = 1;
