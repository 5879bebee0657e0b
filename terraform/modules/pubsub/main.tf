# Topics the speed layer reads and writes, the Dataflow subscriptions with a dead-letter topic each,
# the subscriptions that hold dead letters, the alert subscriptions, and who may publish or pull.

locals {
  # key (the name the other modules use) -> topic name (docs/contracts.md#pubsub-messages; the streaming pipelines'
  # --input_subscription reads the first two, --alerts_topic publishes to the third)
  source_topics = {
    sensor_readings = "sensor-readings"
    machine_issues  = "machine-issues"
  }
  topics = merge(local.source_topics, { alerts = "sensor-alerts" })

  # the Pub/Sub service agent forwards undeliverable messages to the dead-letter topics
  pubsub_agent = "serviceAccount:${var.service_agent}"

  publisher_grants = merge([
    for key, members in var.publishers : { for m in members : "${key}|${m}" => { topic = key, member = m } }
  ]...)
  alert_subscriber_grants = merge([
    for key, sub in var.alert_subscriptions : { for m in sub.subscribers : "${key}|${m}" => { subscription = key, member = m } }
  ]...)
  dead_letter_reader_grants = merge([
    for key in keys(local.source_topics) : { for m in var.dead_letter_readers : "${key}|${m}" => { subscription = key, member = m } }
  ]...)
}

resource "google_pubsub_topic" "this" {
  for_each = local.topics

  project                    = var.project_id
  name                       = each.value
  labels                     = var.labels
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.topic_retention

  dynamic "message_storage_policy" {
    for_each = length(var.message_storage_regions) > 0 ? [1] : []
    content {
      allowed_persistence_regions = var.message_storage_regions
    }
  }
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.source_topics

  project                    = var.project_id
  name                       = "${each.value}-dead-letter"
  labels                     = var.labels
  kms_key_name               = var.kms_key_name
  message_retention_duration = var.dead_letter_retention

  dynamic "message_storage_policy" {
    for_each = length(var.message_storage_regions) > 0 ? [1] : []
    content {
      allowed_persistence_regions = var.message_storage_regions
    }
  }
}

# What the streaming jobs read (--input_subscription).
resource "google_pubsub_subscription" "dataflow" {
  for_each = local.source_topics

  project                    = var.project_id
  name                       = "${each.value}-dataflow"
  topic                      = google_pubsub_topic.this[each.key].id
  labels                     = var.labels
  ack_deadline_seconds       = var.subscription.ack_deadline_seconds
  message_retention_duration = var.subscription.message_retention_duration

  expiration_policy {
    ttl = "" # never expires, even while the job is stopped
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.subscription.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = var.subscription.minimum_backoff
    maximum_backoff = var.subscription.maximum_backoff
  }
}

# Without a subscription a topic drops what is published to it: this one keeps the dead letters.
resource "google_pubsub_subscription" "dead_letter" {
  # checkov:skip=CKV2_MINERA_1:it holds the dead letters themselves; there is nowhere further to send them
  for_each = local.source_topics

  project                    = var.project_id
  name                       = "${each.value}-dead-letter-hold"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  labels                     = var.labels
  ack_deadline_seconds       = 600
  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = true # a letter pulled by mistake can still be sought back

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "alerts" {
  # checkov:skip=CKV2_MINERA_1:alerts wait here for a person (the critical backlog is the monitoring signal); nothing negatively acknowledges them, so nothing could be dead-lettered
  for_each = var.alert_subscriptions

  project                    = var.project_id
  name                       = "${local.topics.alerts}-${replace(each.key, "_", "-")}"
  topic                      = google_pubsub_topic.this["alerts"].id
  labels                     = var.labels
  filter                     = each.value.filter
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

# -- who publishes -----------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = local.publisher_grants

  project = var.project_id
  topic   = google_pubsub_topic.this[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

resource "google_pubsub_topic_iam_member" "streaming_publishes_alerts" {
  project = var.project_id
  topic   = google_pubsub_topic.this["alerts"].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${var.streaming_service_account}"
}

# Dead-lettering needs the service agent to publish to the dead-letter topic and to subscribe
# (acknowledge the forwarded message) on the source subscription.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  for_each = local.source_topics

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

# -- who pulls ---------------------------------------------------------------------------------

resource "google_pubsub_subscription_iam_member" "agent_forwards_dead_letters" {
  for_each = local.source_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.dataflow[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "streaming_subscriber" {
  for_each = local.source_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.dataflow[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.streaming_service_account}"
}

# Dataflow reads the subscription's settings (pubsub.subscriptions.get) before it pulls.
resource "google_pubsub_subscription_iam_member" "streaming_viewer" {
  for_each = local.source_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.dataflow[each.key].name
  role         = "roles/pubsub.viewer"
  member       = "serviceAccount:${var.streaming_service_account}"
}

resource "google_pubsub_subscription_iam_member" "alert_subscribers" {
  for_each = local.alert_subscriber_grants

  project      = var.project_id
  subscription = google_pubsub_subscription.alerts[each.value.subscription].name
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}

resource "google_pubsub_subscription_iam_member" "dead_letter_readers" {
  for_each = local.dead_letter_reader_grants

  project      = var.project_id
  subscription = google_pubsub_subscription.dead_letter[each.value.subscription].name
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}
