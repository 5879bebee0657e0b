# The launcher's command line per batch pipeline: `python -m pipelines.batch.<name>`, everything
# that points a run at Google Cloud (pipelines/options.py check_dataflow refuses a Dataflow run
# without it), then the pipeline's own defaults. Composer's per-run arguments (the execution's
# container override `args`) come after these: a run adds its window, tables or day, and may
# override a default (argparse keeps the last value).
#
# Only option names the pipelines declare appear here; tests/test_batch_launchers.py evaluates
# this module and parses each command with its pipeline's own option classes.

locals {
  # The batch pipelines and the defaults only each of them takes.
  pipelines = {
    erp = [
      "--source_url=${var.sources.erp.url}",
      "--source_password_secret=${var.sources.erp.password_secret}",
    ]
    production = [
      "--source_url=${var.sources.production.url}",
      "--source_password_secret=${var.sources.production.password_secret}",
    ]
    rock_quality = [
      "--input=${var.rock_quality_input}",
      "--quarantine_location=${var.quarantine_location}",
    ]
    sensor_recompute = [
      "--lake_location=${var.lake_location}",
    ]
  }

  common_args = concat(
    [
      "--runner=DataflowRunner",
      "--project=${var.project_id}",
      "--region=${var.region}",
      "--warehouse=${var.warehouse_url}",
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
    for name, args in local.pipelines : name => concat(
      ["python", "-m", "pipelines.batch.${name}"],
      local.common_args,
      [for key, value in merge(var.labels, { pipeline = name }) : "--labels=${key}=${value}"],
      args,
    )
  }
}
