# A private Composer 3 environment: no public IPs (private environment, private builds only), its
# own service account, attached to the platform's VPC. Its environment variables are the one list
# the DAGs read (composer_dags/environment.json), checked here; the DAG files are uploaded to its
# bucket.

locals {
  missing_env = setsubtract(var.env_variable_names, keys(var.env_variables))
  extra_env   = setsubtract(keys(var.env_variables), var.env_variable_names)
  kms_agents  = var.kms_key_name == null ? {} : var.kms_service_agents
  dag_files   = fileset(var.dags_dir, "**/*.{py,json}")
}

# Composer's service agent must be able to act for the environment's user-managed account.
resource "google_project_iam_member" "composer_agent" {
  project = var.project_id
  role    = "roles/composer.ServiceAgentV2Ext"
  member  = "serviceAccount:${var.composer_agent}"
}

resource "google_kms_crypto_key_iam_member" "cmek" {
  for_each = local.kms_agents

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${each.value}"
}

resource "google_composer_environment" "env" {
  project = var.project_id
  region  = var.region
  name    = var.name
  labels  = var.labels

  config {
    environment_size           = var.environment_size
    resilience_mode            = var.resilience_mode
    enable_private_environment = true
    enable_private_builds_only = true

    node_config {
      network         = var.network
      subnetwork      = var.subnetwork
      service_account = var.service_account_email
    }

    software_config {
      image_version            = var.image_version
      env_variables            = var.env_variables
      airflow_config_overrides = var.airflow_config_overrides
      pypi_packages            = var.pypi_packages
    }

    workloads_config {
      scheduler {
        cpu        = var.workloads.scheduler.cpu
        memory_gb  = var.workloads.scheduler.memory_gb
        storage_gb = var.workloads.scheduler.storage_gb
        count      = var.workloads.scheduler.count
      }
      triggerer {
        cpu       = var.workloads.triggerer.cpu
        memory_gb = var.workloads.triggerer.memory_gb
        count     = var.workloads.triggerer.count
      }
      dag_processor {
        cpu        = var.workloads.dag_processor.cpu
        memory_gb  = var.workloads.dag_processor.memory_gb
        storage_gb = var.workloads.dag_processor.storage_gb
        count      = var.workloads.dag_processor.count
      }
      web_server {
        cpu        = var.workloads.web_server.cpu
        memory_gb  = var.workloads.web_server.memory_gb
        storage_gb = var.workloads.web_server.storage_gb
      }
      worker {
        cpu        = var.workloads.worker.cpu
        memory_gb  = var.workloads.worker.memory_gb
        storage_gb = var.workloads.worker.storage_gb
        min_count  = var.workloads.worker.min_count
        max_count  = var.workloads.worker.max_count
      }
    }

    dynamic "encryption_config" {
      for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
      content {
        kms_key_name = encryption_config.value
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.missing_env) == 0 && length(local.extra_env) == 0
      error_message = "Composer env_variables must be exactly the names in composer_dags/environment.json. Missing: ${jsonencode(sort(local.missing_env))}; not listed there: ${jsonencode(sort(local.extra_env))}."
    }
  }

  depends_on = [
    google_project_iam_member.composer_agent,
    google_kms_crypto_key_iam_member.cmek,
  ]
}

locals {
  # gs://<bucket>/dags
  dag_prefix = google_composer_environment.env.config[0].dag_gcs_prefix
  dag_bucket = regex("^gs://([^/]+)/", "${local.dag_prefix}/")[0]
  dag_path   = trimprefix(trimprefix(local.dag_prefix, "gs://${local.dag_bucket}"), "/")
}

resource "google_storage_bucket_object" "dags" {
  for_each = local.dag_files

  bucket         = local.dag_bucket
  name           = "${local.dag_path}/${each.value}"
  source         = "${var.dags_dir}/${each.value}"
  detect_md5hash = filemd5("${var.dags_dir}/${each.value}")
  content_type   = endswith(each.value, ".json") ? "application/json" : "text/x-python"
}
