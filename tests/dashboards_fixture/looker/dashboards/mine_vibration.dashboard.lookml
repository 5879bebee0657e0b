- dashboard: mine_vibration
  title: Mine vibration (fixture)
  layout: newspaper
  description: "Peak PPV per zone and the alerts: a fixture for the local dashboards' tests."
  elements:
  - name: peak_ppv
    title: Peak PPV (mm/s)
    model: minera
    explore: vibration_by_zone_day
    type: single_value
    fields: [vibration_by_zone_day.max_ppv]
    row: 0
    col: 0
    width: 8
    height: 3
  - name: alerts_count
    title: Alerts
    model: minera
    explore: alerts
    type: single_value
    fields: [alerts.count]
    row: 0
    col: 8
    width: 8
    height: 3
  - name: sensor_alerts
    title: Sensor alerts (zones with readings)
    model: minera
    explore: vibration_by_zone_day
    type: single_value
    fields: [vibration_by_zone_day.sensor_alerts]
    filters:
      vibration_by_zone_day.readings: ">0"
    row: 0
    col: 16
    width: 8
    height: 3
  - name: peak_ppv_by_zone
    title: Peak PPV by zone
    model: minera
    explore: vibration_by_zone_day
    type: looker_column
    fields: [vibration_by_zone_day.zone, vibration_by_zone_day.max_ppv]
    sorts: [vibration_by_zone_day.max_ppv desc]
    filters:
      vibration_by_zone_day.zone: "-crusher"
    row: 3
    col: 0
    width: 12
    height: 7
  - name: alerts_by_rule
    title: Alerts by rule
    model: minera
    explore: alerts
    type: looker_bar
    fields: [alerts.rule, alerts.count, alerts.raised]
    filters:
      alerts.rule: "-NULL"
    sorts: [alerts.count desc]
    row: 3
    col: 12
    width: 12
    height: 7
  - name: zones_map
    title: Zones (easting, northing)
    model: minera
    explore: mine_zones
    type: looker_scatter
    fields: [mine_zones.easting_m, mine_zones.northing_m, mine_zones.pit]
    row: 10
    col: 0
    width: 12
    height: 8
  - name: ppv_by_pit
    title: Peak PPV per pit (zones joined)
    model: minera
    explore: vibration_by_zone_day
    type: looker_grid
    fields: [mine_zones.pit, vibration_by_zone_day.day_date, vibration_by_zone_day.max_ppv,
      vibration_by_zone_day.minutes_over_limit, mine_zones.count]
    sorts: [mine_zones.pit]
    row: 10
    col: 12
    width: 12
    height: 8
  - name: alerts_by_hour
    title: Ground-vibration alerts by hour
    model: minera
    explore: alerts
    type: looker_column
    fields: [alerts.event_hour, alerts.count]
    filters:
      alerts.rule: "ppv_limit_curve,ppv_anomaly"
    sorts: [alerts.event_hour]
    row: 18
    col: 0
    width: 24
    height: 6
