output "jobs" {
  description = "Cloud Run job name per launcher (each batch pipeline, and models; CloudRunExecuteJobOperator's job_name), known before the jobs exist."
  value       = local.job_names
}

output "job_ids" {
  description = "Cloud Run job ID per launcher, projects/P/locations/L/jobs/NAME."
  value       = { for name, job in google_cloud_run_v2_job.launchers : name => job.id }
}

output "commands" {
  description = "Per launcher, its command: python -m MODULE and its default arguments; an execution's override args follow them."
  value       = module.command.commands
}

output "container_name" {
  description = "Name of each job's one container (the container override's name)."
  value       = local.container_name
}
