view: sensor_minutes {
  sql_table_name: marts.sensor_minutes ;;
  # Each sensor-minute against the PPV limit curve, with the sensor's position (key: sensor_id, zone, window_start), for the per-sensor trend (its PPV and its limit line), the scatter of peak PPV against dominant frequency, and the map

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.sensor_id AS STRING), '|', CAST(${TABLE}.zone AS STRING), '|', CAST(${TABLE}.window_start AS STRING)) ;;
  }

  dimension: sensor_id {
    type: string
    sql: ${TABLE}.sensor_id ;;
  }

  dimension: zone {
    type: string
    sql: ${TABLE}.zone ;;
  }

  dimension_group: window_start {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.window_start ;;
  }

  dimension_group: day {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.day ;;
  }

  dimension: reading_count {
    type: number
    sql: ${TABLE}.reading_count ;;
  }

  dimension: max_ppv_mm_s {
    type: number
    sql: ${TABLE}.max_ppv_mm_s ;;
  }

  dimension: rms_ppv_mm_s {
    type: number
    sql: ${TABLE}.rms_ppv_mm_s ;;
  }

  dimension: mean_frequency_hz {
    type: number
    sql: ${TABLE}.mean_frequency_hz ;;
  }

  dimension: dominant_frequency_hz {
    type: number
    sql: ${TABLE}.dominant_frequency_hz ;;
  }

  dimension: dominant_frequency_band_hz {
    description: "The dominant frequency rounded down to a whole hertz: 1 Hz bands for the scatter against the limit curve"
    type: number
    sql: FLOOR(${TABLE}.dominant_frequency_hz) ;;
  }

  dimension: min_battery_v {
    type: number
    sql: ${TABLE}.min_battery_v ;;
  }

  dimension: layer {
    type: string
    sql: ${TABLE}.layer ;;
  }

  dimension: limit_ppv_mm_s {
    type: number
    sql: ${TABLE}.limit_ppv_mm_s ;;
  }

  dimension: pct_of_limit {
    type: number
    sql: ${TABLE}.pct_of_limit ;;
  }

  dimension: exceeds_limit {
    type: yesno
    sql: ${TABLE}.exceeds_limit ;;
  }

  dimension: easting_m {
    type: number
    sql: ${TABLE}.easting_m ;;
  }

  dimension: northing_m {
    type: number
    sql: ${TABLE}.northing_m ;;
  }

  dimension: over_limit_minute {
    description: "1 when the minute's max PPV is above the limit, else 0 (for counting minutes over the limit)"
    hidden: yes
    type: number
    sql: CASE WHEN ${TABLE}.exceeds_limit THEN 1 ELSE 0 END ;;
  }

  measure: count {
    type: count
  }

  measure: sensors {
    type: count_distinct
    sql: ${sensor_id} ;;
  }

  measure: minutes_over_limit {
    description: "Sensor-minutes whose max PPV is above the limit curve at their dominant frequency"
    type: sum
    sql: ${over_limit_minute} ;;
    value_format_name: decimal_0
  }

  measure: total_reading_count {
    type: sum
    sql: ${reading_count} ;;
    value_format_name: decimal_0
  }

  measure: highest_ppv_mm_s {
    type: max
    sql: ${max_ppv_mm_s} ;;
    value_format_name: decimal_2
  }

  measure: average_rms_ppv_mm_s {
    type: average
    sql: ${rms_ppv_mm_s} ;;
    value_format_name: decimal_2
  }

  measure: average_mean_frequency_hz {
    type: average
    sql: ${mean_frequency_hz} ;;
    value_format_name: decimal_2
  }

  measure: average_dominant_frequency_hz {
    type: average
    sql: ${dominant_frequency_hz} ;;
    value_format_name: decimal_2
  }

  measure: lowest_battery_v {
    type: min
    sql: ${min_battery_v} ;;
    value_format_name: decimal_2
  }

  measure: average_limit_ppv_mm_s {
    type: average
    sql: ${limit_ppv_mm_s} ;;
    value_format_name: decimal_2
  }

  measure: lowest_limit_ppv_mm_s {
    description: "The lowest limit of the rows: in a 1 Hz band, the limit curve at the band's start (the curve rises)"
    type: min
    sql: ${limit_ppv_mm_s} ;;
    value_format_name: decimal_2
  }

  measure: average_pct_of_limit {
    type: average
    sql: ${pct_of_limit} ;;
    value_format_name: decimal_2
  }
}
