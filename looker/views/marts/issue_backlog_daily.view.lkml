view: issue_backlog_daily {
  sql_table_name: marts.issue_backlog_daily ;;
  # The open backlog of machinery issues at the end of each UTC day, by severity and age (key: snapshot_date, max_severity, age_bucket): a daily series a dashboard filters by date

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.snapshot_date AS STRING), '|', CAST(${TABLE}.max_severity AS STRING), '|', CAST(${TABLE}.age_bucket AS STRING)) ;;
  }

  dimension_group: snapshot {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.snapshot_date ;;
  }

  dimension_group: as_of {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.as_of ;;
  }

  dimension: max_severity {
    type: string
    sql: ${TABLE}.max_severity ;;
  }

  dimension: severity_rank {
    type: number
    sql: ${TABLE}.severity_rank ;;
  }

  dimension: age_bucket {
    type: string
    sql: ${TABLE}.age_bucket ;;
  }

  dimension: bucket_order {
    type: number
    sql: ${TABLE}.bucket_order ;;
  }

  dimension: open_issues {
    type: number
    sql: ${TABLE}.open_issues ;;
  }

  dimension: acknowledged_issues {
    type: number
    sql: ${TABLE}.acknowledged_issues ;;
  }

  dimension: unacknowledged_issues {
    type: number
    sql: ${TABLE}.unacknowledged_issues ;;
  }

  dimension: oldest_age_hours {
    type: number
    sql: ${TABLE}.oldest_age_hours ;;
  }

  measure: count {
    type: count
  }

  measure: total_open_issues {
    type: sum
    sql: ${open_issues} ;;
    value_format_name: decimal_0
  }

  measure: total_acknowledged_issues {
    type: sum
    sql: ${acknowledged_issues} ;;
    value_format_name: decimal_0
  }

  measure: total_unacknowledged_issues {
    type: sum
    sql: ${unacknowledged_issues} ;;
    value_format_name: decimal_0
  }

  measure: average_oldest_age_hours {
    type: average
    sql: ${oldest_age_hours} ;;
    value_format_name: decimal_2
  }
}
