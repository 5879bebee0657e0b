output "jobs" {
  description = "Dataflow job ids by job: sensors, machine_issues (an in-place update gives a new id)."
  value       = { for k, j in google_dataflow_flex_template_job.this : k => j.job_id }
}

output "job_names" {
  description = "Dataflow job names by job (stable across updates, known before the jobs exist): what monitoring filters on."
  value       = { for k, j in local.jobs : k => j.name }
}
