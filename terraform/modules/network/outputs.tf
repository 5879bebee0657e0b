output "network" {
  description = "Self link of the VPC network."
  value       = google_compute_network.vpc.self_link
}

output "network_name" {
  description = "Name of the VPC network."
  value       = google_compute_network.vpc.name
}

output "dataflow_subnetwork" {
  description = "Self link of the Dataflow workers' subnet (Dataflow's subnetwork option)."
  value       = google_compute_subnetwork.subnets["dataflow"].self_link
}

output "composer_subnetwork" {
  description = "Self link of the Composer subnet."
  value       = google_compute_subnetwork.subnets["composer"].self_link
}

output "dataflow_network_tag" {
  description = "Network tag on Dataflow worker VMs that the worker-to-worker firewall rule targets."
  value       = var.dataflow_network_tag
}
