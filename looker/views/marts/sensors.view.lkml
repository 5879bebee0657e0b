view: sensors {
  sql_table_name: marts.sensors ;;
  # The mine's geophones (key: sensor_id): the zone each one reports and where it stands in the mine grid (UTM metres), for the maps and the per-sensor dashboards

  dimension: sensor_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.sensor_id ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: easting_m {
    type: number
    sql: ${TABLE}.easting_m ;;
  }

  dimension: northing_m {
    type: number
    sql: ${TABLE}.northing_m ;;
  }

  measure: count {
    type: count
  }
}
