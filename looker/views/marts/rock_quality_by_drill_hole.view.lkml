view: rock_quality_by_drill_hole {
  sql_table_name: marts.rock_quality_by_drill_hole ;;
  # Rock quality per drill hole (key: drill_hole_id, the mine's hole tag: the production app's hole_id as text, as the lab writes it)

  dimension: drill_hole_id {
    primary_key: yes
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

  dimension: blast_pattern {
    type: string
    sql: ${TABLE}.blast_pattern ;;
  }

  dimension: bench_level_m {
    type: number
    sql: ${TABLE}.bench_level_m ;;
  }

  dimension: easting_m {
    type: number
    sql: ${TABLE}.easting_m ;;
  }

  dimension: northing_m {
    type: number
    sql: ${TABLE}.northing_m ;;
  }

  dimension: hole_depth_m {
    type: number
    sql: ${TABLE}.hole_depth_m ;;
  }

  dimension_group: drilled {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.drilled_at ;;
  }

  dimension: blast_id {
    type: number
    sql: ${TABLE}.blast_id ;;
  }

  dimension_group: fired {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.fired_at ;;
  }

  dimension: blasts_listing_hole {
    type: number
    sql: ${TABLE}.blasts_listing_hole ;;
  }

  dimension: sample_count {
    type: number
    sql: ${TABLE}.sample_count ;;
  }

  dimension: sampled_length_m {
    type: number
    sql: ${TABLE}.sampled_length_m ;;
  }

  dimension: sampled_from_m {
    type: number
    sql: ${TABLE}.sampled_from_m ;;
  }

  dimension: sampled_to_m {
    type: number
    sql: ${TABLE}.sampled_to_m ;;
  }

  dimension: main_rock_type {
    type: string
    sql: ${TABLE}.main_rock_type ;;
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

  dimension: qa_flagged_sample_count {
    type: number
    sql: ${TABLE}.qa_flagged_sample_count ;;
  }

  dimension: overlapping_sample_count {
    type: number
    sql: ${TABLE}.overlapping_sample_count ;;
  }

  dimension: invalid_interval_count {
    type: number
    sql: ${TABLE}.invalid_interval_count ;;
  }

  dimension_group: first_reported {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.first_reported_at ;;
  }

  dimension_group: last_reported {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.last_reported_at ;;
  }

  measure: count {
    type: count
  }

  measure: average_hole_depth_m {
    type: average
    sql: ${hole_depth_m} ;;
    value_format_name: decimal_2
  }

  measure: average_blasts_listing_hole {
    type: average
    sql: ${blasts_listing_hole} ;;
    value_format_name: decimal_2
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

  measure: average_qa_flagged_sample_count {
    type: average
    sql: ${qa_flagged_sample_count} ;;
    value_format_name: decimal_2
  }

  measure: average_overlapping_sample_count {
    type: average
    sql: ${overlapping_sample_count} ;;
    value_format_name: decimal_2
  }

  measure: average_invalid_interval_count {
    type: average
    sql: ${invalid_interval_count} ;;
    value_format_name: decimal_2
  }
}
