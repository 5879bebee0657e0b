view: mine_zones {
  sql_table_name: marts.mine_zones ;;

  dimension: zone { primary_key: yes type: string sql: ${TABLE}.zone ;; }
  dimension: zone_code { type: string sql: ${TABLE}.zone_code ;; }
  dimension: pit { type: string sql: ${TABLE}.pit ;; }
  dimension: easting_m { type: number sql: (${TABLE}.easting_min_m + ${TABLE}.easting_max_m) / 2 ;; }
  dimension: northing_m { type: number sql: (${TABLE}.northing_min_m + ${TABLE}.northing_max_m) / 2 ;; }
  measure: count { type: count }
  measure: total_easting_span_m { type: sum sql: ${TABLE}.easting_max_m - ${TABLE}.easting_min_m ;; }
}
