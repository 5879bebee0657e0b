output "ids" {
  description = "Secret IDs by name, projects/<project id>/secrets/<name> (what the pipelines' --source_password_secret takes)."
  value       = { for name, secret in google_secret_manager_secret.secrets : name => secret.id }
}

output "names" {
  description = "Secret resource names by name as the API returns them, projects/<project number>/secrets/<name> (what Storage Transfer's credentials_secret takes)."
  value       = { for name, secret in google_secret_manager_secret.secrets : name => secret.name }
}
