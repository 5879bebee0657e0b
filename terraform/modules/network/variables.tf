variable "project_id" {
  description = "ID of the project that owns the network."
  type        = string
}

variable "region" {
  description = "Region of the subnets, the Cloud Router and Cloud NAT (the region Dataflow and Composer run in)."
  type        = string
}

variable "name" {
  description = "Name of the VPC network; subnets, router, NAT and firewall rules are named after it."
  type        = string
}

variable "dataflow_cidr" {
  description = "Primary IPv4 range of the Dataflow workers' subnet (one address per worker VM)."
  type        = string
  default     = "10.10.0.0/20"

  validation {
    condition     = can(cidrhost(var.dataflow_cidr, 0))
    error_message = "dataflow_cidr must be an IPv4 CIDR block."
  }
}

variable "composer_cidr" {
  description = "Primary IPv4 range of the Composer subnet (Composer 3 attaches its environment to it through a network attachment)."
  type        = string
  default     = "10.10.16.0/24"

  validation {
    condition     = can(cidrhost(var.composer_cidr, 0))
    error_message = "composer_cidr must be an IPv4 CIDR block."
  }
}

variable "flow_log_sampling" {
  description = "Fraction of VPC flow-log records kept on both subnets (0 to 1)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.flow_log_sampling >= 0 && var.flow_log_sampling <= 1
    error_message = "flow_log_sampling is a fraction between 0 and 1."
  }
}

variable "dataflow_network_tag" {
  description = "Network tag Dataflow puts on its worker VMs; the worker-to-worker firewall rule targets it."
  type        = string
  default     = "dataflow"
}
