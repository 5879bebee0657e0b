- dashboard: platform_health
  title: Platform health
  layout: newspaper
  description: "The data platform itself: how fresh each source's tables are, loads that failed per source,
    dead letters per streaming pipeline, and the failed runs."
  elements:
  - name: stale_tables
    title: Tables not fresh
    model: minera
    explore: source_freshness
    type: single_value
    fields: [source_freshness.count]
    filters:
      source_freshness.status: -fresh
    row: 0
    col: 0
    width: 6
    height: 3
  - name: failed_loads
    title: Failed table loads
    model: minera
    explore: source_health_daily
    type: single_value
    fields: [source_health_daily.total_table_loads_failed]
    row: 0
    col: 6
    width: 6
    height: 3
  - name: dead_letters_total
    title: Dead letters
    model: minera
    explore: source_health_daily
    type: single_value
    fields: [source_health_daily.total_dead_letters]
    row: 0
    col: 12
    width: 6
    height: 3
  - name: rejected_files_total
    title: Rejected files
    model: minera
    explore: source_health_daily
    type: single_value
    fields: [source_health_daily.total_files_rejected]
    row: 0
    col: 18
    width: 6
    height: 3
  - name: freshness
    title: Freshness per table
    model: minera
    explore: source_freshness
    type: looker_grid
    fields: [source_freshness.target_table, source_freshness.pipeline, source_freshness.status,
      source_freshness.age_hours, source_freshness.warn_after_hours, source_freshness.last_loaded_time,
      source_freshness.last_run_status]
    sorts: [source_freshness.age_hours desc]
    limit: 500
    row: 3
    col: 0
    width: 24
    height: 8
  - name: loads_by_source
    title: Table loads per source, succeeded and failed
    model: minera
    explore: source_health_daily
    type: looker_bar
    fields: [source_health_daily.pipeline, source_health_daily.total_table_loads_succeeded,
      source_health_daily.total_table_loads_failed]
    sorts: [source_health_daily.pipeline asc]
    limit: 500
    row: 11
    col: 0
    width: 12
    height: 7
  - name: dead_letters_by_pipeline
    title: Dead letters and rejected files per pipeline
    model: minera
    explore: source_health_daily
    type: looker_bar
    fields: [source_health_daily.pipeline, source_health_daily.total_dead_letters,
      source_health_daily.total_files_rejected]
    sorts: [source_health_daily.pipeline asc]
    limit: 500
    row: 11
    col: 12
    width: 12
    height: 7
  - name: rows_loaded_by_day
    title: Rows loaded per day, by pipeline
    model: minera
    explore: source_health_daily
    type: looker_column
    fields: [source_health_daily.activity_date, source_health_daily.pipeline, source_health_daily.total_rows_loaded]
    sorts: [source_health_daily.activity_date asc]
    limit: 500
    row: 18
    col: 0
    width: 24
    height: 6
  - name: recent_runs
    title: Table loads, newest first
    model: minera
    explore: pipeline_runs
    type: looker_grid
    fields: [pipeline_runs.started_time, pipeline_runs.pipeline, pipeline_runs.table_name, pipeline_runs.status,
      pipeline_runs.rows_loaded, pipeline_runs.duration_seconds, pipeline_runs.error]
    sorts: [pipeline_runs.started_time desc]
    limit: 50
    row: 24
    col: 0
    width: 24
    height: 8
