view: sensor_health_by_day {
  sql_table_name: marts.sensor_health_by_day ;;
  # The geophones' health per sensor and UTC day (key: sensor_id, day), for the people who keep them running: how much of the day a sensor reported, when it went quiet, and its battery

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.sensor_id AS STRING), '|', CAST(${TABLE}.day AS STRING)) ;;
  }

  dimension: sensor_id {
    type: string
    sql: ${TABLE}.sensor_id ;;
  }

  dimension_group: day {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.day ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: minutes_with_readings {
    type: number
    sql: ${TABLE}.minutes_with_readings ;;
  }

  dimension: readings {
    type: number
    sql: ${TABLE}.readings ;;
  }

  dimension_group: first_minute {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.first_minute ;;
  }

  dimension_group: last_minute {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_minute ;;
  }

  dimension: silent_periods {
    type: number
    sql: ${TABLE}.silent_periods ;;
  }

  dimension: silent_minutes {
    type: number
    sql: ${TABLE}.silent_minutes ;;
  }

  dimension: longest_silence_minutes {
    type: number
    sql: ${TABLE}.longest_silence_minutes ;;
  }

  dimension: min_battery_v {
    type: number
    sql: ${TABLE}.min_battery_v ;;
  }

  dimension: min_battery_change_v {
    type: number
    sql: ${TABLE}.min_battery_change_v ;;
  }

  dimension: battery_slope_v_per_day {
    type: number
    sql: ${TABLE}.battery_slope_v_per_day ;;
  }

  dimension: day_closed {
    type: yesno
    sql: ${TABLE}.day_closed ;;
  }

  measure: count {
    type: count
  }

  measure: total_minutes_with_readings {
    type: sum
    sql: ${minutes_with_readings} ;;
    value_format_name: decimal_0
  }

  measure: sensors {
    type: count_distinct
    sql: ${sensor_id} ;;
  }

  measure: total_readings {
    type: sum
    sql: ${readings} ;;
    value_format_name: decimal_0
  }

  measure: total_silent_periods {
    type: sum
    sql: ${silent_periods} ;;
    value_format_name: decimal_0
  }

  measure: total_silent_minutes {
    type: sum
    sql: ${silent_minutes} ;;
    value_format_name: decimal_0
  }

  measure: highest_longest_silence_minutes {
    type: max
    sql: ${longest_silence_minutes} ;;
    value_format_name: decimal_0
  }

  measure: lowest_battery_v {
    type: min
    sql: ${min_battery_v} ;;
    value_format_name: decimal_2
  }

  measure: lowest_battery_change_v {
    type: min
    sql: ${min_battery_change_v} ;;
    value_format_name: decimal_2
  }

  measure: average_battery_slope_v_per_day {
    type: average
    sql: ${battery_slope_v_per_day} ;;
    value_format_name: decimal_2
  }
}
