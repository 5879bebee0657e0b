output "pubsub_topics" {
  description = "Topic ids by key: sensor_readings, machine_issues, alerts."
  value       = module.pubsub.topics
}

output "pubsub_dead_letter_topics" {
  description = "Dead-letter topic ids by source key."
  value       = module.pubsub.dead_letter_topics
}

output "pubsub_subscriptions" {
  description = "The streaming jobs' subscription ids by source key."
  value       = module.pubsub.subscriptions
}

output "bigquery_datasets" {
  description = "Dataset ids by name (docs/contracts.md#datasets)."
  value       = module.bigquery.datasets
}

output "streaming_jobs" {
  description = "Dataflow job ids of the streaming jobs: sensors, machine_issues."
  value       = module.dataflow_streaming.jobs
}
