- dashboard: sensor_trend
  title: Sensor trend
  layout: newspaper
  description: "One geophone minute by minute: its peak PPV with the limit line (the limit curve at each minute's
    dominant frequency), RMS, battery, and its anomaly and limit alerts. The sensor is VIB-CR-040, the one whose
    PPV drifts upwards in the simulated hour; to follow another, change the sensor_id filters (no dashboard
    filters in this subset)."
  elements:
  - name: alerts_for_sensor
    title: Alerts for VIB-CR-040
    model: minera
    explore: alerts
    type: single_value
    fields: [alerts.count]
    filters:
      alerts.sensor_id: VIB-CR-040
    row: 0
    col: 0
    width: 8
    height: 3
  - name: highest_ppv_for_sensor
    title: Highest PPV (mm/s)
    model: minera
    explore: sensor_minutes
    type: single_value
    fields: [sensor_minutes.highest_ppv_mm_s]
    filters:
      sensor_minutes.sensor_id: VIB-CR-040
    row: 0
    col: 8
    width: 8
    height: 3
  - name: minutes_over_limit_for_sensor
    title: Minutes over the limit
    model: minera
    explore: sensor_minutes
    type: single_value
    fields: [sensor_minutes.minutes_over_limit]
    filters:
      sensor_minutes.sensor_id: VIB-CR-040
    row: 0
    col: 16
    width: 8
    height: 3
  - name: ppv_and_limit
    title: Peak PPV and its limit (mm/s), per minute
    model: minera
    explore: sensor_minutes
    type: looker_line
    fields: [sensor_minutes.window_start_minute, sensor_minutes.highest_ppv_mm_s,
      sensor_minutes.average_limit_ppv_mm_s]
    filters:
      sensor_minutes.sensor_id: VIB-CR-040
    sorts: [sensor_minutes.window_start_minute asc]
    limit: 1440
    row: 3
    col: 0
    width: 24
    height: 8
  - name: rms_trend
    title: RMS PPV (mm/s), per minute
    model: minera
    explore: sensor_minutes
    type: looker_line
    fields: [sensor_minutes.window_start_minute, sensor_minutes.average_rms_ppv_mm_s]
    filters:
      sensor_minutes.sensor_id: VIB-CR-040
    sorts: [sensor_minutes.window_start_minute asc]
    limit: 1440
    row: 11
    col: 0
    width: 12
    height: 6
  - name: battery_trend
    title: Battery (V), per minute
    model: minera
    explore: sensor_minutes
    type: looker_line
    fields: [sensor_minutes.window_start_minute, sensor_minutes.lowest_battery_v]
    filters:
      sensor_minutes.sensor_id: VIB-CR-040
    sorts: [sensor_minutes.window_start_minute asc]
    limit: 1440
    row: 11
    col: 12
    width: 12
    height: 6
  - name: sensor_alerts
    title: Anomaly and limit alerts of VIB-CR-040
    model: minera
    explore: alerts
    type: looker_grid
    fields: [alerts.event_time, alerts.rule, alerts.measured_value, alerts.limit_value, alerts.unit,
      alerts.details]
    filters:
      alerts.sensor_id: VIB-CR-040
      alerts.rule: ppv_anomaly,ppv_limit_curve
    sorts: [alerts.event_time desc]
    limit: 100
    row: 17
    col: 0
    width: 24
    height: 8
