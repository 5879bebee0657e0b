view: mine_zones {
  sql_table_name: marts.mine_zones ;;
  # The mine's zones (key: zone, the name the geophones report): pit and box in the mine grid (UTM metres)

  dimension: zone {
    primary_key: yes
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: zone_code {
    type: string
    sql: ${TABLE}.zone_code ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: easting_min_m {
    type: number
    sql: ${TABLE}.easting_min_m ;;
  }

  dimension: easting_max_m {
    type: number
    sql: ${TABLE}.easting_max_m ;;
  }

  dimension: northing_min_m {
    type: number
    sql: ${TABLE}.northing_min_m ;;
  }

  dimension: northing_max_m {
    type: number
    sql: ${TABLE}.northing_max_m ;;
  }

  measure: count {
    type: count
  }
}
