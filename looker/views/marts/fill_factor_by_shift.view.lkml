view: fill_factor_by_shift {
  sql_table_name: marts.fill_factor_by_shift ;;
  # Payload against rated payload per shift and truck model (key: shift_id, truck_model, rated_payload_t), from marts.truck_loads: how full the trucks were loaded

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.shift_id AS STRING), '|', CAST(${TABLE}.truck_model AS STRING), '|', CAST(${TABLE}.rated_payload_t AS STRING)) ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
  }

  dimension: truck_model {
    type: string
    sql: ${TABLE}.truck_model ;;
  }

  dimension: rated_payload_t {
    type: number
    sql: ${TABLE}.rated_payload_t ;;
  }

  dimension_group: shift {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.shift_date ;;
  }

  dimension: shift_kind {
    type: string
    sql: ${TABLE}.shift_kind ;;
  }

  dimension_group: shift_started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.shift_started_at ;;
  }

  dimension: loads {
    type: number
    sql: ${TABLE}.loads ;;
  }

  dimension: trucks {
    type: number
    sql: ${TABLE}.trucks ;;
  }

  dimension: hauled_t {
    type: number
    sql: ${TABLE}.hauled_t ;;
  }

  dimension: rated_t {
    type: number
    sql: ${TABLE}.rated_t ;;
  }

  dimension: mean_fill_pct {
    type: number
    sql: ${TABLE}.mean_fill_pct ;;
  }

  dimension: loads_fill_below_90 {
    type: number
    sql: ${TABLE}.loads_fill_below_90 ;;
  }

  dimension: loads_fill_90_to_100 {
    type: number
    sql: ${TABLE}.loads_fill_90_to_100 ;;
  }

  dimension: loads_fill_100_to_110 {
    type: number
    sql: ${TABLE}.loads_fill_100_to_110 ;;
  }

  dimension: loads_fill_above_110 {
    type: number
    sql: ${TABLE}.loads_fill_above_110 ;;
  }

  dimension: loads_fill_above_120 {
    type: number
    sql: ${TABLE}.loads_fill_above_120 ;;
  }

  measure: count {
    type: count
  }

  measure: total_loads {
    type: sum
    sql: ${loads} ;;
    value_format_name: decimal_0
  }

  measure: average_trucks {
    type: average
    sql: ${trucks} ;;
    value_format_name: decimal_2
  }

  measure: total_hauled_t {
    type: sum
    sql: ${hauled_t} ;;
    value_format_name: decimal_2
  }

  measure: total_rated_t {
    type: sum
    sql: ${rated_t} ;;
    value_format_name: decimal_2
  }

  measure: average_mean_fill_pct {
    type: average
    sql: ${mean_fill_pct} ;;
    value_format_name: decimal_2
  }

  measure: total_loads_fill_below_90 {
    type: sum
    sql: ${loads_fill_below_90} ;;
    value_format_name: decimal_0
  }

  measure: total_loads_fill_90_to_100 {
    type: sum
    sql: ${loads_fill_90_to_100} ;;
    value_format_name: decimal_0
  }

  measure: total_loads_fill_100_to_110 {
    type: sum
    sql: ${loads_fill_100_to_110} ;;
    value_format_name: decimal_0
  }

  measure: total_loads_fill_above_110 {
    type: sum
    sql: ${loads_fill_above_110} ;;
    value_format_name: decimal_0
  }

  measure: total_loads_fill_above_120 {
    type: sum
    sql: ${loads_fill_above_120} ;;
    value_format_name: decimal_0
  }
}
