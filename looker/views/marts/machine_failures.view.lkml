view: machine_failures {
  sql_table_name: marts.machine_failures ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.machine_id AS STRING), '|', CAST(${TABLE}.failed_at AS STRING)) ;;
  }

  dimension: machine_id {
    type: string
    sql: ${TABLE}.machine_id ;;
  }

  dimension_group: failed {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.failed_at ;;
  }

  dimension: machine_class {
    type: string
    sql: ${TABLE}.machine_class ;;
  }

  dimension: repair_source {
    type: string
    sql: ${TABLE}.repair_source ;;
  }

  dimension_group: repair_started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.repair_started_at ;;
  }

  dimension_group: repair_ended {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.repair_ended_at ;;
  }

  dimension: repair_h {
    type: number
    sql: ${TABLE}.repair_h ;;
  }

  dimension: is_open {
    type: yesno
    sql: ${TABLE}.is_open ;;
  }

  dimension: status_log_records {
    type: number
    sql: ${TABLE}.status_log_records ;;
  }

  dimension: erp_notifications {
    type: number
    sql: ${TABLE}.erp_notifications ;;
  }

  dimension: mobile_issues {
    type: number
    sql: ${TABLE}.mobile_issues ;;
  }

  dimension: first_status_id {
    type: number
    sql: ${TABLE}.first_status_id ;;
  }

  dimension: erp_notification_number {
    type: string
    sql: ${TABLE}.erp_notification_number ;;
  }

  dimension: erp_order_number {
    type: string
    sql: ${TABLE}.erp_order_number ;;
  }

  dimension: mobile_issue_id {
    type: string
    sql: ${TABLE}.mobile_issue_id ;;
  }

  measure: count {
    type: count
  }

  measure: total_repair_h {
    type: sum
    sql: ${repair_h} ;;
    value_format_name: decimal_2
  }

  measure: average_status_log_records {
    type: average
    sql: ${status_log_records} ;;
    value_format_name: decimal_2
  }

  measure: average_erp_notifications {
    type: average
    sql: ${erp_notifications} ;;
    value_format_name: decimal_2
  }

  measure: average_mobile_issues {
    type: average
    sql: ${mobile_issues} ;;
    value_format_name: decimal_2
  }
}
