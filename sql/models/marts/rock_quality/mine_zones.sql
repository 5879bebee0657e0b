MODEL (
  name marts.mine_zones,
  kind FULL,
  grain zone,
  audits (
    not_null(columns := (zone, zone_code, pit, easting_min_m, easting_max_m, northing_min_m, northing_max_m)),
    unique_combination_of_columns(columns := (zone)),
    unique_combination_of_columns(columns := (zone_code)),
    accepted_values(column := pit, is_in := ('PIT1', 'PIT2', 'PLANT')),
    forall(criteria := (easting_min_m < easting_max_m, northing_min_m < northing_max_m))
  )
);

-- The mine's zones (key: zone, the name the geophones report): pit and box in the mine grid (UTM
-- metres). A drill hole lies in the zone whose box holds its collar: easting_min_m <= easting <
-- easting_max_m and northing_min_m <= northing < northing_max_m. The same zones as
-- pipelines/local/mine.py (ZONES), which places the local sources' holes; a test keeps them equal.
SELECT 'north-pit-1' AS zone, 'N1' AS zone_code, 'PIT1' AS pit,
  345000 AS easting_min_m, 346400 AS easting_max_m, 7457600 AS northing_min_m, 7459000 AS northing_max_m
UNION ALL SELECT 'north-pit-2', 'N2', 'PIT1', 346400, 347800, 7457600, 7459000
UNION ALL SELECT 'north-pit-3', 'N3', 'PIT1', 347800, 349000, 7457600, 7459000
UNION ALL SELECT 'south-pit-1', 'S1', 'PIT2', 345000, 346800, 7455000, 7456400
UNION ALL SELECT 'south-pit-2', 'S2', 'PIT2', 346800, 348600, 7455000, 7456400
UNION ALL SELECT 'crusher', 'CR', 'PLANT', 347200, 347800, 7456700, 7457300
UNION ALL SELECT 'tailings-dam', 'TD', 'PLANT', 345200, 346800, 7456500, 7457400
