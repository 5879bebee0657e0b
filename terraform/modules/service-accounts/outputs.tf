# E-mails are built from the account IDs rather than read from the resources, so that they are
# known at plan time (other modules key IAM grants on them); depends_on still orders every
# consumer after the accounts exist.

locals {
  emails = { for name, id in local.account_ids : name => "${id}@${var.project_id}.iam.gserviceaccount.com" }
}

output "emails" {
  description = "Service account e-mails by component (batch, models, streaming, composer, bi_reader, transfer)."
  value       = local.emails

  depends_on = [google_service_account.accounts]
}

output "iam_emails" {
  description = "IAM members by component, \"serviceAccount:<email>\"."
  value       = { for name, email in local.emails : name => "serviceAccount:${email}" }

  depends_on = [google_service_account.accounts]
}

output "ids" {
  description = "Fully qualified service account IDs by component (projects/P/serviceAccounts/E), for service-account-level IAM."
  value       = { for name, email in local.emails : name => "projects/${var.project_id}/serviceAccounts/${email}" }

  depends_on = [google_service_account.accounts]
}

output "project_roles" {
  description = "Project-level roles granted, by component (what var.accounts asked for)."
  value       = { for name, account in var.accounts : name => sort(account.project_roles) }

  depends_on = [google_project_iam_member.project_roles]
}
