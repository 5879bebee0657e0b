output "commands" {
  description = "Per launcher (each batch pipeline, and models), the container's command: python -m <module> followed by its default arguments."
  value       = local.commands
}
