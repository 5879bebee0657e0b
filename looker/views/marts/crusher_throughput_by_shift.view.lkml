view: crusher_throughput_by_shift {
  sql_table_name: marts.crusher_throughput_by_shift ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.shift_id AS STRING), '|', CAST(${TABLE}.crusher_id AS STRING)) ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
  }

  dimension: crusher_id {
    type: string
    sql: ${TABLE}.crusher_id ;;
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

  dimension: shift_s {
    type: number
    sql: ${TABLE}.shift_s ;;
  }

  dimension: measured_s {
    type: number
    sql: ${TABLE}.measured_s ;;
  }

  dimension: unmeasured_s {
    type: number
    sql: ${TABLE}.unmeasured_s ;;
  }

  dimension: crushed_t {
    type: number
    sql: ${TABLE}.crushed_t ;;
  }

  dimension: mean_throughput_t_h {
    type: number
    sql: ${TABLE}.mean_throughput_t_h ;;
  }

  dimension: samples {
    type: number
    sql: ${TABLE}.samples ;;
  }

  dimension: max_throughput_t_h {
    type: number
    sql: ${TABLE}.max_throughput_t_h ;;
  }

  dimension: mean_power_kw {
    type: number
    sql: ${TABLE}.mean_power_kw ;;
  }

  measure: count {
    type: count
  }

  measure: total_shift_s {
    type: sum
    sql: ${shift_s} ;;
    value_format_name: decimal_2
  }

  measure: total_measured_s {
    type: sum
    sql: ${measured_s} ;;
    value_format_name: decimal_2
  }

  measure: total_unmeasured_s {
    type: sum
    sql: ${unmeasured_s} ;;
    value_format_name: decimal_2
  }

  measure: total_crushed_t {
    type: sum
    sql: ${crushed_t} ;;
    value_format_name: decimal_2
  }

  measure: average_mean_throughput_t_h {
    type: average
    sql: ${mean_throughput_t_h} ;;
    value_format_name: decimal_2
  }

  measure: average_samples {
    type: average
    sql: ${samples} ;;
    value_format_name: decimal_2
  }

  measure: highest_throughput_t_h {
    type: max
    sql: ${max_throughput_t_h} ;;
    value_format_name: decimal_2
  }

  measure: average_mean_power_kw {
    type: average
    sql: ${mean_power_kw} ;;
    value_format_name: decimal_2
  }
}
