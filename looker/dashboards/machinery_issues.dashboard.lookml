- dashboard: machinery_issues
  title: Machinery issues
  layout: newspaper
  description: "The operators' machinery issues: the open backlog by severity and age, its history, how long
    issues wait to be acknowledged and resolved, and the fleet's MTBF and MTTR by machine class."
  elements:
  - name: open_issues
    title: Open issues
    model: minera
    explore: machine_issues
    type: single_value
    fields: [machine_issues.count]
    filters:
      machine_issues.is_open: "yes"
    row: 0
    col: 0
    width: 6
    height: 3
  - name: open_critical_issues
    title: Open critical issues
    model: minera
    explore: machine_issues
    type: single_value
    fields: [machine_issues.count]
    filters:
      machine_issues.is_open: "yes"
      machine_issues.current_severity: critical
    row: 0
    col: 6
    width: 6
    height: 3
  - name: mean_time_to_acknowledge
    title: Mean time to acknowledge (min)
    model: minera
    explore: machine_issues
    type: single_value
    fields: [machine_issues.average_time_to_acknowledge_minutes]
    row: 0
    col: 12
    width: 6
    height: 3
  - name: mean_time_to_resolve
    title: Mean time to resolve (min)
    model: minera
    explore: machine_issues
    type: single_value
    fields: [machine_issues.average_time_to_resolve_minutes]
    row: 0
    col: 18
    width: 6
    height: 3
  - name: open_backlog_by_severity_and_age
    title: Open backlog by age and severity (now)
    model: minera
    explore: machine_issues
    type: looker_column
    fields: [machine_issues.age_bucket, machine_issues.current_severity, machine_issues.count]
    filters:
      machine_issues.is_open: "yes"
    sorts: [machine_issues.age_bucket asc]
    limit: 500
    row: 3
    col: 0
    width: 12
    height: 7
  - name: backlog_history
    title: Open backlog at the end of each day, by highest severity
    model: minera
    explore: issue_backlog_daily
    type: looker_area
    fields: [issue_backlog_daily.snapshot_date, issue_backlog_daily.max_severity,
      issue_backlog_daily.total_open_issues]
    sorts: [issue_backlog_daily.snapshot_date asc]
    limit: 500
    row: 3
    col: 12
    width: 12
    height: 7
  - name: time_to_acknowledge_and_resolve
    title: Mean minutes to acknowledge and to resolve, by highest severity
    model: minera
    explore: machine_issues
    type: looker_column
    fields: [machine_issues.max_severity, machine_issues.average_time_to_acknowledge_minutes,
      machine_issues.average_time_to_resolve_minutes]
    sorts: [machine_issues.max_severity asc]
    limit: 500
    row: 10
    col: 0
    width: 12
    height: 7
  - name: mtbf_mttr_by_class
    title: MTBF and MTTR by machine class (h, mean of the months)
    model: minera
    explore: equipment_reliability_by_class
    type: looker_bar
    fields: [equipment_reliability_by_class.machine_class, equipment_reliability_by_class.average_mtbf_h,
      equipment_reliability_by_class.average_mttr_h]
    filters:
      equipment_reliability_by_class.failures: ">0"
    sorts: [equipment_reliability_by_class.machine_class asc]
    limit: 500
    row: 10
    col: 12
    width: 12
    height: 7
  - name: open_issues_list
    title: Open issues, oldest first
    model: minera
    explore: machine_issues
    type: looker_grid
    fields: [machine_issues.opened_time, machine_issues.machine_id, machine_issues.category,
      machine_issues.current_severity, machine_issues.status, machine_issues.age_bucket,
      machine_issues.description]
    filters:
      machine_issues.is_open: "yes"
    sorts: [machine_issues.opened_time asc]
    limit: 50
    row: 17
    col: 0
    width: 24
    height: 8
