view: ppv_limit_curve {
  sql_table_name: marts.ppv_limit_curve ;;
  # The PPV limit curve the vibration marts judge a sensor-minute by (key: frequency_hz): its points, (frequency Hz, limit mm/s); linear between points, flat below the first and above the last

  dimension: frequency_hz {
    primary_key: yes
    type: number
    sql: ${TABLE}.frequency_hz ;;
  }

  dimension: limit_mm_s {
    type: number
    sql: ${TABLE}.limit_mm_s ;;
  }

  measure: count {
    type: count
  }

  measure: average_limit_mm_s {
    type: average
    sql: ${limit_mm_s} ;;
    value_format_name: decimal_2
  }
}
