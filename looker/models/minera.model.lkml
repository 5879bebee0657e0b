# The Minera platform's model: every view reads BigQuery's serving and marts datasets through the
# connection minera_bigquery (its default project supplies the project). Explores are named after their
# base view; joins use keys both sides have (checked by tests/test_looker_project.py).
connection: "minera_bigquery"

include: "/views/**/*.view.lkml"
include: "/dashboards/*.dashboard.lookml"

week_start_day: monday

# ---- vibration ----

explore: vibration_by_zone_day {
  label: "Vibration by zone and day"
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${vibration_by_zone_day.zone} = ${mine_zones.zone} ;;
  }
}

explore: sensor_minutes {
  label: "Sensor minutes against the limit curve"
  join: sensors {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensor_minutes.sensor_id} = ${sensors.sensor_id} ;;
  }
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensor_minutes.zone} = ${mine_zones.zone} ;;
  }
}

explore: sensor_minute_metrics {
  label: "Sensor minute metrics (serving)"
  join: sensors {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensor_minute_metrics.sensor_id} = ${sensors.sensor_id} ;;
  }
}

explore: sensor_health_by_day {
  label: "Sensor health by day"
  join: sensors {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensor_health_by_day.sensor_id} = ${sensors.sensor_id} ;;
  }
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensor_health_by_day.zone} = ${mine_zones.zone} ;;
  }
}

explore: sensors {
  label: "Sensors (geophones)"
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${sensors.zone} = ${mine_zones.zone} ;;
  }
}

explore: mine_zones {
  label: "Mine zones"
}

explore: ppv_limit_curve {
  label: "PPV limit curve"
}

explore: alerts {
  label: "Alerts (speed layer)"
  join: sensors {
    type: left_outer
    relationship: many_to_one
    sql_on: ${alerts.sensor_id} = ${sensors.sensor_id} ;;
  }
  join: machine_issues {
    type: left_outer
    relationship: many_to_one
    sql_on: ${alerts.issue_id} = ${machine_issues.issue_id} ;;
  }
}

# ---- machinery issues and equipment ----

explore: machine_issues {
  label: "Machinery issues"
}

explore: issue_backlog_daily {
  label: "Issue backlog by day"
}

explore: issue_age_buckets {
  label: "Issue age buckets"
}

explore: machine_failures {
  label: "Machine failures"
}

explore: machines {
  label: "Machines (history)"
}

explore: equipment_reliability {
  label: "Equipment reliability (MTBF, MTTR) by machine and month"
}

explore: equipment_reliability_by_class {
  label: "Equipment reliability (MTBF, MTTR) by class and month"
}

explore: equipment_availability {
  label: "Equipment availability by machine and day"
}

# ---- production ----

explore: tonnes_by_shift {
  label: "Tonnes by shift, pit and material"
}

explore: cycle_times_by_shift {
  label: "Cycle times by shift and truck"
}

explore: crusher_throughput_by_shift {
  label: "Crusher throughput by shift"
}

explore: haulage_by_shift {
  label: "Haulage by shift and material"
}

explore: fill_factor_by_shift {
  label: "Fill factor by shift and truck model"
}

explore: truck_loads {
  label: "Truck loads"
}

# ---- rock quality ----

explore: rock_quality_by_blast {
  label: "Rock quality by blast"
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rock_quality_by_blast.zone} = ${mine_zones.zone} ;;
  }
}

explore: rock_quality_by_zone_day {
  label: "Rock quality by zone and day"
  join: mine_zones {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rock_quality_by_zone_day.zone} = ${mine_zones.zone} ;;
  }
}

explore: rock_quality_by_zone_month {
  label: "Rock quality by zone and month"
}

explore: rock_quality_by_drill_hole {
  label: "Rock quality by drill hole"
  join: rock_quality_by_blast {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rock_quality_by_drill_hole.blast_id} = ${rock_quality_by_blast.blast_id} ;;
  }
}

explore: rock_quality_samples {
  label: "Rock quality samples"
  join: rock_quality_by_drill_hole {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rock_quality_samples.drill_hole_id} = ${rock_quality_by_drill_hole.drill_hole_id} ;;
  }
}

# ---- platform health ----

explore: source_freshness {
  label: "Source freshness"
}

explore: source_health_daily {
  label: "Source health by day"
}

explore: pipeline_runs {
  label: "Pipeline runs"
}
