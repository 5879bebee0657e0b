view: issue_age_buckets {
  sql_table_name: marts.issue_age_buckets ;;
  # The age buckets of open machinery issues (key: age_bucket), defined once for every model and dashboard that groups the backlog by age (marts.issue_backlog_daily, serving.machine_issues)

  dimension: bucket_order {
    type: number
    sql: ${TABLE}.bucket_order ;;
  }

  dimension: age_bucket {
    primary_key: yes
    type: string
    sql: ${TABLE}.age_bucket ;;
  }

  dimension: from_hours {
    type: number
    sql: ${TABLE}.from_hours ;;
  }

  dimension: to_hours {
    type: number
    sql: ${TABLE}.to_hours ;;
  }

  measure: count {
    type: count
  }
}
