view: alerts {
  sql_table_name: serving.alerts ;;

  dimension: alert_id { primary_key: yes type: string sql: ${TABLE}.alert_id ;; }
  dimension: rule { type: string sql: ${TABLE}.rule ;; }
  dimension: zone { type: string sql: ${TABLE}.zone ;; }
  dimension: sensor_id { type: string sql: ${TABLE}.sensor_id ;; }
  dimension: machine_id { type: string sql: ${TABLE}.machine_id ;; }
  dimension: measured_value { type: number sql: ${TABLE}.measured_value ;; }
  dimension_group: event { type: time timeframes: [raw, time, minute, hour, date] sql: ${TABLE}.event_time ;; }
  measure: count { type: count label: "Alerts" }
  measure: raised { type: sum sql: ${TABLE}.raised_count ;; }
  measure: max_measured { type: max sql: ${measured_value} ;; value_format_name: decimal_2 }
}
