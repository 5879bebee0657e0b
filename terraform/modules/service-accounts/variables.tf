variable "project_id" {
  description = "ID of the project that owns the service accounts and receives their project-level roles."
  type        = string
}

variable "prefix" {
  description = "Start of every account ID (\"minera-dev\" gives minera-dev-batch); the whole ID must be 6 to 30 characters."
  type        = string
}

variable "accounts" {
  description = "One service account per platform component: component name => display name and the project-level roles it holds. Resource-level grants (bucket, dataset, topic, secret) are made next to those resources, not here."
  type = map(object({
    display_name  = string
    project_roles = list(string)
  }))

  validation {
    condition = alltrue(flatten([
      for account in values(var.accounts) : [
        for role in account.project_roles : !contains(["roles/owner", "roles/editor", "roles/viewer"], role)
      ]
    ]))
    error_message = "Basic roles (owner, editor, viewer) are never granted to a platform service account."
  }

  validation {
    condition     = alltrue([for name in keys(var.accounts) : can(regex("^[a-z][a-z0-9_]*$", name))])
    error_message = "Component names are lower-case letters, digits and underscores (an account id gets hyphens)."
  }
}
