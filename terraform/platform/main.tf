# The platform's foundation: APIs, network, service accounts, buckets, secrets, the S3 copy and
# the image repository. Data (Pub/Sub, BigQuery, streaming jobs) is in data.tf, Composer in
# composer.tf, monitoring in monitoring.tf.

module "project_services" {
  source     = "../modules/project-services"
  project_id = var.project_id
  services   = local.services
}

module "network" {
  source            = "../modules/network"
  project_id        = module.project_services.project_id
  region            = var.region
  name              = "${var.prefix}-vpc"
  dataflow_cidr     = var.network.dataflow_cidr
  composer_cidr     = var.network.composer_cidr
  flow_log_sampling = var.network.flow_log_sampling
}

module "service_accounts" {
  source     = "../modules/service-accounts"
  project_id = module.project_services.project_id
  prefix     = var.prefix
  accounts = {
    for name, roles in local.service_account_project_roles : name => {
      display_name  = local.service_account_display_names[name]
      project_roles = roles
    }
  }
}

module "buckets" {
  source                            = "../modules/buckets"
  project_id                        = module.project_services.project_id
  prefix                            = var.prefix
  location                          = var.region
  labels                            = var.labels
  kms_key_name                      = var.kms_keys.storage
  scratch_retention_days            = var.scratch_retention_days
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  force_destroy                     = var.force_destroy

  # Bucket-level grants. The transfer account's write access to landing is made by the
  # storage-transfer module, next to the job.
  iam = {
    landing = {
      "roles/storage.objectViewer" = [
        module.service_accounts.iam_emails["batch"],    # rock-quality loads read the lab's files
        module.service_accounts.iam_emails["composer"], # DAGs look for new files
      ]
    }
    lake = {
      "roles/storage.objectUser"   = [module.service_accounts.iam_emails["streaming"]] # hourly Parquet
      "roles/storage.objectViewer" = [module.service_accounts.iam_emails["batch"]]     # recomputation
    }
    staging = {
      "roles/storage.objectUser" = [
        module.service_accounts.iam_emails["batch"], # staged Parquet, Dataflow staging files
        module.service_accounts.iam_emails["streaming"],
      ]
    }
    temp = {
      "roles/storage.objectUser" = [
        module.service_accounts.iam_emails["batch"],
        module.service_accounts.iam_emails["streaming"],
      ]
    }
    templates = {
      # Streaming flex-template specs: the launcher VM runs as the job's account.
      "roles/storage.objectViewer" = [module.service_accounts.iam_emails["streaming"]]
    }
    quarantine = {
      "roles/storage.objectUser" = [module.service_accounts.iam_emails["batch"]] # rejected files
    }
  }
}

module "secrets" {
  source              = "../modules/secrets"
  project_id          = module.project_services.project_id
  region              = var.region
  labels              = var.labels
  kms_key_name        = var.kms_keys.secretmanager
  secretmanager_agent = module.project_services.service_agents["secretmanager"]

  # The batch loaders read the database passwords. The AWS key's readers (Storage Transfer) are
  # granted by the storage-transfer module.
  accessors = {
    erp_db_password        = [module.service_accounts.iam_emails["batch"]]
    production_db_password = [module.service_accounts.iam_emails["batch"]]
  }
}

module "storage_transfer" {
  source                = "../modules/storage-transfer"
  project_id            = module.project_services.project_id
  name                  = "${replace(var.prefix, "-", "_")}_lab_s3_to_landing"
  source_bucket         = var.lab_s3_bucket
  source_prefix         = var.lab_s3_prefix
  sink_bucket           = module.buckets.names["landing"]
  sink_path             = local.rock_quality_dir
  credentials_secret    = module.secrets.names["lab_aws_credentials"]
  credentials_secret_id = module.secrets.ids["lab_aws_credentials"]
  service_account_email = module.service_accounts.emails["transfer"]
  start_hour_utc        = var.transfer_start_hour_utc
}

module "artifact_registry" {
  source                 = "../modules/artifact-registry"
  project_id             = module.project_services.project_id
  location               = var.region
  repository_id          = "${var.prefix}-pipelines"
  labels                 = var.labels
  kms_key_name           = var.kms_keys.artifactregistry
  artifactregistry_agent = module.project_services.service_agents["artifactregistry"]
  readers = [
    module.service_accounts.iam_emails["batch"],
    module.service_accounts.iam_emails["streaming"],
  ]
}

# The batch launcher submits Dataflow jobs whose workers run as the batch account itself: it may
# act as that account, and no other.
resource "google_service_account_iam_member" "batch_launches_as_itself" {
  service_account_id = module.service_accounts.ids["batch"]
  role               = "roles/iam.serviceAccountUser"
  member             = module.service_accounts.iam_emails["batch"]
}

# The service agents that encrypt with the platform's keys and are not granted inside a module:
# Dataflow jobs and the batch launchers' Cloud Run jobs (kms_keys.dataflow: the Dataflow, Compute
# Engine and Cloud Run agents), Pub/Sub topics (kms_keys.pubsub) and BigQuery datasets
# (kms_keys.bigquery). A key left null is Google-managed: no grant.
locals {
  cmek_agents = {
    dataflow = ["dataflow", "compute", "run"]
    pubsub   = ["pubsub"]
    bigquery = ["bigquery"]
  }
  cmek_grants = merge([
    for key, agents in local.cmek_agents : {
      for agent in agents : "${key}/${agent}" => { key = var.kms_keys[key], agent = agent }
    } if var.kms_keys[key] != null
  ]...)
}

resource "google_kms_crypto_key_iam_member" "service_agents" {
  for_each = local.cmek_grants

  crypto_key_id = each.value.key
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${module.project_services.service_agents[each.value.agent]}"
}
