output "topics" {
  description = "Topic ids (projects/P/topics/T) by key: sensor_readings, machine_issues, alerts."
  value       = { for k, t in google_pubsub_topic.this : k => t.id }
}

output "topic_names" {
  description = "Topic names by key (sensor-readings, machine-issues, sensor-alerts), for metric filters."
  value       = { for k, t in google_pubsub_topic.this : k => t.name }
}

output "dead_letter_topics" {
  description = "Dead-letter topic ids by source key: sensor_readings, machine_issues."
  value       = { for k, t in google_pubsub_topic.dead_letter : k => t.id }
}

output "subscriptions" {
  description = "The Dataflow subscriptions' ids (projects/P/subscriptions/S) by source key: the streaming jobs' --input_subscription."
  value       = { for k, s in google_pubsub_subscription.dataflow : k => s.id }
}

output "subscription_names" {
  description = "The Dataflow subscriptions' names by source key, for backlog and oldest-unacked-age alerts."
  value       = { for k, s in google_pubsub_subscription.dataflow : k => s.name }
}

output "dead_letter_subscriptions" {
  description = "Names of the subscriptions holding the dead letters, by source key: a message count above zero means letters to look at."
  value       = { for k, s in google_pubsub_subscription.dead_letter : k => s.name }
}

output "alert_subscriptions" {
  description = "Alert subscription ids by key (e.g. critical)."
  value       = { for k, s in google_pubsub_subscription.alerts : k => s.id }
}

output "alert_subscription_names" {
  description = "Alert subscription names by key (monitoring's subscription_id label)."
  value       = { for k, s in google_pubsub_subscription.alerts : k => s.name }
}
