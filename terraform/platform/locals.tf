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
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "storagetransfer.googleapis.com",
  ]

  # Project-level roles of each component's service account: the whole list, in one place.
  # Everything narrower (a bucket, a dataset, a topic, a secret, a repository, another service
  # account) is granted on that resource, next to it.
  service_account_project_roles = {
    # Batch Dataflow workers (and the flex template launcher): run as a worker, run BigQuery
    # load and query jobs.
    batch = [
      "roles/bigquery.jobUser",
      "roles/dataflow.worker",
    ]
    # Streaming Dataflow workers: streaming inserts need dataset-level rights only.
    streaming = [
      "roles/dataflow.worker",
    ]
    # Composer: run the environment, launch Dataflow flex template jobs (as the batch account,
    # granted on that account only), run the quality-gate queries.
    composer = [
      "roles/bigquery.jobUser",
      "roles/composer.worker",
      "roles/dataflow.developer",
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
    streaming = "Minera streaming Dataflow workers"
    composer  = "Minera Cloud Composer environment"
    bi_reader = "Minera BI reader (Looker)"
    transfer  = "Minera Storage Transfer (lab S3 to landing)"
  }

  # Template specs: gs://<templates bucket>/templates/<pipeline>.json
  pipelines = {
    erp              = "batch"
    production       = "batch"
    rock_quality     = "batch"
    sensor_recompute = "batch"
    sensors          = "streaming"
    machine_issues   = "streaming"
  }
  template_paths = {
    for pipeline, _ in local.pipelines : pipeline => "gs://${module.buckets.names["templates"]}/templates/${pipeline}.json"
  }

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
    STAGING_LOCATION           = "gs://${module.buckets.names["staging"]}/staging"
    TEMP_LOCATION              = "gs://${module.buckets.names["temp"]}/tmp"
    QUARANTINE_LOCATION        = "gs://${module.buckets.names["quarantine"]}/files"
    ROCK_QUALITY_LANDING       = "gs://${module.buckets.names["landing"]}/${local.rock_quality_dir}"
    TEMPLATE_ERP               = local.template_paths["erp"]
    TEMPLATE_PRODUCTION        = local.template_paths["production"]
    TEMPLATE_ROCK_QUALITY      = local.template_paths["rock_quality"]
    TEMPLATE_SENSOR_RECOMPUTE  = local.template_paths["sensor_recompute"]
    TEMPLATE_SENSORS           = local.template_paths["sensors"]
    TEMPLATE_MACHINE_ISSUES    = local.template_paths["machine_issues"]
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
  }
}
