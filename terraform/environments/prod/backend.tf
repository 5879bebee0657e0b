# State in a GCS bucket; which bucket and prefix is per environment: backend.hcl
# (terraform init -backend-config=backend.hcl).
terraform {
  backend "gcs" {}
}
