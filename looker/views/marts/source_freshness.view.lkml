view: source_freshness {
  sql_table_name: marts.source_freshness ;;
  # How fresh each loaded table is (key: target_table), against the thresholds of sql/checks.yaml: the same SQLMesh variables (freshness_warn_hours, freshness_error_hours) and the same comparison as the build's source_is_fresh check (sql/audits/source_is_fresh.sql), so a dashboard and the build never disagree about a table: 'error' here is the check that stops the table's models, 'warn' the one that logs a warning

  dimension: target_table {
    primary_key: yes
    type: string
    sql: ${TABLE}.target_table ;;
  }

  dimension: dataset {
    type: string
    sql: ${TABLE}.dataset ;;
  }

  dimension: kind {
    type: string
    sql: ${TABLE}.kind ;;
  }

  dimension: pipeline {
    type: string
    sql: ${TABLE}.pipeline ;;
  }

  dimension: freshness_basis {
    type: string
    sql: ${TABLE}.freshness_basis ;;
  }

  dimension_group: last_loaded {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_loaded_at ;;
  }

  dimension_group: checked {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.checked_at ;;
  }

  dimension: age_hours {
    type: number
    sql: ${TABLE}.age_hours ;;
  }

  dimension: warn_after_hours {
    type: number
    sql: ${TABLE}.warn_after_hours ;;
  }

  dimension: error_after_hours {
    type: number
    sql: ${TABLE}.error_after_hours ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
  }

  dimension: last_run_status {
    type: string
    sql: ${TABLE}.last_run_status ;;
  }

  dimension_group: last_run_started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_run_started_at ;;
  }

  dimension: last_run_error {
    type: string
    sql: ${TABLE}.last_run_error ;;
  }

  measure: count {
    type: count
  }

  measure: average_age_hours {
    type: average
    sql: ${age_hours} ;;
    value_format_name: decimal_2
  }

  measure: average_warn_after_hours {
    type: average
    sql: ${warn_after_hours} ;;
    value_format_name: decimal_2
  }

  measure: average_error_after_hours {
    type: average
    sql: ${error_after_hours} ;;
    value_format_name: decimal_2
  }
}
