- dashboard: mine_vibration
  title: Mine vibration overview
  layout: newspaper
  description: "Ground vibration across the mine: peak PPV per zone, each sensor-minute against the DIN 4150-3
    limit curve, minutes over the limit, where the geophones stand, and the latest sensor alerts."
  elements:
  - name: sensor_minutes_over_limit
    title: Sensor-minutes over the limit
    model: minera
    explore: vibration_by_zone_day
    type: single_value
    fields: [vibration_by_zone_day.total_sensor_minutes_over_limit]
    row: 0
    col: 0
    width: 6
    height: 3
  - name: sensor_alerts_total
    title: Sensor alerts raised
    model: minera
    explore: vibration_by_zone_day
    type: single_value
    fields: [vibration_by_zone_day.total_sensor_alerts]
    row: 0
    col: 6
    width: 6
    height: 3
  - name: sensors_reporting
    title: Sensors reporting
    model: minera
    explore: sensor_minutes
    type: single_value
    fields: [sensor_minutes.sensors]
    row: 0
    col: 12
    width: 6
    height: 3
  - name: highest_pct_of_limit
    title: Highest PPV as % of the limit
    model: minera
    explore: vibration_by_zone_day
    type: single_value
    fields: [vibration_by_zone_day.highest_pct_of_limit]
    row: 0
    col: 18
    width: 6
    height: 3
  - name: peak_ppv_by_zone
    title: Peak PPV by zone (mm/s)
    model: minera
    explore: vibration_by_zone_day
    type: looker_column
    fields: [vibration_by_zone_day.zone, vibration_by_zone_day.highest_ppv_mm_s]
    sorts: [vibration_by_zone_day.highest_ppv_mm_s desc]
    limit: 500
    row: 3
    col: 0
    width: 12
    height: 7
  - name: exceedances_by_zone
    title: Exceedances by zone (minutes over the limit, limit-curve alerts)
    model: minera
    explore: vibration_by_zone_day
    type: looker_column
    fields: [vibration_by_zone_day.zone, vibration_by_zone_day.total_minutes_over_limit,
      vibration_by_zone_day.total_ppv_limit_curve_alerts]
    sorts: [vibration_by_zone_day.total_minutes_over_limit desc]
    limit: 500
    row: 3
    col: 12
    width: 12
    height: 7
  - name: ppv_against_limit_curve
    title: Peak PPV against the limit curve, per 1 Hz band of dominant frequency (mm/s)
    model: minera
    explore: sensor_minutes
    type: looker_scatter
    fields: [sensor_minutes.dominant_frequency_band_hz, sensor_minutes.highest_ppv_mm_s,
      sensor_minutes.lowest_limit_ppv_mm_s]
    sorts: [sensor_minutes.dominant_frequency_band_hz asc]
    limit: 500
    row: 10
    col: 0
    width: 14
    height: 8
  - name: sensor_map
    title: Sensors in the mine grid (UTM m), coloured by peak PPV
    model: minera
    explore: sensor_minutes
    type: looker_scatter
    fields: [sensor_minutes.easting_m, sensor_minutes.northing_m, sensor_minutes.highest_ppv_mm_s]
    sorts: [sensor_minutes.easting_m asc]
    limit: 500
    row: 10
    col: 14
    width: 10
    height: 8
  - name: over_limit_by_minute
    title: Sensor-minutes over the limit, by minute
    model: minera
    explore: sensor_minutes
    type: looker_column
    fields: [sensor_minutes.window_start_minute, sensor_minutes.minutes_over_limit]
    sorts: [sensor_minutes.window_start_minute asc]
    limit: 1440
    row: 18
    col: 0
    width: 24
    height: 6
  - name: latest_sensor_alerts
    title: Latest sensor alerts
    model: minera
    explore: alerts
    type: looker_grid
    fields: [alerts.event_time, alerts.rule, alerts.zone, alerts.sensor_id, alerts.measured_value,
      alerts.limit_value, alerts.unit]
    filters:
      alerts.pipeline: streaming.sensors
    sorts: [alerts.event_time desc]
    limit: 25
    row: 24
    col: 0
    width: 24
    height: 8
