view: tonnes_by_shift {
  sql_table_name: marts.tonnes_by_shift ;;

  dimension: pit { type: string sql: ${TABLE}.pit ;; }
  dimension: material { type: string sql: ${TABLE}.material ;; }
  dimension: shift_kind { type: string sql: ${TABLE}.shift_kind ;; }
  dimension: crew { type: string sql: ${TABLE}.crew ;; }
  dimension: is_ore { type: yesno sql: ${material} = 'ore' ;; }
  dimension_group: shift_started {
    type: time
    timeframes: [raw, time, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.shift_started_at ;;
  }
  dimension_group: shift {
    type: time
    timeframes: [date, week]
    datatype: date
    sql: ${TABLE}.shift_date ;;
  }
  measure: hauled_t { type: sum sql: ${TABLE}.hauled_t ;; value_format_name: decimal_0 label: "Hauled (t)" }
  measure: loads { type: sum sql: ${TABLE}.loads ;; value_format_name: decimal_0 }
  measure: average_load_t { type: average sql: ${TABLE}.hauled_t / NULLIF(${TABLE}.loads, 0) ;; value_format_name: decimal_1 }
  measure: shifts { type: count_distinct sql: ${TABLE}.shift_id ;; }
  measure: count { type: count }
}
