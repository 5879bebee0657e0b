output "repository" {
  description = "Repository ID, projects/<project>/locations/<location>/repositories/<repository>."
  value       = google_artifact_registry_repository.docker.id
}

output "registry_url" {
  description = "Docker registry path of the repository, <location>-docker.pkg.dev/<project>/<repository>."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${var.repository_id}"
}

output "image" {
  description = "The pipelines' image without tag, <location>-docker.pkg.dev/<project>/<repository>/<image_name>."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${var.repository_id}/${var.image_name}"

  depends_on = [google_artifact_registry_repository.docker]
}
