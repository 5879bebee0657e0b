output "batch_launcher_jobs" {
  description = "Cloud Run job name of each launcher, each batch pipeline and models (what the DAGs execute)."
  value       = module.batch_launchers.jobs
}

output "batch_launcher_job_ids" {
  description = "Cloud Run job ID of each launcher, projects/P/locations/L/jobs/NAME."
  value       = module.batch_launchers.job_ids
}
