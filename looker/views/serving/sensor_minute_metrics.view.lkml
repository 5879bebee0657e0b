view: sensor_minute_metrics {
  sql_table_name: serving.sensor_minute_metrics ;;
  # The sensors' minute metrics as dashboards read them (key: sensor_id, zone, window_start): one row per sensor, zone and event-time minute with readings, from exactly one layer, switched per UTC day: * a day the batch layer has closed (a row in ops.batch_days for batch.sensor_minute_metrics) comes from batch.sensor_minute_metrics: every reading of the day's lake files, recomputed whole; * any other day comes from speed.sensor_minute_metrics, its rows combined per minute (below)

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

  dimension: min_battery_v {
    type: number
    sql: ${TABLE}.min_battery_v ;;
  }

  dimension_group: computed {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.computed_at ;;
  }

  dimension_group: dominant {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.dominant_at ;;
  }

  dimension: layer {
    type: string
    sql: ${TABLE}.layer ;;
  }

  dimension: panes {
    type: number
    sql: ${TABLE}.panes ;;
  }

  measure: count {
    type: count
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

  measure: total_panes {
    type: sum
    sql: ${panes} ;;
    value_format_name: decimal_0
  }
}
