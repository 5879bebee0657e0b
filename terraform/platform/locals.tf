locals {
  # Every API the platform uses.
  services = [
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "composer.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "storagetransfer.googleapis.com",
  ]

  # Project-level roles of each component's service account: the whole list, in one place.
  # Everything narrower (a bucket, a dataset, a topic, a secret, a repository, another service
  # account) is granted on that resource, next to it.
  service_account_project_roles = {
    # Batch launchers (Cloud Run jobs) and their Dataflow workers: submit and watch the job,
    # run as a worker, run BigQuery load and query jobs. The launcher submits workers that run
    # as this same account (serviceAccountUser on itself, platform/main.tf).
    batch = [
      "roles/bigquery.jobUser",
      "roles/dataflow.developer",
      "roles/dataflow.worker",
    ]
    # The models' launcher (Cloud Run job, python -m pipelines.models): SQLMesh's query jobs. What
    # it reads and writes is granted per dataset (platform/data.tf); no Dataflow, no bucket, no secret.
    models = [
      "roles/bigquery.jobUser",
    ]
    # Streaming Dataflow workers: streaming inserts need dataset-level rights only.
    streaming = [
      "roles/dataflow.worker",
    ]
    # Composer: run the environment and the quality-gate queries. Batch runs are executions of
    # the launcher jobs, granted on those jobs only (modules/batch-launchers).
    composer = [
      "roles/bigquery.jobUser",
      "roles/composer.worker",
    ]
    # Looker and other BI tools: run queries; what they read is granted per dataset.
    bi_reader = [
      "roles/bigquery.jobUser",
    ]
    # Storage Transfer job: needs nothing project-wide (landing bucket and secret only).
    transfer = []
  }

  service_account_display_names = {
    batch     = "Minera batch Dataflow workers"
    models    = "Minera SQL models (SQLMesh build)"
    streaming = "Minera streaming Dataflow workers"
    composer  = "Minera Cloud Composer environment"
    bi_reader = "Minera BI reader (Looker)"
    transfer  = "Minera Storage Transfer (lab S3 to landing)"
  }

  # what the pipelines take as --lake_location and --warehouse on Google Cloud
  lake_location    = "gs://${module.buckets.names["lake"]}/lake"
  warehouse_url    = "bigquery://${var.project_id}?location=${var.bigquery_location}"
  pipelines_image  = "${module.artifact_registry.image}:${var.pipelines_image_tag}"
  rock_quality_dir = "rock_quality/"

  # What the data helper's modules provide to the DAGs (platform/data.tf).
  topic_ids = {
    sensor_readings = module.pubsub.topics["sensor_readings"]
    machine_issues  = module.pubsub.topics["machine_issues"]
  }

  # The environment variables the DAGs read. The names are the repository's one list,
  # composer_dags/environment.json; the composer module refuses any difference.
  composer_dags_dir     = "${path.module}/../../composer_dags"
  composer_env_contract = jsondecode(file("${local.composer_dags_dir}/environment.json"))
  composer_env_values = {
    PROJECT_ID                 = var.project_id
    REGION                     = var.region
    BIGQUERY_LOCATION          = var.bigquery_location
    WAREHOUSE_URL              = local.warehouse_url
    LAKE_LOCATION              = local.lake_location
    LANDING_BUCKET             = module.buckets.names["landing"]
    LAKE_BUCKET                = module.buckets.names["lake"]
    STAGING_BUCKET             = module.buckets.names["staging"]
    TEMP_BUCKET                = module.buckets.names["temp"]
    TEMPLATES_BUCKET           = module.buckets.names["templates"]
    QUARANTINE_BUCKET          = module.buckets.names["quarantine"]
    STAGING_LOCATION           = local.batch_staging_location
    TEMP_LOCATION              = local.batch_temp_location
    QUARANTINE_LOCATION        = local.batch_quarantine_location
    ROCK_QUALITY_LANDING       = "gs://${module.buckets.names["landing"]}/${local.rock_quality_dir}"
    BATCH_JOB_ERP              = module.batch_launchers.jobs["erp"]
    BATCH_JOB_PRODUCTION       = module.batch_launchers.jobs["production"]
    BATCH_JOB_ROCK_QUALITY     = module.batch_launchers.jobs["rock_quality"]
    BATCH_JOB_SENSOR_RECOMPUTE = module.batch_launchers.jobs["sensor_recompute"]
    BATCH_JOB_MODELS           = module.batch_launchers.jobs["models"]
    BATCH_JOB_CONTAINER        = module.batch_launchers.container_name
    PIPELINES_IMAGE            = local.pipelines_image
    DATAFLOW_SERVICE_ACCOUNT   = module.service_accounts.emails["batch"]
    DATAFLOW_SUBNETWORK        = module.network.dataflow_subnetwork
    DATAFLOW_KMS_KEY           = var.kms_keys.dataflow == null ? "" : var.kms_keys.dataflow
    ERP_SOURCE_URL             = var.erp_source_url
    ERP_PASSWORD_SECRET        = module.secrets.ids["erp_db_password"]
    PRODUCTION_SOURCE_URL      = var.production_source_url
    PRODUCTION_PASSWORD_SECRET = module.secrets.ids["production_db_password"]
    SENSOR_READINGS_TOPIC      = local.topic_ids["sensor_readings"]
    MACHINE_ISSUES_TOPIC       = local.topic_ids["machine_issues"]
    PIPELINES_LAUNCH           = "cloud_run"
    DAGS_START_DATE            = var.dags_start_date
  }
}
