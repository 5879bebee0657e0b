view: vibration_by_zone_day {
  sql_table_name: marts.vibration_by_zone_day ;;
  # Ground vibration per zone and UTC day (key: zone, day), for the blast engineers and the neighbours' complaints: how strong it got, how often it went over the limit curve, and what the speed layer alerted

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.zone AS STRING), '|', CAST(${TABLE}.day AS STRING)) ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension_group: day {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.day ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: sensors_reporting {
    type: number
    sql: ${TABLE}.sensors_reporting ;;
  }

  dimension: sensor_minutes {
    type: number
    sql: ${TABLE}.sensor_minutes ;;
  }

  dimension: readings {
    type: number
    sql: ${TABLE}.readings ;;
  }

  dimension: peak_ppv_mm_s {
    type: number
    sql: ${TABLE}.peak_ppv_mm_s ;;
  }

  dimension: peak_sensor_id {
    type: string
    sql: ${TABLE}.peak_sensor_id ;;
  }

  dimension_group: peak_minute {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.peak_minute ;;
  }

  dimension: peak_frequency_hz {
    type: number
    sql: ${TABLE}.peak_frequency_hz ;;
  }

  dimension: peak_pct_of_limit {
    type: number
    sql: ${TABLE}.peak_pct_of_limit ;;
  }

  dimension: minutes_over_limit {
    type: number
    sql: ${TABLE}.minutes_over_limit ;;
  }

  dimension: sensor_minutes_over_limit {
    type: number
    sql: ${TABLE}.sensor_minutes_over_limit ;;
  }

  dimension: ppv_limit_curve_alerts {
    type: number
    sql: ${TABLE}.ppv_limit_curve_alerts ;;
  }

  dimension: silent_sensor_alerts {
    type: number
    sql: ${TABLE}.silent_sensor_alerts ;;
  }

  dimension: ppv_anomaly_alerts {
    type: number
    sql: ${TABLE}.ppv_anomaly_alerts ;;
  }

  dimension: sensor_alerts {
    type: number
    sql: ${TABLE}.sensor_alerts ;;
  }

  dimension: day_closed {
    type: yesno
    sql: ${TABLE}.day_closed ;;
  }

  measure: count {
    type: count
  }

  measure: average_sensors_reporting {
    type: average
    sql: ${sensors_reporting} ;;
    value_format_name: decimal_2
  }

  measure: total_sensor_minutes {
    type: sum
    sql: ${sensor_minutes} ;;
    value_format_name: decimal_0
  }

  measure: total_readings {
    type: sum
    sql: ${readings} ;;
    value_format_name: decimal_0
  }

  measure: highest_ppv_mm_s {
    type: max
    sql: ${peak_ppv_mm_s} ;;
    value_format_name: decimal_2
  }

  measure: highest_frequency_hz {
    type: max
    sql: ${peak_frequency_hz} ;;
    value_format_name: decimal_2
  }

  measure: highest_pct_of_limit {
    type: max
    sql: ${peak_pct_of_limit} ;;
    value_format_name: decimal_2
  }

  measure: total_minutes_over_limit {
    type: sum
    sql: ${minutes_over_limit} ;;
    value_format_name: decimal_0
  }

  measure: total_sensor_minutes_over_limit {
    type: sum
    sql: ${sensor_minutes_over_limit} ;;
    value_format_name: decimal_0
  }

  measure: total_ppv_limit_curve_alerts {
    type: sum
    sql: ${ppv_limit_curve_alerts} ;;
    value_format_name: decimal_0
  }

  measure: total_silent_sensor_alerts {
    type: sum
    sql: ${silent_sensor_alerts} ;;
    value_format_name: decimal_0
  }

  measure: total_ppv_anomaly_alerts {
    type: sum
    sql: ${ppv_anomaly_alerts} ;;
    value_format_name: decimal_0
  }

  measure: total_sensor_alerts {
    type: sum
    sql: ${sensor_alerts} ;;
    value_format_name: decimal_0
  }
}
