view: vibration_by_zone_day {
  sql_table_name: marts.vibration_by_zone_day ;;

  dimension: zone { type: string sql: ${TABLE}.zone ;; }
  dimension: pit { type: string sql: ${TABLE}.pit ;; }
  dimension: day_closed { type: yesno sql: ${TABLE}.day_closed ;; }
  dimension: peak_ppv_mm_s { type: number sql: ${TABLE}.peak_ppv_mm_s ;; }
  dimension_group: day { type: time timeframes: [date, week, month] datatype: date sql: ${TABLE}.day ;; }
  measure: max_ppv { type: max sql: ${peak_ppv_mm_s} ;; value_format_name: decimal_2 label: "Peak PPV (mm/s)" }
  measure: minutes_over_limit { type: sum sql: ${TABLE}.minutes_over_limit ;; }
  measure: sensor_alerts { type: sum sql: ${TABLE}.sensor_alerts ;; }
  measure: readings { type: sum sql: ${TABLE}.readings ;; value_format_name: decimal_0 }
}
