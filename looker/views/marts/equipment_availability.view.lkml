view: equipment_availability {
  sql_table_name: marts.equipment_availability ;;
  # Availability per machine and UTC day (key: machine_id, day), from the production app's equipment_status intervals (running, idle, down_planned, down_unplanned; an interval without an end is still going on)

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.machine_id AS STRING), '|', CAST(${TABLE}.day AS STRING)) ;;
  }

  dimension: machine_id {
    type: string
    sql: ${TABLE}.machine_id ;;
  }

  dimension_group: day {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.day ;;
  }

  dimension: machine_class {
    type: string
    sql: ${TABLE}.machine_class ;;
  }

  dimension: calendar_s {
    type: number
    sql: ${TABLE}.calendar_s ;;
  }

  dimension: running_s {
    type: number
    sql: ${TABLE}.running_s ;;
  }

  dimension: idle_s {
    type: number
    sql: ${TABLE}.idle_s ;;
  }

  dimension: down_planned_s {
    type: number
    sql: ${TABLE}.down_planned_s ;;
  }

  dimension: down_unplanned_s {
    type: number
    sql: ${TABLE}.down_unplanned_s ;;
  }

  dimension: recorded_s {
    type: number
    sql: ${TABLE}.recorded_s ;;
  }

  dimension: unrecorded_s {
    type: number
    sql: ${TABLE}.unrecorded_s ;;
  }

  dimension: available_s {
    type: number
    sql: ${TABLE}.available_s ;;
  }

  dimension: availability_pct {
    type: number
    sql: ${TABLE}.availability_pct ;;
  }

  dimension: overlapping_s {
    type: number
    sql: ${TABLE}.overlapping_s ;;
  }

  dimension: reversed_records {
    type: number
    sql: ${TABLE}.reversed_records ;;
  }

  measure: count {
    type: count
  }

  measure: total_running_s {
    type: sum
    sql: ${running_s} ;;
    value_format_name: decimal_2
  }

  measure: total_idle_s {
    type: sum
    sql: ${idle_s} ;;
    value_format_name: decimal_2
  }

  measure: total_down_planned_s {
    type: sum
    sql: ${down_planned_s} ;;
    value_format_name: decimal_2
  }

  measure: total_down_unplanned_s {
    type: sum
    sql: ${down_unplanned_s} ;;
    value_format_name: decimal_2
  }

  measure: total_recorded_s {
    type: sum
    sql: ${recorded_s} ;;
    value_format_name: decimal_2
  }

  measure: total_unrecorded_s {
    type: sum
    sql: ${unrecorded_s} ;;
    value_format_name: decimal_2
  }

  measure: total_available_s {
    type: sum
    sql: ${available_s} ;;
    value_format_name: decimal_2
  }

  measure: average_availability_pct {
    type: average
    sql: ${availability_pct} ;;
    value_format_name: decimal_2
  }

  measure: average_overlapping_s {
    type: average
    sql: ${overlapping_s} ;;
    value_format_name: decimal_2
  }

  measure: average_reversed_records {
    type: average
    sql: ${reversed_records} ;;
    value_format_name: decimal_2
  }
}
