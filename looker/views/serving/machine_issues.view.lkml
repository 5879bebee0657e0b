view: machine_issues {
  sql_table_name: serving.machine_issues ;;
  # Machinery issues for dashboards: one row per issue (key: issue_id), its current state (marts.machine_issues, as of its built_at: the last build), and for an open issue its age now

  dimension: issue_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.issue_id ;;
  }

  dimension: machine_id {
    type: string
    sql: ${TABLE}.machine_id ;;
  }

  dimension: machine_type {
    type: string
    sql: ${TABLE}.machine_type ;;
  }

  dimension: category {
    type: string
    sql: ${TABLE}.category ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
  }

  dimension: is_open {
    type: yesno
    sql: ${TABLE}.is_open ;;
  }

  dimension: current_severity {
    type: string
    sql: ${TABLE}.current_severity ;;
  }

  dimension: max_severity {
    type: string
    sql: ${TABLE}.max_severity ;;
  }

  dimension_group: opened {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.opened_at ;;
  }

  dimension: opened_event_missing {
    type: yesno
    sql: ${TABLE}.opened_event_missing ;;
  }

  dimension: first_reported_by {
    type: string
    sql: ${TABLE}.first_reported_by ;;
  }

  dimension: description {
    type: string
    sql: ${TABLE}.description ;;
  }

  dimension_group: acknowledged {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.acknowledged_at ;;
  }

  dimension_group: resolved {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.resolved_at ;;
  }

  dimension: time_to_acknowledge_minutes {
    type: number
    sql: ${TABLE}.time_to_acknowledge_minutes ;;
  }

  dimension: time_to_resolve_minutes {
    type: number
    sql: ${TABLE}.time_to_resolve_minutes ;;
  }

  dimension: reopened_count {
    type: number
    sql: ${TABLE}.reopened_count ;;
  }

  dimension_group: last_reopened {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_reopened_at ;;
  }

  dimension: last_event_type {
    type: string
    sql: ${TABLE}.last_event_type ;;
  }

  dimension: events_count {
    type: number
    sql: ${TABLE}.events_count ;;
  }

  dimension_group: last_event {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_event_at ;;
  }

  dimension_group: last_published {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_published_at ;;
  }

  dimension_group: built {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.built_at ;;
  }

  dimension: age_hours {
    type: number
    sql: ${TABLE}.age_hours ;;
  }

  dimension: age_bucket {
    type: string
    sql: ${TABLE}.age_bucket ;;
  }

  dimension: bucket_order {
    type: number
    sql: ${TABLE}.bucket_order ;;
  }

  measure: count {
    type: count
  }

  measure: average_time_to_acknowledge_minutes {
    type: average
    sql: ${time_to_acknowledge_minutes} ;;
    value_format_name: decimal_2
  }

  measure: average_time_to_resolve_minutes {
    type: average
    sql: ${time_to_resolve_minutes} ;;
    value_format_name: decimal_2
  }

  measure: total_reopened_count {
    type: sum
    sql: ${reopened_count} ;;
    value_format_name: decimal_0
  }

  measure: total_events_count {
    type: sum
    sql: ${events_count} ;;
    value_format_name: decimal_0
  }

  measure: average_age_hours {
    type: average
    sql: ${age_hours} ;;
    value_format_name: decimal_2
  }
}
