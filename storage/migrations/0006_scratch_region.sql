-- Scratch: the cloud region a span ran in.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS region LowCardinality(String);
