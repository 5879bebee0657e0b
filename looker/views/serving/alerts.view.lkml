view: alerts {
  sql_table_name: serving.alerts ;;
  # The speed layer's alerts for dashboards: each alert once (key: alert_id), in its newest state

  dimension: alert_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.alert_id ;;
  }

  dimension: pipeline {
    type: string
    sql: ${TABLE}.pipeline ;;
  }

  dimension: rule {
    type: string
    sql: ${TABLE}.rule ;;
  }

  dimension: sensor_id {
    type: string
    sql: ${TABLE}.sensor_id ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: machine_id {
    type: string
    sql: ${TABLE}.machine_id ;;
  }

  dimension: issue_id {
    type: string
    sql: ${TABLE}.issue_id ;;
  }

  dimension_group: event {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.event_time ;;
  }

  dimension: measured_value {
    type: number
    sql: ${TABLE}.measured_value ;;
  }

  dimension: limit_value {
    type: number
    sql: ${TABLE}.limit_value ;;
  }

  dimension: unit {
    type: string
    sql: ${TABLE}.unit ;;
  }

  dimension: details {
    type: string
    sql: ${TABLE}.details ;;
  }

  dimension_group: raised {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.raised_at ;;
  }

  dimension_group: first_raised {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.first_raised_at ;;
  }

  dimension: raised_count {
    type: number
    sql: ${TABLE}.raised_count ;;
  }

  measure: count {
    type: count
  }

  measure: sensors_alerted {
    type: count_distinct
    sql: ${sensor_id} ;;
  }

  measure: average_measured_value {
    type: average
    sql: ${measured_value} ;;
    value_format_name: decimal_2
  }

  measure: average_limit_value {
    type: average
    sql: ${limit_value} ;;
    value_format_name: decimal_2
  }

  measure: total_raised_count {
    type: sum
    sql: ${raised_count} ;;
    value_format_name: decimal_0
  }
}
