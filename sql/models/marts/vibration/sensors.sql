MODEL (
  name marts.sensors,
  kind SEED (path '../../../seeds/sensors.csv'),
  columns (sensor_id STRING, zone STRING, easting_m FLOAT64, northing_m FLOAT64),
  grain sensor_id,
  depends_on (marts.mine_zones),  -- the model its checks read
  audits (
    not_null(columns := (sensor_id, zone, easting_m, northing_m)),
    unique_combination_of_columns(columns := (sensor_id)),
    reference_exists(key := zone, to := marts.mine_zones, to_key := zone),
    -- a geophone stands in its zone's box (marts.mine_zones: west and south edges in, east and north out)
    sensor_in_its_zone
  )
);

-- The mine's geophones (key: sensor_id): the zone each one reports and where it stands in the mine grid
-- (UTM metres), for the maps and the per-sensor dashboards. The one description of the sensors:
-- sql/seeds/sensors.csv, which the sensor simulator (pipelines/simulate/sensors.py) reads too, so every
-- sensor it can emit is a row here. A new geophone is a new line in that file.

AUDIT (name sensor_in_its_zone);
-- Sensors outside their zone's box (or in a zone the mine's list does not have).
SELECT s.sensor_id, s.zone, s.easting_m, s.northing_m
FROM @this_model AS s
LEFT JOIN marts.mine_zones AS z
  ON z.zone = s.zone
WHERE z.zone IS NULL
  OR NOT (s.easting_m >= z.easting_min_m AND s.easting_m < z.easting_max_m
          AND s.northing_m >= z.northing_min_m AND s.northing_m < z.northing_max_m);
