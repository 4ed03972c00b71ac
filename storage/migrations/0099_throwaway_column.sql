-- THROWAWAY (reverted in the next commit): proves a new span column is one SPAN_TABLE entry plus this line.
ALTER TABLE spans ADD COLUMN IF NOT EXISTS throwaway_note String AFTER events;
