view: tonnes_by_shift {
  sql_table_name: marts.tonnes_by_shift ;;
  # Tonnes hauled per shift, pit and material (key: shift_id, pit, material), from marts.truck_loads: a load counts in its shift whether or not it has been dumped; pit is the loading shovel's pit that day ('unknown' when the ERP has none)

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.shift_id AS STRING), '|', CAST(${TABLE}.pit AS STRING), '|', CAST(${TABLE}.material AS STRING)) ;;
  }

  dimension: shift_id {
    type: number
    sql: ${TABLE}.shift_id ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: material {
    type: string
    sql: ${TABLE}.material ;;
  }

  dimension_group: shift {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.shift_date ;;
  }

  dimension: shift_kind {
    type: string
    sql: ${TABLE}.shift_kind ;;
  }

  dimension: crew {
    type: string
    sql: ${TABLE}.crew ;;
  }

  dimension_group: shift_started {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.shift_started_at ;;
  }

  dimension: loads {
    type: number
    sql: ${TABLE}.loads ;;
  }

  dimension: hauled_t {
    type: number
    sql: ${TABLE}.hauled_t ;;
  }

  dimension: trucks {
    type: number
    sql: ${TABLE}.trucks ;;
  }

  dimension: shovels {
    type: number
    sql: ${TABLE}.shovels ;;
  }

  measure: count {
    type: count
  }

  measure: total_loads {
    type: sum
    sql: ${loads} ;;
    value_format_name: decimal_0
  }

  measure: total_hauled_t {
    type: sum
    sql: ${hauled_t} ;;
    value_format_name: decimal_2
  }

  measure: average_trucks {
    type: average
    sql: ${trucks} ;;
    value_format_name: decimal_2
  }

  measure: average_shovels {
    type: average
    sql: ${shovels} ;;
    value_format_name: decimal_2
  }
}
