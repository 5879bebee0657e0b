AUDIT (name source_is_fresh);
-- The raw table `raw` had a committed load (ops.load_runs) within the hours sql/checks.yaml allows
-- its dataset at `level` ('warn': a non-blocking audit that logs, 'error': a blocking one).
SELECT @raw AS raw_table, MAX(ended_at) AS last_committed_load, @freshness_hours(@level, @raw) AS allowed_hours
FROM ops.load_runs
WHERE target_table = @raw AND status = 'succeeded'
HAVING MAX(ended_at) IS NULL
  OR MAX(ended_at) < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL CAST(@freshness_hours(@level, @raw) * 60 AS INT64) MINUTE)
