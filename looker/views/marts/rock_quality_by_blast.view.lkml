view: rock_quality_by_blast {
  sql_table_name: marts.rock_quality_by_blast ;;
  # Rock quality per blast (key: blast_id): every blast of staging.stg_production__blasts, with the holes it fired (its hole_ids) as marts.rock_quality_by_drill_hole places them

  dimension: blast_id {
    primary_key: yes
    type: number
    sql: ${TABLE}.blast_id ;;
  }

  dimension: blast_pattern {
    type: string
    sql: ${TABLE}.blast_pattern ;;
  }

  dimension_group: fired {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.fired_at ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: zone_count {
    type: number
    sql: ${TABLE}.zone_count ;;
  }

  dimension: hole_count {
    type: number
    sql: ${TABLE}.hole_count ;;
  }

  dimension: holes_listed {
    type: number
    sql: ${TABLE}.holes_listed ;;
  }

  dimension: holes_known {
    type: number
    sql: ${TABLE}.holes_known ;;
  }

  dimension: holes_sampled {
    type: number
    sql: ${TABLE}.holes_sampled ;;
  }

  dimension: sample_count {
    type: number
    sql: ${TABLE}.sample_count ;;
  }

  dimension: sampled_length_m {
    type: number
    sql: ${TABLE}.sampled_length_m ;;
  }

  dimension: rqd_pct {
    type: number
    sql: ${TABLE}.rqd_pct ;;
  }

  dimension: ucs_mpa {
    type: number
    sql: ${TABLE}.ucs_mpa ;;
  }

  dimension: point_load_is50_mpa {
    type: number
    sql: ${TABLE}.point_load_is50_mpa ;;
  }

  dimension: density_g_cm3 {
    type: number
    sql: ${TABLE}.density_g_cm3 ;;
  }

  dimension: cu_pct {
    type: number
    sql: ${TABLE}.cu_pct ;;
  }

  dimension: au_g_t {
    type: number
    sql: ${TABLE}.au_g_t ;;
  }

  dimension: mo_ppm {
    type: number
    sql: ${TABLE}.mo_ppm ;;
  }

  dimension: cu_equivalent_pct {
    type: number
    sql: ${TABLE}.cu_equivalent_pct ;;
  }

  measure: count {
    type: count
  }

  measure: average_zone_count {
    type: average
    sql: ${zone_count} ;;
    value_format_name: decimal_2
  }

  measure: total_hole_count {
    type: sum
    sql: ${hole_count} ;;
    value_format_name: decimal_0
  }

  measure: average_holes_listed {
    type: average
    sql: ${holes_listed} ;;
    value_format_name: decimal_2
  }

  measure: average_holes_known {
    type: average
    sql: ${holes_known} ;;
    value_format_name: decimal_2
  }

  measure: total_holes_sampled {
    type: sum
    sql: ${holes_sampled} ;;
    value_format_name: decimal_0
  }

  measure: total_sample_count {
    type: sum
    sql: ${sample_count} ;;
    value_format_name: decimal_0
  }

  measure: total_sampled_length_m {
    type: sum
    sql: ${sampled_length_m} ;;
    value_format_name: decimal_2
  }

  measure: average_rqd_pct {
    type: average
    sql: ${rqd_pct} ;;
    value_format_name: decimal_2
  }

  measure: average_ucs_mpa {
    type: average
    sql: ${ucs_mpa} ;;
    value_format_name: decimal_2
  }

  measure: average_point_load_is50_mpa {
    type: average
    sql: ${point_load_is50_mpa} ;;
    value_format_name: decimal_2
  }

  measure: average_density_g_cm3 {
    type: average
    sql: ${density_g_cm3} ;;
    value_format_name: decimal_2
  }

  measure: average_cu_pct {
    type: average
    sql: ${cu_pct} ;;
    value_format_name: decimal_2
  }

  measure: average_au_g_t {
    type: average
    sql: ${au_g_t} ;;
    value_format_name: decimal_2
  }

  measure: average_mo_ppm {
    type: average
    sql: ${mo_ppm} ;;
    value_format_name: decimal_2
  }

  measure: average_cu_equivalent_pct {
    type: average
    sql: ${cu_equivalent_pct} ;;
    value_format_name: decimal_2
  }
}
