view: rock_quality_samples {
  sql_table_name: marts.rock_quality_samples ;;
  # The lab's samples joined to their holes and blasts (key: sample_code): each sample of staging.stg_vendor__rock_quality_samples (its latest analysis) with where its hole is, from marts.rock_quality_by_drill_hole: hole_id and is_known_hole, zone, pit, drilled_on (UTC day the hole was drilled), blast_id (the earliest blast that fired it)

  dimension: sample_code {
    primary_key: yes
    type: string
    sql: ${TABLE}.sample_code ;;
  }

  dimension: drill_hole_id {
    type: string
    sql: ${TABLE}.drill_hole_id ;;
  }

  dimension: hole_id {
    type: number
    sql: ${TABLE}.hole_id ;;
  }

  dimension: is_known_hole {
    type: yesno
    sql: ${TABLE}.is_known_hole ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension_group: drilled {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.drilled_on ;;
  }

  dimension: blast_id {
    type: number
    sql: ${TABLE}.blast_id ;;
  }

  dimension: depth_from_m {
    type: number
    sql: ${TABLE}.depth_from_m ;;
  }

  dimension: depth_to_m {
    type: number
    sql: ${TABLE}.depth_to_m ;;
  }

  dimension: interval_length_m {
    type: number
    sql: ${TABLE}.interval_length_m ;;
  }

  dimension: length_m {
    type: number
    sql: ${TABLE}.length_m ;;
  }

  dimension: rock_type {
    type: string
    sql: ${TABLE}.rock_type ;;
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

  dimension_group: reported {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.reported_at ;;
  }

  measure: count {
    type: count
  }

  measure: average_interval_length_m {
    type: average
    sql: ${interval_length_m} ;;
    value_format_name: decimal_2
  }

  measure: average_length_m {
    type: average
    sql: ${length_m} ;;
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
