# Cloud Composer: the private Airflow environment that schedules the batch pipelines.

module "composer" {
  source                = "../modules/composer"
  project_id            = module.project_services.project_id
  region                = var.region
  name                  = "${var.prefix}-composer"
  image_version         = var.composer_image_version
  environment_size      = var.composer_environment_size
  resilience_mode       = var.composer_resilience_mode
  workloads             = var.composer_workloads
  network               = module.network.network
  subnetwork            = module.network.composer_subnetwork
  service_account_email = module.service_accounts.emails["composer"]
  composer_agent        = module.project_services.service_agents["composer"]
  kms_key_name          = var.kms_keys.composer
  kms_service_agents = {
    for agent in ["composer", "artifactregistry", "gke", "pubsub", "compute", "storage"] :
    agent => module.project_services.service_agents[agent]
  }
  env_variables      = local.composer_env_values
  env_variable_names = keys(local.composer_env_contract)
  dags_dir           = local.composer_dags_dir
  labels             = var.labels
}

# Composer starts batch runs as executions of the launcher jobs (granted on those jobs in
# modules/batch-launchers); it launches no Dataflow job itself and acts as no other account.
