-- The title of each session, kept as it is written so the session list and the replay read 50
-- small rows instead of every span of the page's sessions. Same rules as computing it from
-- `spans`: the `cairn.session.title` attribute (root span first, then the earliest span); else
-- the root span's name (a span without parent first, else the earliest `session` span); each cut
-- to 200 characters. Readers take the attribute unless it is blank, then the name.
--
-- argMin states are idempotent: a span written twice (a retry, a replay the deduplication window
-- missed) merges to the same title, so this table needs no deduplication window, and the
-- backfill below may run twice (two migrators, or a crash before the record) with no harm.
-- The attribute key is `ATTR.SESSION_TITLE` of @cairn/schemas, spelled out here because SQL
-- files take no parameters. A small index granularity: a page asks for 50 scattered ids, and
-- each one read costs a granule.
CREATE TABLE IF NOT EXISTS session_titles
(
    project_id LowCardinality(String),
    session_id String,
    attr_title AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC'), String)),
    root_name AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, session_id)
SETTINGS index_granularity = 256;

-- Only spans that can give a title reach the table (roots, session spans, spans naming the
-- attribute); the `position` test skips JSON parsing for the spans that cannot carry it.
CREATE MATERIALIZED VIEW IF NOT EXISTS session_titles_mv TO session_titles AS
SELECT
    project_id,
    session_id,
    argMinStateIf(
        substringUTF8(JSONExtractString(attributes, 'cairn.session.title'), 1, 200),
        (parent_span_id != '', start_time, span_id),
        position(attributes, '"cairn.session.title"') > 0 AND JSONExtractString(attributes, 'cairn.session.title') != ''
    ) AS attr_title,
    argMinStateIf(
        substringUTF8(name, 1, 200),
        (parent_span_id != '', start_time, span_id),
        parent_span_id = '' OR kind = 'session'
    ) AS root_name
FROM spans
WHERE parent_span_id = '' OR kind = 'session' OR position(attributes, '"cairn.session.title"') > 0
GROUP BY project_id, session_id;

-- Backfill: the sessions stored before this file ran, by the view's own SELECT. It runs after
-- the view exists, so a span inserted meanwhile is counted by both (harmless, see above) rather
-- than by neither. Upgrading pays one scan of `spans` at startup. Aggregation in key order (spans
-- are sorted by project, session): memory stays bounded however many sessions the store holds.
INSERT INTO session_titles
SELECT
    project_id,
    session_id,
    argMinStateIf(
        substringUTF8(JSONExtractString(attributes, 'cairn.session.title'), 1, 200),
        (parent_span_id != '', start_time, span_id),
        position(attributes, '"cairn.session.title"') > 0 AND JSONExtractString(attributes, 'cairn.session.title') != ''
    ) AS attr_title,
    argMinStateIf(
        substringUTF8(name, 1, 200),
        (parent_span_id != '', start_time, span_id),
        parent_span_id = '' OR kind = 'session'
    ) AS root_name
FROM spans
WHERE parent_span_id = '' OR kind = 'session' OR position(attributes, '"cairn.session.title"') > 0
GROUP BY project_id, session_id
SETTINGS optimize_aggregation_in_order = 1;
