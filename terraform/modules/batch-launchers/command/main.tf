# The command line of each launcher job. The batch pipelines run `python -m pipelines.batch.<name>`
# with everything that points a Dataflow run at Google Cloud (pipelines/options.py check_dataflow
# refuses a Dataflow run without it), then the pipeline's own defaults. The models run
# `python -m pipelines.models --warehouse=...`: SQLMesh sends BigQuery query jobs and launches no
# Dataflow job, and its parser takes no Beam option. Composer's per-run arguments (the execution's
# container override `args`) come after these: a run adds its window, tables or day, and may
# override a default (argparse keeps the last value).
#
# Only option names the programs declare appear here; tests/test_batch_launchers.py evaluates
# this module and parses each command with its program's own options.

locals {
  # Each launcher: the module it runs, whether it launches a Dataflow job, and the defaults only it takes.
  launchers = {
    erp = {
      module   = "pipelines.batch.erp"
      dataflow = true
      args = [
        "--source_url=${var.sources.erp.url}",
        "--source_password_secret=${var.sources.erp.password_secret}",
      ]
    }
    production = {
      module   = "pipelines.batch.production"
      dataflow = true
      args = [
        "--source_url=${var.sources.production.url}",
        "--source_password_secret=${var.sources.production.password_secret}",
      ]
    }
    rock_quality = {
      module   = "pipelines.batch.rock_quality"
      dataflow = true
      args = [
        "--input=${var.rock_quality_input}",
        "--quarantine_location=${var.quarantine_location}",
      ]
    }
    sensor_recompute = {
      module   = "pipelines.batch.sensor_recompute"
      dataflow = true
      args     = ["--lake_location=${var.lake_location}"]
    }
    models = {
      module   = "pipelines.models"
      dataflow = false
      args     = []
    }
  }

  warehouse_arg = "--warehouse=${var.warehouse_url}"

  # what a Dataflow launch needs (the warehouse among them, where it always stood)
  dataflow_args = concat(
    [
      "--runner=DataflowRunner",
      "--project=${var.project_id}",
      "--region=${var.region}",
      local.warehouse_arg,
      "--staging_location=${var.staging_location}",
      "--temp_location=${var.temp_location}",
      "--service_account_email=${var.service_account_email}",
      "--subnetwork=${var.subnetwork}",
      "--no_use_public_ips",
      "--sdk_container_image=${var.image}",
    ],
    var.dataflow_kms_key == null ? [] : ["--dataflow_kms_key=${var.dataflow_kms_key}"],
  )

  commands = {
    for name, launcher in local.launchers : name => concat(
      ["python", "-m", launcher.module],
      launcher.dataflow ? concat(
        local.dataflow_args,
        [for key, value in merge(var.labels, { pipeline = name }) : "--labels=${key}=${value}"],
      ) : [local.warehouse_arg],
      launcher.args,
    )
  }
}
