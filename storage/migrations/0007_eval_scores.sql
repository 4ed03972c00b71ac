-- OpenTelemetry GenAI `gen_ai.evaluation.result` span events become scores on their span
-- (source 'eval'), written by the same insert as the span: no second write path to lose or
-- repeat. The view reads the `events` JSON the collector stores ([{ name, time_ns, attributes }]).
--
-- Exactly once: a re-sent batch (the spool's replay keeps its insert_deduplication_token, and
-- the store sets deduplicate_blocks_in_dependent_materialized_views) is deduplicated in `scores`
-- too once the table has a deduplication window; and every column is a function of the span, so
-- a duplicate that got through anyway is the same row (same score_id, same created_at), which
-- ReplacingMergeTree and the readers' LIMIT 1 BY score_id collapse.
--
-- Row shape (other readers, e.g. calibration, rely on it): span_id = the evaluated span,
-- score_id = 'eval-<span id>-<event index>', name = gen_ai.evaluation.name,
-- value = gen_ai.evaluation.score.value, string_value = gen_ai.evaluation.score.label,
-- comment = gen_ai.evaluation.explanation, data_type 'numeric' when a value is present, else
-- 'categorical', created_at = the event's time (the span's end when the event has none).
ALTER TABLE scores MODIFY SETTING non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS eval_scores_mv TO scores AS
SELECT
    project_id,
    session_id,
    span_id,
    concat('eval-', span_id, '-', toString(idx - 1)) AS score_id,
    eval_name AS name,
    if(isNull(num), 'categorical', 'numeric') AS data_type,
    ifNull(num, 0) AS value,
    label AS string_value,
    JSONExtractString(ev, 'attributes', 'gen_ai.evaluation.explanation') AS comment,
    'eval' AS source,
    toDateTime64(if(ev_ns > 0, fromUnixTimestamp64Nano(ev_ns, 'UTC'), end_time), 3, 'UTC') AS created_at
FROM
(
    SELECT
        project_id,
        session_id,
        span_id,
        end_time,
        ev,
        idx,
        JSONExtractString(ev, 'attributes', 'gen_ai.evaluation.name') AS eval_name,
        JSONExtractString(ev, 'attributes', 'gen_ai.evaluation.score.label') AS label,
        -- A value recorded as a string ("4.0") still counts; anything else non-numeric or not finite does not.
        multiIf(
            JSONType(ev, 'attributes', 'gen_ai.evaluation.score.value') IN ('Double', 'Int64', 'UInt64'),
            JSONExtract(ev, 'attributes', 'gen_ai.evaluation.score.value', 'Nullable(Float64)'),
            JSONType(ev, 'attributes', 'gen_ai.evaluation.score.value') = 'String',
            toFloat64OrNull(JSONExtractString(ev, 'attributes', 'gen_ai.evaluation.score.value')),
            NULL
        ) AS raw_value,
        if(isNotNull(raw_value) AND isFinite(assumeNotNull(raw_value)), raw_value, NULL) AS num,
        toInt64OrZero(JSONExtractString(ev, 'time_ns')) AS ev_ns
    FROM
    (
        SELECT project_id, session_id, span_id, end_time, JSONExtractArrayRaw(events) AS evs
        FROM spans
        -- Most spans carry no evaluation: skip them before parsing any JSON.
        WHERE position(events, '"gen_ai.evaluation.result"') > 0
    )
    ARRAY JOIN
        evs AS ev,
        arrayEnumerate(evs) AS idx
    WHERE JSONExtractString(ev, 'name') = 'gen_ai.evaluation.result'
)
WHERE eval_name != '' AND (isNotNull(num) OR label != '');
