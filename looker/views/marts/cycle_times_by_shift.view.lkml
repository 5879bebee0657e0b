view: cycle_times_by_shift {
  sql_table_name: marts.cycle_times_by_shift ;;
  # Truck cycle times per shift and truck (key: shift_id, truck_id), from marts.truck_loads' cycle_time_s (seconds from loading to the truck's next loading, as the production app records it)

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.shift_id AS STRING), '|', CAST(${TABLE}.truck_id AS STRING)) ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
  }

  dimension: truck_id {
    type: string
    sql: ${TABLE}.truck_id ;;
  }

  dimension: truck_model {
    type: string
    sql: ${TABLE}.truck_model ;;
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

  dimension: cycles {
    type: number
    sql: ${TABLE}.cycles ;;
  }

  dimension: hauled_t {
    type: number
    sql: ${TABLE}.hauled_t ;;
  }

  dimension: mean_cycle_time_s {
    type: number
    sql: ${TABLE}.mean_cycle_time_s ;;
  }

  dimension: p50_cycle_time_s {
    type: number
    sql: ${TABLE}.p50_cycle_time_s ;;
  }

  dimension: p90_cycle_time_s {
    type: number
    sql: ${TABLE}.p90_cycle_time_s ;;
  }

  dimension: min_cycle_time_s {
    type: number
    sql: ${TABLE}.min_cycle_time_s ;;
  }

  dimension: max_cycle_time_s {
    type: number
    sql: ${TABLE}.max_cycle_time_s ;;
  }

  measure: count {
    type: count
  }

  measure: total_loads {
    type: sum
    sql: ${loads} ;;
    value_format_name: decimal_0
  }

  measure: total_cycles {
    type: sum
    sql: ${cycles} ;;
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

  measure: average_p50_cycle_time_s {
    type: average
    sql: ${p50_cycle_time_s} ;;
    value_format_name: decimal_2
  }

  measure: average_p90_cycle_time_s {
    type: average
    sql: ${p90_cycle_time_s} ;;
    value_format_name: decimal_2
  }

  measure: lowest_cycle_time_s {
    type: min
    sql: ${min_cycle_time_s} ;;
    value_format_name: decimal_2
  }

  measure: highest_cycle_time_s {
    type: max
    sql: ${max_cycle_time_s} ;;
    value_format_name: decimal_2
  }
}
