view: machines {
  sql_table_name: marts.machines ;;
  # The mine's machines (SAP client 100) by fleet number, one row per machine and period of its installation (EQUZ time segment): where it worked (pit) from valid_from to valid_to, both included

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: CONCAT(CAST(${TABLE}.machine_id AS STRING), '|', CAST(${TABLE}.valid_from AS STRING)) ;;
  }

  dimension: machine_id {
    type: string
    sql: ${TABLE}.machine_id ;;
  }

  dimension_group: valid_from {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.valid_from ;;
  }

  dimension_group: valid_to {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.valid_to ;;
  }

  dimension: is_current {
    type: yesno
    sql: ${TABLE}.is_current ;;
  }

  dimension: machine_class {
    type: string
    sql: ${TABLE}.machine_class ;;
  }

  dimension: manufacturer {
    type: string
    sql: ${TABLE}.manufacturer ;;
  }

  dimension: model_number {
    type: string
    sql: ${TABLE}.model_number ;;
  }

  dimension: pit {
    type: string
    sql: ${TABLE}.pit ;;
  }

  dimension: functional_location {
    type: string
    sql: ${TABLE}.functional_location ;;
  }

  dimension: equipment_number {
    type: string
    sql: ${TABLE}.equipment_number ;;
  }

  dimension_group: started_up {
    type: time
    timeframes: [raw, date, week, month]
    datatype: date
    sql: ${TABLE}.started_up_on ;;
  }

  measure: count {
    type: count
  }
}
