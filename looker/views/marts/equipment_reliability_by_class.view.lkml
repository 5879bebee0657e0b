view: equipment_reliability_by_class {
  sql_table_name: marts.equipment_reliability_by_class ;;
  # MTBF, MTTR and availability per machine class and month (key: machine_class, month), the ERP's classes (EQUI.EQART: HAULTRUCK, SHOVEL, ...; UNKNOWN for machines the ERP does not know): the machines' figures of marts.equipment_reliability added up, then divided, so that every machine's hours count, those without a failure too

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.machine_class AS STRING), '|', CAST(${TABLE}.month AS STRING)) ;;
  }

  dimension: machine_class {
    type: string
    sql: ${TABLE}.machine_class ;;
  }

  dimension_group: month {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.month ;;
  }

  dimension: machines {
    type: number
    sql: ${TABLE}.machines ;;
  }

  dimension: calendar_h {
    type: number
    sql: ${TABLE}.calendar_h ;;
  }

  dimension: failures {
    type: number
    sql: ${TABLE}.failures ;;
  }

  dimension: open_failures {
    type: number
    sql: ${TABLE}.open_failures ;;
  }

  dimension: closed_failures {
    type: number
    sql: ${TABLE}.closed_failures ;;
  }

  dimension: repair_h {
    type: number
    sql: ${TABLE}.repair_h ;;
  }

  dimension: downtime_h {
    type: number
    sql: ${TABLE}.downtime_h ;;
  }

  dimension: mtbf_h {
    type: number
    sql: ${TABLE}.mtbf_h ;;
  }

  dimension: mttr_h {
    type: number
    sql: ${TABLE}.mttr_h ;;
  }

  dimension: status_days {
    type: number
    sql: ${TABLE}.status_days ;;
  }

  dimension: available_h {
    type: number
    sql: ${TABLE}.available_h ;;
  }

  dimension: availability_pct {
    type: number
    sql: ${TABLE}.availability_pct ;;
  }

  measure: count {
    type: count
  }

  measure: total_machines {
    type: sum
    sql: ${machines} ;;
    value_format_name: decimal_0
  }

  measure: total_calendar_h {
    type: sum
    sql: ${calendar_h} ;;
    value_format_name: decimal_2
  }

  measure: total_failures {
    type: sum
    sql: ${failures} ;;
    value_format_name: decimal_0
  }

  measure: total_open_failures {
    type: sum
    sql: ${open_failures} ;;
    value_format_name: decimal_0
  }

  measure: total_closed_failures {
    type: sum
    sql: ${closed_failures} ;;
    value_format_name: decimal_0
  }

  measure: total_repair_h {
    type: sum
    sql: ${repair_h} ;;
    value_format_name: decimal_2
  }

  measure: total_downtime_h {
    type: sum
    sql: ${downtime_h} ;;
    value_format_name: decimal_2
  }

  measure: average_mtbf_h {
    type: average
    sql: ${mtbf_h} ;;
    value_format_name: decimal_2
  }

  measure: average_mttr_h {
    type: average
    sql: ${mttr_h} ;;
    value_format_name: decimal_2
  }

  measure: average_status_days {
    type: average
    sql: ${status_days} ;;
    value_format_name: decimal_2
  }

  measure: total_available_h {
    type: sum
    sql: ${available_h} ;;
    value_format_name: decimal_2
  }

  measure: average_availability_pct {
    type: average
    sql: ${availability_pct} ;;
    value_format_name: decimal_2
  }
}
