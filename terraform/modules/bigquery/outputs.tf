output "datasets" {
  description = "Dataset ids (projects/P/datasets/D) by name: raw_erp raw_production raw_vendor raw_mobile speed batch staging marts serving ops."
  value       = { for k in keys(local.datasets) : k => google_bigquery_dataset.this[k].id }
}

output "model_datasets" {
  description = "SQLMesh's datasets by name: sqlmesh__staging, sqlmesh__marts, sqlmesh__serving (physical layer) and sqlmesh (state)."
  value       = { for k in keys(local.model_datasets) : k => google_bigquery_dataset.this[k].id }
}

output "tables" {
  description = "Table ids by dataset.table: every table of schemas/layout.json and the lake's external tables."
  value = merge(
    { for k, t in google_bigquery_table.this : k => t.id },
    { for k, t in google_bigquery_table.lake : k => t.id },
  )
}

output "policy_tag" {
  description = "The policy tag on the columns that identify people (its resource name)."
  value       = google_data_catalog_policy_tag.identifies_people.name
}
