MODEL (
  name marts.ppv_limit_curve,
  kind FULL,
  grain frequency_hz,
  audits (
    not_null(columns := (frequency_hz, limit_mm_s)),
    unique_combination_of_columns(columns := (frequency_hz)),
    forall(criteria := (frequency_hz >= 0, limit_mm_s > 0))
  )
);

-- The PPV limit curve the vibration marts judge a sensor-minute by (key: frequency_hz): its points,
-- (frequency Hz, limit mm/s); linear between points, flat below the first and above the last. The same
-- points as pipelines/streaming/ppv_limit_curve.json, the speed layer's ppv_limit_curve alert rule (DIN
-- 4150-3 Table 1 line 1); a test keeps them equal. A site that runs the speed layer with another curve
-- (--ppv_limit_curve FILE) changes these rows too.
-- FLOAT64 (DuckDB reads 1.0 as a DECIMAL): the marts interpolate in doubles, as the alert rule does.
SELECT CAST(1 AS FLOAT64) AS frequency_hz, CAST(20 AS FLOAT64) AS limit_mm_s
UNION ALL SELECT 10, 20
UNION ALL SELECT 50, 40
UNION ALL SELECT 100, 50
