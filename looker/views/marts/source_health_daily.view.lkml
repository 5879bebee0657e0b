view: source_health_daily {
  sql_table_name: marts.source_health_daily ;;
  # Health of each source per UTC day (key: activity_date, pipeline): what its pipeline loaded, what failed, and what it refused, from ops

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.activity_date AS STRING), '|', CAST(${TABLE}.pipeline AS STRING)) ;;
  }

  dimension_group: activity {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.activity_date ;;
  }

  dimension: pipeline {
    type: string
    sql: ${TABLE}.pipeline ;;
  }

  dimension: layer {
    type: string
    sql: ${TABLE}.layer ;;
  }

  dimension: runs {
    type: number
    sql: ${TABLE}.runs ;;
  }

  dimension: table_loads {
    type: number
    sql: ${TABLE}.table_loads ;;
  }

  dimension: table_loads_succeeded {
    type: number
    sql: ${TABLE}.table_loads_succeeded ;;
  }

  dimension: table_loads_failed {
    type: number
    sql: ${TABLE}.table_loads_failed ;;
  }

  dimension: table_loads_abandoned {
    type: number
    sql: ${TABLE}.table_loads_abandoned ;;
  }

  dimension: table_loads_running {
    type: number
    sql: ${TABLE}.table_loads_running ;;
  }

  dimension: rows_loaded {
    type: number
    sql: ${TABLE}.rows_loaded ;;
  }

  dimension: files_loaded {
    type: number
    sql: ${TABLE}.files_loaded ;;
  }

  dimension: files_rejected {
    type: number
    sql: ${TABLE}.files_rejected ;;
  }

  dimension: dead_letters {
    type: number
    sql: ${TABLE}.dead_letters ;;
  }

  measure: count {
    type: count
  }

  measure: total_runs {
    type: sum
    sql: ${runs} ;;
    value_format_name: decimal_0
  }

  measure: total_table_loads {
    type: sum
    sql: ${table_loads} ;;
    value_format_name: decimal_0
  }

  measure: total_table_loads_succeeded {
    type: sum
    sql: ${table_loads_succeeded} ;;
    value_format_name: decimal_0
  }

  measure: total_table_loads_failed {
    type: sum
    sql: ${table_loads_failed} ;;
    value_format_name: decimal_0
  }

  measure: total_table_loads_abandoned {
    type: sum
    sql: ${table_loads_abandoned} ;;
    value_format_name: decimal_0
  }

  measure: total_table_loads_running {
    type: sum
    sql: ${table_loads_running} ;;
    value_format_name: decimal_0
  }

  measure: total_rows_loaded {
    type: sum
    sql: ${rows_loaded} ;;
    value_format_name: decimal_0
  }

  measure: total_files_loaded {
    type: sum
    sql: ${files_loaded} ;;
    value_format_name: decimal_0
  }

  measure: total_files_rejected {
    type: sum
    sql: ${files_rejected} ;;
    value_format_name: decimal_0
  }

  measure: total_dead_letters {
    type: sum
    sql: ${dead_letters} ;;
    value_format_name: decimal_0
  }
}
