# One service account per component, no keys: workloads get credentials from the metadata
# server (Dataflow workers, Composer) or by impersonation. Project-level roles come in as data
# (var.accounts) so that the whole grant set can be reviewed and tested in one place.

locals {
  # Account IDs are 6-30 characters: "<prefix>-<component>" with "_" made "-".
  account_ids = {
    for name, _ in var.accounts : name => substr(replace("${var.prefix}-${name}", "_", "-"), 0, 30)
  }
  project_grants = merge([
    for name, account in var.accounts : {
      for role in account.project_roles : "${name}/${role}" => { account = name, role = role }
    }
  ]...)
}

resource "google_service_account" "accounts" {
  for_each = var.accounts

  project      = var.project_id
  account_id   = local.account_ids[each.key]
  display_name = each.value.display_name
  description  = "Minera data platform: ${each.key} component (managed by Terraform)."
}

resource "google_project_iam_member" "project_roles" {
  for_each = local.project_grants

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.accounts[each.value.account].email}"
}
