output "names" {
  description = "Bucket names by key: landing, lake, staging, temp, templates, quarantine."
  value       = { for key, bucket in local.buckets : key => bucket.name }
}

output "urls" {
  description = "Bucket URLs (gs://name) by key."
  value       = { for key, bucket in local.buckets : key => bucket.url }
}

output "access_log_bucket" {
  description = "Name of the bucket that receives the platform buckets' usage logs."
  value       = google_storage_bucket.access_logs.name
}
