view: haulage_by_shift {
  sql_table_name: marts.haulage_by_shift ;;
  # Haulage per shift and material (key: shift_id, material): tonnes, loads, mean cycle time.

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.shift_id AS STRING), '|', CAST(${TABLE}.material AS STRING)) ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
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

  dimension: crew {
    type: string
    sql: ${TABLE}.crew ;;
  }

  dimension: material {
    type: string
    sql: ${TABLE}.material ;;
  }

  dimension: loads {
    type: number
    sql: ${TABLE}.loads ;;
  }

  dimension: hauled_t {
    type: number
    sql: ${TABLE}.hauled_t ;;
  }

  dimension: mean_cycle_time_s {
    type: number
    sql: ${TABLE}.mean_cycle_time_s ;;
  }

  dimension: haul_distance_km {
    type: number
    sql: ${TABLE}.haul_distance_km ;;
  }

  dimension: trucks {
    type: number
    sql: ${TABLE}.trucks ;;
  }

  measure: count {
    type: count
  }

  measure: total_loads {
    type: sum
    sql: ${loads} ;;
    value_format_name: decimal_0
  }

  measure: total_hauled_t {
    type: sum
    sql: ${hauled_t} ;;
    value_format_name: decimal_2
  }

  measure: average_mean_cycle_time_s {
    type: average
    sql: ${mean_cycle_time_s} ;;
    value_format_name: decimal_2
  }

  measure: total_haul_distance_km {
    type: sum
    sql: ${haul_distance_km} ;;
    value_format_name: decimal_2
  }

  measure: average_trucks {
    type: average
    sql: ${trucks} ;;
    value_format_name: decimal_2
  }
}
