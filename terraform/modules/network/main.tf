# A custom-mode VPC for the platform: Dataflow workers and Composer have private IPs only, reach
# Google APIs through Private Google Access and the internet (source databases, PyPI for Composer
# builds are off) through Cloud NAT.

resource "google_compute_network" "vpc" {
  project                 = var.project_id
  name                    = var.name
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

resource "google_compute_subnetwork" "subnets" {
  for_each = {
    dataflow = var.dataflow_cidr
    composer = var.composer_cidr
  }

  project                  = var.project_id
  region                   = var.region
  network                  = google_compute_network.vpc.id
  name                     = "${var.name}-${each.key}"
  ip_cidr_range            = each.value
  private_ip_google_access = true

  log_config {
    aggregation_interval = "INTERVAL_10_MIN"
    flow_sampling        = var.flow_log_sampling
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_router" "router" {
  project = var.project_id
  region  = var.region
  name    = "${var.name}-router"
  network = google_compute_network.vpc.id
}

resource "google_compute_router_nat" "nat" {
  project                            = var.project_id
  region                             = var.region
  name                               = "${var.name}-nat"
  router                             = google_compute_router.router.name
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS"

  dynamic "subnetwork" {
    for_each = google_compute_subnetwork.subnets
    content {
      name                    = subnetwork.value.self_link
      source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
    }
  }

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

# Dataflow workers exchange shuffle and streaming data on TCP 12345 (batch) and 12346
# (streaming); nothing else may reach them.
resource "google_compute_firewall" "dataflow_workers" {
  project     = var.project_id
  name        = "${var.name}-dataflow-workers"
  network     = google_compute_network.vpc.id
  description = "Dataflow worker VMs talk to each other (shuffle, streaming) on TCP 12345-12346."
  direction   = "INGRESS"
  priority    = 1000
  source_tags = [var.dataflow_network_tag]
  target_tags = [var.dataflow_network_tag]

  allow {
    protocol = "tcp"
    ports    = ["12345-12346"]
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}
