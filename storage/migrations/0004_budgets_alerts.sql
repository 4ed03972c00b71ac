-- Budgets, webhooks, alerts and their deliveries (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops"). Configuration tables follow 0002:
-- a change is a new row with a higher version, readers use FINAL.
CREATE TABLE IF NOT EXISTS budgets
(
    project_id String,
    budget_id String,
    name String,
    scope_agent String,
    scope_workflow String,
    scope_user String,
    scope_model String,
    period LowCardinality(String),
    timezone String,
    limit_usd Float64,
    thresholds Array(Float64),
    webhook_ids Array(String),
    hard_stop UInt8,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, budget_id);

-- The secret signs deliveries (HMAC), so it is stored as is: it is shown once by the API and
-- never again; anyone who can read this table can forge signatures.
CREATE TABLE IF NOT EXISTS webhooks
(
    project_id String,
    webhook_id String,
    name String,
    url String,
    secret String,
    format LowCardinality(String),
    enabled UInt8,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    deleted UInt8 DEFAULT 0,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, webhook_id);

-- One row per fired alert. alert_id is derived from what the alert is about (budget, period
-- start, threshold; or detector and session), so two engines, or one engine after a restart,
-- write the same id and FINAL keeps one row. `payload` is the event body, frozen at fire time:
-- every delivery attempt sends exactly these bytes.
CREATE TABLE IF NOT EXISTS alerts
(
    project_id String,
    alert_id String,
    type LowCardinality(String),
    alert_key String,
    budget_id String,
    session_id String,
    agent_name String,
    threshold Float64,
    period_start DateTime64(3, 'UTC'),
    period_end DateTime64(3, 'UTC'),
    spent_usd Float64,
    limit_usd Float64,
    percent Float64,
    message String,
    payload String CODEC(ZSTD(3)),
    created_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, alert_id);

-- State of one alert × webhook delivery. The first row (pending, version 0) is written when the
-- alert fires; each attempt writes a row with a higher version. Version 0 can never win over a
-- later state, so an engine that fires a second time (restart, second engine) resets nothing.
CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    project_id String,
    delivery_id String,
    alert_id String,
    webhook_id String,
    event LowCardinality(String),
    status LowCardinality(String),
    attempts UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    last_status_code UInt16,
    last_error String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, delivery_id);

-- Every HTTP attempt, append-only: the delivery log of GET /api/webhooks/:id/deliveries.
CREATE TABLE IF NOT EXISTS webhook_attempts
(
    project_id String,
    webhook_id String,
    delivery_id String,
    alert_id String,
    event LowCardinality(String),
    attempt UInt32,
    attempted_at DateTime64(3, 'UTC'),
    status_code UInt16,
    latency_ms Float64,
    error String,
    success UInt8,
    engine_id String
)
ENGINE = MergeTree
ORDER BY (project_id, webhook_id, attempted_at, delivery_id, attempt);

-- Claims let several alert engines share work: each writes a claim, waits a settle delay and
-- reads the claims back; the earliest (server time, then owner) still valid wins.
CREATE TABLE IF NOT EXISTS engine_claims
(
    claim_key String,
    owner String,
    claimed_at DateTime64(6, 'UTC') DEFAULT now64(6),
    expires_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (claim_key, claimed_at, owner)
TTL toDateTime(expires_at) + INTERVAL 1 DAY;

-- Sessions a detector flagged (GET /api/sessions?anomaly=…).
CREATE TABLE IF NOT EXISTS session_anomalies
(
    project_id String,
    session_id String,
    type LowCardinality(String),
    alert_id String,
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, session_id, type);

-- Per-project detector settings (GET/PUT /api/alerts/detectors); absent = defaults.
CREATE TABLE IF NOT EXISTS detector_settings
(
    project_id String,
    settings String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY project_id;
