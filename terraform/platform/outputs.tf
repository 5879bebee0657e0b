output "service_accounts" {
  description = "Service account e-mails by component: batch, models, streaming, composer, bi_reader, transfer."
  value       = module.service_accounts.emails
}

output "service_account_project_roles" {
  description = "Project-level roles of each component's service account."
  value       = module.service_accounts.project_roles
}

output "buckets" {
  description = "Bucket names by key: landing, lake, staging, temp, templates, quarantine."
  value       = module.buckets.names
}

output "network" {
  description = "Self links of the VPC network and of the Dataflow and Composer subnets."
  value = {
    network             = module.network.network
    dataflow_subnetwork = module.network.dataflow_subnetwork
    composer_subnetwork = module.network.composer_subnetwork
  }
}

output "secrets" {
  description = "Secret IDs by name (versions are added by hand, see modules/secrets/README.md)."
  value       = module.secrets.ids
}

output "pipelines_image" {
  description = "The pipelines' image with the deployed tag."
  value       = local.pipelines_image
}

output "template_paths" {
  description = "Where each streaming pipeline's flex-template spec is expected for the deployed tag, pipeline => gs:// path."
  value       = { for pipeline in ["sensors", "machine_issues"] : pipeline => "gs://${module.buckets.names["templates"]}/templates/${var.pipelines_image_tag}/${pipeline}.json" }
}

output "warehouse_url" {
  description = "The pipelines' --warehouse on Google Cloud."
  value       = local.warehouse_url
}

output "lake_location" {
  description = "The pipelines' --lake_location on Google Cloud."
  value       = local.lake_location
}

output "composer" {
  description = "The Composer environment's name, Airflow URL and DAG folder."
  value = {
    name           = module.composer.name
    airflow_uri    = module.composer.airflow_uri
    dag_gcs_prefix = module.composer.dag_gcs_prefix
  }
}

output "composer_env_variables" {
  description = "The environment variables set on Composer (names from composer_dags/environment.json)."
  value       = local.composer_env_values
}

output "transfer_job" {
  description = "The Storage Transfer job copying the lab's S3 files to landing."
  value       = module.storage_transfer.job_name
}
