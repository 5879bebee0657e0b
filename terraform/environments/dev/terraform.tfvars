# dev: small Composer, Google-managed encryption, buckets may be destroyed with their data.
# No secret belongs here: passwords and the AWS key are secret versions added with gcloud.
project_id        = "minera-data-dev"
region            = "southamerica-west1"
bigquery_location = "southamerica-west1"
prefix            = "minera-dev"
labels = {
  environment = "dev"
  platform    = "minera-data"
  managed-by  = "terraform"
}
kms_keys              = {}
notification_channels = []
pii_readers           = ["group:data-engineers-dev@minera.example"]
bi_readers            = ["group:analysts-dev@minera.example"]

composer_image_version    = "composer-3-airflow-2.10.5"
composer_environment_size = "ENVIRONMENT_SIZE_SMALL"

# go-live: the DAGs' first interval; catch-up starts here, no backfill before it (DAGS_START_DATE)
dags_start_date = "2026-12-01"

pipelines_image_tag   = "dev"
lab_s3_bucket         = "lab-rock-quality-minera-dev"
lab_s3_prefix         = "exports/"
erp_source_url        = "oracle://LOADER@sap-qas.minera.internal:1521/QAS"
production_source_url = "postgresql://loader@10.20.0.5:5432/production"

scratch_retention_days = 3
force_destroy          = true
deletion_protection    = false
streaming_max_workers  = 2
