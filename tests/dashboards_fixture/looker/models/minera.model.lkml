# A small project in the contract's subset (docs/dashboards.md), over tables of the demo's warehouse:
# what tests/test_dashboards_*.py read besides the real looker/.
connection: "minera_bigquery"
include: "/views/**/*.view.lkml"
include: "/dashboards/*.dashboard.lookml"

explore: tonnes_by_shift {
  label: "Tonnes by shift"
}

explore: vibration_by_zone_day {
  label: "Vibration by zone and day"
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${vibration_by_zone_day.zone} = ${mine_zones.zone} ;;
  }
}

explore: mine_zones {}

explore: alerts {
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${alerts.zone} = ${mine_zones.zone} ;;
  }
}
