AUDIT (name reference_exists);
-- Rows whose reference names nothing: `key` (an expression over this model's columns, e.g. truck_id,
-- or CONCAT(MANDT, '|', EQUNR)) must be a `to_key` of model `to`. A NULL key refers to nothing and
-- passes (an order without equipment); use not_null for a key that must be there.
SELECT @key AS missing_reference, COUNT(*) AS rows_referring
FROM @this_model
WHERE @key IS NOT NULL
  AND @key NOT IN (SELECT @to_key FROM @to WHERE @to_key IS NOT NULL)
GROUP BY 1
