output "service_accounts" {
  description = "Service account e-mails by component."
  value       = module.platform.service_accounts
}

output "buckets" {
  description = "Bucket names by key."
  value       = module.platform.buckets
}

output "composer" {
  description = "The Composer environment's name, Airflow URL and DAG folder."
  value       = module.platform.composer
}

output "pipelines_image" {
  description = "The pipelines' image with the deployed tag."
  value       = module.platform.pipelines_image
}

output "template_paths" {
  description = "Flex template spec paths by pipeline."
  value       = module.platform.template_paths
}
