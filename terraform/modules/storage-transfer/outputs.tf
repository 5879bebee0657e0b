output "job_name" {
  description = "The transfer job's resource name, transferJobs/<name>."
  value       = google_storage_transfer_job.s3_to_landing.name
}

output "landing_prefix" {
  description = "Where the copied files land: gs://<sink bucket>/<sink path>."
  value       = "gs://${var.sink_bucket}/${var.sink_path}"
}

output "service_agent" {
  description = "E-mail of the project's Storage Transfer service agent (it reads the credentials secret and impersonates the job's service account)."
  value       = data.google_storage_transfer_project_service_account.agent.email
}
