output "commands" {
  description = "Per batch pipeline, the launcher container's command: python -m pipelines.batch.<name> followed by its default arguments."
  value       = local.commands
}
