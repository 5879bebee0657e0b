# One Cloud Run job per batch pipeline: the pipeline's launcher, which opens the source snapshot,
# starts the Dataflow job, waits for it and commits (load jobs, ops rows, watermark). A Dataflow
# flex-template launcher cannot: it exits before its job starts (docs/decisions/0002). One more
# job of the same image builds the SQL models (python -m pipelines.models: SQLMesh's BigQuery
# query jobs, no Dataflow job), as its own service account.

module "command" {
  source = "./command"

  sources               = var.sources
  rock_quality_input    = var.rock_quality_input
  quarantine_location   = var.quarantine_location
  lake_location         = var.lake_location
  project_id            = var.project_id
  region                = var.region
  warehouse_url         = var.warehouse_url
  staging_location      = var.staging_location
  temp_location         = var.temp_location
  service_account_email = var.service_account_email
  subnetwork            = var.subnetwork
  dataflow_kms_key      = var.dataflow_kms_key
  image                 = var.image
  labels                = var.labels
}

locals {
  # Composer's container override names it (one container per job).
  container_name = "launcher"

  # Each launcher's size, task timeout and retries. The launcher itself is light (plans the window,
  # holds the source snapshot, waits, runs the load jobs); the task timeout covers the whole
  # Dataflow job, and a full ERP reload runs for hours. No retry: a run is idempotent per window,
  # but the DAG decides whether to run it again.
  # The models' build gets the DAG task's timeout (1 h): the execution ends when the task gives up.
  defaults = { cpu = "1", memory = "2Gi", timeout = "21600s", max_retries = 0 }
  timeouts = { erp = "43200s", production = "21600s", rock_quality = "7200s", sensor_recompute = "10800s", models = "3600s" }

  # Who each job runs as: the batch account launches Dataflow jobs whose workers run as it too; the
  # models' account runs query jobs and writes the model datasets, and launches nothing.
  service_accounts = { models = var.models_service_account_email }

  job_names = { for name in keys(module.command.commands) : name => "${var.name_prefix}-${replace(name, "_", "-")}" }

  # The launchers are the command module's (one catalogue).
  launchers = {
    for name in keys(module.command.commands) : name => merge(
      local.defaults,
      { timeout = lookup(local.timeouts, name, local.defaults.timeout) },
      { for key, value in try(var.resources[name], {}) : key => value if value != null },
      { service_account = lookup(local.service_accounts, name, var.service_account_email) },
    )
  }
}

resource "google_cloud_run_v2_job" "launchers" {
  # off for a project's first apply: Cloud Run refuses a job whose image does not exist yet
  for_each = var.enabled ? local.launchers : {}

  project             = var.project_id
  location            = var.region
  name                = local.job_names[each.key]
  labels              = merge(var.labels, { pipeline = each.key })
  deletion_protection = var.deletion_protection

  template {
    labels      = merge(var.labels, { pipeline = each.key })
    task_count  = 1
    parallelism = 1

    template {
      service_account       = each.value.service_account
      timeout               = each.value.timeout
      max_retries           = each.value.max_retries
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"
      encryption_key        = var.encryption_key

      containers {
        name  = local.container_name
        image = var.image
        # The defaults live in the command: an execution's override `args` replaces the job's
        # args, so the run's own arguments (window, tables, day) are appended after these.
        command = module.command.commands[each.key]

        resources {
          limits = {
            cpu    = each.value.cpu
            memory = each.value.memory
          }
        }
      }

      # Direct VPC egress: the launcher reaches the source databases privately, like the workers
      # (and the models a state database on Cloud SQL, if MINERA_SQLMESH_STATE_URL ever names one);
      # Google's APIs through Private Google Access.
      vpc_access {
        egress = "ALL_TRAFFIC"
        network_interfaces {
          subnetwork = var.subnetwork
          tags       = var.network_tags
        }
      }
    }
  }
}

# Composer starts executions with the run's arguments (run.jobs.runWithOverrides) and reads the
# job and the execution's operation while it waits (CloudRunExecuteJobOperator): on these jobs only.
resource "google_cloud_run_v2_job_iam_member" "executors" {
  for_each = {
    for grant in setproduct(keys(google_cloud_run_v2_job.launchers), var.executors, ["roles/run.jobsExecutorWithOverrides", "roles/run.viewer"]) :
    "${grant[0]} ${grant[2]} ${grant[1]}" => { pipeline = grant[0], member = grant[1], role = grant[2] }
  }

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.launchers[each.value.pipeline].name
  role     = each.value.role
  member   = each.value.member
}
