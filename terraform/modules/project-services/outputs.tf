output "project_id" {
  description = "The project ID, available once every API in var.services is enabled (depend on it to order API use)."
  value       = var.project_id

  depends_on = [google_project_service.enabled]
}

output "project_number" {
  description = "The project number (Secret Manager and Storage Transfer resource names use it)."
  value       = local.number
}

output "services" {
  description = "The APIs this module enabled."
  value       = sort([for s in google_project_service.enabled : s.service])
}

output "service_agents" {
  description = "Service agent e-mails by short name: artifactregistry, bigquery, composer, compute, dataflow, gke, pubsub, secretmanager, storage, storagetransfer."
  value       = local.service_agents
}
