- dashboard: sensor_health
  title: Sensor health
  layout: newspaper
  description: "The geophones' health per day: which sensors went silent and for how long, their batteries,
    and where they stand."
  elements:
  - name: sensors_reporting
    title: Sensors reporting
    model: minera
    explore: sensor_health_by_day
    type: single_value
    fields: [sensor_health_by_day.sensors]
    row: 0
    col: 0
    width: 8
    height: 3
  - name: silent_periods_total
    title: Silent periods
    model: minera
    explore: sensor_health_by_day
    type: single_value
    fields: [sensor_health_by_day.total_silent_periods]
    row: 0
    col: 8
    width: 8
    height: 3
  - name: lowest_battery
    title: Lowest battery (V)
    model: minera
    explore: sensor_health_by_day
    type: single_value
    fields: [sensor_health_by_day.lowest_battery_v]
    row: 0
    col: 16
    width: 8
    height: 3
  - name: silent_sensors
    title: Silent sensors (a silent period is 5 or more minutes without a reading)
    model: minera
    explore: sensor_health_by_day
    type: looker_grid
    fields: [sensor_health_by_day.sensor_id, sensor_health_by_day.zone, sensor_health_by_day.day_date,
      sensor_health_by_day.total_silent_periods, sensor_health_by_day.total_silent_minutes,
      sensor_health_by_day.highest_longest_silence_minutes]
    filters:
      sensor_health_by_day.silent_periods: ">0"
    sorts: [sensor_health_by_day.total_silent_minutes desc]
    limit: 100
    row: 3
    col: 0
    width: 24
    height: 7
  - name: lowest_batteries
    title: The 20 lowest batteries (V)
    model: minera
    explore: sensor_health_by_day
    type: looker_bar
    fields: [sensor_health_by_day.sensor_id, sensor_health_by_day.lowest_battery_v]
    sorts: [sensor_health_by_day.lowest_battery_v asc]
    limit: 20
    row: 10
    col: 0
    width: 12
    height: 8
  - name: battery_map
    title: Sensors in the mine grid (UTM m), coloured by lowest battery
    model: minera
    explore: sensor_health_by_day
    type: looker_scatter
    fields: [sensors.easting_m, sensors.northing_m, sensor_health_by_day.lowest_battery_v]
    sorts: [sensors.easting_m asc]
    limit: 500
    row: 10
    col: 12
    width: 12
    height: 8
  - name: silent_minutes_by_zone
    title: Silent minutes by zone
    model: minera
    explore: sensor_health_by_day
    type: looker_column
    fields: [sensor_health_by_day.zone, sensor_health_by_day.total_silent_minutes]
    sorts: [sensor_health_by_day.total_silent_minutes desc]
    limit: 500
    row: 18
    col: 0
    width: 24
    height: 6
