view: pipeline_runs {
  sql_table_name: marts.pipeline_runs ;;
  # Batch loads, one row per run and source table (key: run_id, table_name): what each run of each batch pipeline did to each table, from ops.load_runs (a run's row moves from running to its outcome; abandoned: a later run found its launcher gone)

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.run_id AS STRING), '|', CAST(${TABLE}.table_name AS STRING)) ;;
  }

  dimension: run_id {
    type: string
    sql: ${TABLE}.run_id ;;
  }

  dimension: pipeline {
    type: string
    sql: ${TABLE}.pipeline ;;
  }

  dimension: table_name {
    type: string
    sql: ${TABLE}.table_name ;;
  }

  dimension: target_table {
    type: string
    sql: ${TABLE}.target_table ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
  }

  dimension_group: started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.started_at ;;
  }

  dimension_group: run {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.run_date ;;
  }

  dimension_group: ended {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.ended_at ;;
  }

  dimension: duration_seconds {
    type: number
    sql: ${TABLE}.duration_seconds ;;
  }

  dimension: window_start {
    type: string
    sql: ${TABLE}.window_start ;;
  }

  dimension: window_end {
    type: string
    sql: ${TABLE}.window_end ;;
  }

  dimension: partitions {
    type: number
    sql: ${TABLE}.partitions ;;
  }

  dimension: rows_read {
    type: number
    sql: ${TABLE}.rows_read ;;
  }

  dimension: rows_loaded {
    type: number
    sql: ${TABLE}.rows_loaded ;;
  }

  dimension: rows_per_second {
    type: number
    sql: ${TABLE}.rows_per_second ;;
  }

  dimension: bytes_staged {
    type: number
    sql: ${TABLE}.bytes_staged ;;
  }

  dimension: rows_without_cursor {
    type: number
    sql: ${TABLE}.rows_without_cursor ;;
  }

  dimension: error {
    type: string
    sql: ${TABLE}.error ;;
  }

  dimension_group: abandoned {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.abandoned_at ;;
  }

  dimension: abandoned_by {
    type: string
    sql: ${TABLE}.abandoned_by ;;
  }

  measure: count {
    type: count
  }

  measure: average_duration_seconds {
    type: average
    sql: ${duration_seconds} ;;
    value_format_name: decimal_2
  }

  measure: total_partitions {
    type: sum
    sql: ${partitions} ;;
    value_format_name: decimal_0
  }

  measure: total_rows_read {
    type: sum
    sql: ${rows_read} ;;
    value_format_name: decimal_0
  }

  measure: total_rows_loaded {
    type: sum
    sql: ${rows_loaded} ;;
    value_format_name: decimal_0
  }

  measure: average_rows_per_second {
    type: average
    sql: ${rows_per_second} ;;
    value_format_name: decimal_2
  }

  measure: total_bytes_staged {
    type: sum
    sql: ${bytes_staged} ;;
    value_format_name: decimal_0
  }

  measure: average_rows_without_cursor {
    type: average
    sql: ${rows_without_cursor} ;;
    value_format_name: decimal_2
  }
}
