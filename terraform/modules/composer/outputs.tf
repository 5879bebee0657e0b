output "name" {
  description = "Name of the Composer environment."
  value       = google_composer_environment.env.name
}

output "id" {
  description = "ID of the environment, projects/<project>/locations/<region>/environments/<name>."
  value       = google_composer_environment.env.id
}

output "airflow_uri" {
  description = "URL of the Airflow web UI (reachable privately only)."
  value       = google_composer_environment.env.config[0].airflow_uri
}

output "dag_gcs_prefix" {
  description = "Where the environment reads DAGs, gs://<environment bucket>/dags."
  value       = local.dag_prefix
}

output "dag_files" {
  description = "DAG folder files uploaded from dags_dir (paths relative to it)."
  value       = sort(local.dag_files)
}
