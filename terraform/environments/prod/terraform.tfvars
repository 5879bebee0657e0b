# prod: CMEK on every service (keys in the platform's region, managed in the security project),
# a medium, highly available Composer. No secret belongs here: passwords and the AWS key are
# secret versions added with gcloud.
project_id        = "minera-data-prod"
region            = "southamerica-west1"
bigquery_location = "southamerica-west1"
prefix            = "minera-prod"
labels = {
  environment = "prod"
  platform    = "minera-data"
  managed-by  = "terraform"
}
kms_keys = {
  storage          = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/storage"
  bigquery         = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/bigquery"
  pubsub           = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/pubsub"
  composer         = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/composer"
  dataflow         = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/dataflow"
  secretmanager    = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/secretmanager"
  artifactregistry = "projects/minera-security/locations/southamerica-west1/keyRings/data-platform/cryptoKeys/artifactregistry"
}
notification_channels = ["projects/minera-data-prod/notificationChannels/1234567890123456789"]
pii_readers           = ["group:data-protection@minera.example"]
bi_readers            = ["group:analysts@minera.example"]

composer_image_version    = "composer-3-airflow-2.10.5"
composer_environment_size = "ENVIRONMENT_SIZE_MEDIUM"
composer_resilience_mode  = "HIGH_RESILIENCE"
composer_workloads = {
  scheduler = { cpu = 1, memory_gb = 4, storage_gb = 1, count = 2 }
  worker    = { cpu = 2, memory_gb = 8, storage_gb = 10, min_count = 2, max_count = 6 }
}

# go-live: the DAGs' first interval; catch-up starts here, no backfill before it (DAGS_START_DATE)
dags_start_date = "2026-12-01"

pipelines_image_tag   = "1.0.0"
lab_s3_bucket         = "lab-rock-quality-minera"
lab_s3_prefix         = "exports/"
erp_source_url        = "oracle://LOADER@sap-prd.minera.internal:1521/PRD"
production_source_url = "postgresql://loader@10.20.0.10:5432/production"

scratch_retention_days            = 7
noncurrent_version_retention_days = 90
force_destroy                     = false
