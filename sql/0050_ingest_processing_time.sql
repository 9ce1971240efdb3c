SET lock_timeout = '5s'; SET statement_timeout = '60s';

-- Issue 17: "queue depth and processing-time p95 are figures on Observability". A batch's
-- processing time is from the door's acknowledgement (received_at, carried over from the queue)
-- to its write into the telemetry tables. Rows written before this migration keep NULL (their
-- write time is unknown) and are left out; the direct SQL path writes received_at and written_at
-- in one transaction, so they are equal and it is left out too (it has no queue). The figure reads
-- a recent window by received_at, which ingest_batches_received_idx (0006) already serves.
ALTER TABLE mc.ingest_batches ADD COLUMN written_at timestamptz;
ALTER TABLE mc.ingest_batches ALTER COLUMN written_at SET DEFAULT now();
