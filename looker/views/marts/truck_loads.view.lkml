view: truck_loads {
  sql_table_name: marts.truck_loads ;;
  # Truck loads with their shift, truck and pit (key: load_id), from the production app's truck_loads: the one place the production marts read loads from (tonnes_by_shift, cycle_times_by_shift, fill_factor_by_shift aggregate it for their shifts)

  dimension: load_id {
    primary_key: yes
    type: number
    sql: ${TABLE}.load_id ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
  }

  dimension_group: shift_started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.shift_started_at ;;
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

  dimension: truck_id {
    type: string
    sql: ${TABLE}.truck_id ;;
  }

  dimension: truck_model {
    type: string
    sql: ${TABLE}.truck_model ;;
  }

  dimension: rated_payload_t {
    type: number
    sql: ${TABLE}.rated_payload_t ;;
  }

  dimension: shovel_id {
    type: string
    sql: ${TABLE}.shovel_id ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: material {
    type: string
    sql: ${TABLE}.material ;;
  }

  dimension_group: loaded {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.loaded_at ;;
  }

  dimension_group: dumped {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.dumped_at ;;
  }

  dimension: payload_t {
    type: number
    sql: ${TABLE}.payload_t ;;
  }

  dimension: fill_pct {
    type: number
    sql: ${TABLE}.fill_pct ;;
  }

  dimension: cycle_time_s {
    type: number
    sql: ${TABLE}.cycle_time_s ;;
  }

  dimension: haul_distance_km {
    type: number
    sql: ${TABLE}.haul_distance_km ;;
  }

  measure: count {
    type: count
  }

  measure: total_payload_t {
    type: sum
    sql: ${payload_t} ;;
    value_format_name: decimal_2
  }

  measure: average_fill_pct {
    type: average
    sql: ${fill_pct} ;;
    value_format_name: decimal_2
  }

  measure: average_cycle_time_s {
    type: average
    sql: ${cycle_time_s} ;;
    value_format_name: decimal_2
  }

  measure: total_haul_distance_km {
    type: sum
    sql: ${haul_distance_km} ;;
    value_format_name: decimal_2
  }
}
