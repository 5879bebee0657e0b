variable "project_id" {
  description = "Project that holds the topics and subscriptions."
  type        = string
}

variable "labels" {
  description = "Labels on every topic and subscription."
  type        = map(string)
  default     = {}
}

variable "kms_key_name" {
  description = "Cloud KMS key encrypting the messages (kms_keys.pubsub); null = Google-managed. The Pub/Sub service agent needs roles/cloudkms.cryptoKeyEncrypterDecrypter on it."
  type        = string
  default     = null
}

variable "message_storage_regions" {
  description = "Regions where Pub/Sub may persist messages (data residency); empty = Pub/Sub's default."
  type        = list(string)
  default     = []
}

variable "topic_retention" {
  description = "How long the source and alert topics keep messages, acknowledged or not, so a subscription can seek back (replay) after a bad deploy."
  type        = string
  default     = "604800s"
}

variable "subscription" {
  description = "Settings of the Dataflow subscriptions: ack deadline (Dataflow extends it while it works), how long unacknowledged messages stay, how many deliveries before a message is dead-lettered, and the redelivery backoff."
  type = object({
    ack_deadline_seconds       = optional(number, 60)
    message_retention_duration = optional(string, "604800s")
    max_delivery_attempts      = optional(number, 10)
    minimum_backoff            = optional(string, "10s")
    maximum_backoff            = optional(string, "600s")
  })
  default = {}
}

variable "dead_letter_retention" {
  description = "How long a dead-letter topic and the subscription that holds its letters keep them (31 days is Pub/Sub's maximum)."
  type        = string
  default     = "2678400s"
}

variable "publishers" {
  description = "Members allowed to publish, per source topic (keys sensor_readings, machine_issues), e.g. the sensor gateway's and the mobile app's service accounts."
  type        = map(list(string))
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.publishers) : contains(["sensor_readings", "machine_issues"], k)])
    error_message = "publishers takes the keys sensor_readings and machine_issues."
  }
}

variable "streaming_service_account" {
  description = "Email of the streaming pipelines' service account: subscriber (and viewer) of the Dataflow subscriptions, publisher of the alerts topic."
  type        = string
}

variable "alert_subscriptions" {
  description = "Pull subscriptions on the alerts topic, by name suffix (sensor-alerts-<key>): a Pub/Sub filter on the alert's attributes (rule, severity, sensor_id, zone, machine_id, alert_id; empty = every alert) and the members who consume it. `critical` is the one monitoring alerts on: its backlog is the alert."
  type = map(object({
    filter      = optional(string, "")
    subscribers = optional(list(string), [])
  }))
  default = {}
}

variable "dead_letter_readers" {
  description = "Members who may pull (inspect, and replay by republishing) the dead letters held on the dead-letter subscriptions."
  type        = list(string)
  default     = []
}

variable "service_agent" {
  description = "E-mail of the project's Pub/Sub service agent (project-services output service_agents.pubsub, created there up front): it forwards undeliverable messages to the dead-letter topics."
  type        = string
}
