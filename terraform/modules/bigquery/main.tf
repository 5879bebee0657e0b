# Datasets per layer (docs/contracts.md#datasets) and SQLMesh's own, every table whose schema is in schemas/
# (listed in schemas/layout.json), the lake's external tables (schemas/lake/), a policy tag on the
# columns that identify people, dataset grants and the authorized datasets the views read through.

locals {
  datasets = {
    raw_erp        = "Batch loads from the SAP ERP (Oracle), one table per source table"
    raw_production = "Batch loads from the production database (PostgreSQL)"
    raw_vendor     = "The rock-quality lab's Avro files"
    raw_mobile     = "Machinery issue events from the mobile app (streaming)"
    speed          = "Speed layer results: per-minute sensor metrics"
    batch          = "Batch layer: recomputations from the lake, and the lake's external tables"
    staging        = "SQL models: cleaned sources (views)"
    marts          = "SQL models: subject-area tables, read by dashboards"
    serving        = "SQL models: what dashboards read (batch up to its watermark, speed after it)"
    ops            = "Run bookkeeping, dead letters and alerts"
  }
  # SQLMesh keeps each model's physical table in sqlmesh__<schema> (the datasets above hold views
  # onto them) and its state in `sqlmesh` unless MINERA_SQLMESH_STATE_URL names Cloud SQL.
  model_datasets = {
    sqlmesh__staging = "SQLMesh physical layer of staging (views)"
    sqlmesh__marts   = "SQLMesh physical layer of marts (tables)"
    sqlmesh__serving = "SQLMesh physical layer of serving (views)"
    sqlmesh          = "SQLMesh state, when it is not kept in Cloud SQL"
  }
  all_datasets = merge(local.datasets, local.model_datasets)

  # Authorized datasets: reader dataset -> datasets its views read. The BI readers read serving and
  # marts only; a view there reads SQLMesh's physical view or table, which reads the sources.
  authorized = {
    serving          = ["sqlmesh__serving"]
    marts            = ["sqlmesh__marts"]
    sqlmesh__serving = ["ops", "speed", "batch", "sqlmesh__marts"]
  }
  authorizations = merge([
    for reader, sources in local.authorized : { for source in sources : "${source}|${reader}" => { source = source, reader = reader } }
  ]...)

  # dataset_access takes the legacy role names (BigQuery answers with them: no perpetual diff)
  grants = merge([
    for dataset, who in var.access : merge(
      { for m in who.readers : "${dataset}|READER|${m}" => { dataset = dataset, role = "READER", member = m } },
      { for m in who.writers : "${dataset}|WRITER|${m}" => { dataset = dataset, role = "WRITER", member = m } },
    )
  ]...)

  layout = jsondecode(file("${var.schemas_dir}/layout.json")).tables
  tables = {
    for name, t in local.layout : name => {
      dataset      = split(".", name)[0]
      table        = split(".", name)[1]
      partition_by = lookup(t, "partition_by", null)
      cluster_by   = lookup(t, "cluster_by", [])
      # the schema file's columns; those that identify people carry the policy tag
      schema = jsonencode([
        for f in jsondecode(file("${var.schemas_dir}/${t.schema}")) : jsondecode(
          contains(lookup(t, "identifies_people", []), f.name)
          ? jsonencode(merge(f, { policyTags = { names = [google_data_catalog_policy_tag.identifies_people.id] } }))
          : jsonencode(f)
        )
      ])
    }
  }

  # lake tables (schemas/lake/<name>.json, the same files pipelines/lake.py reads); their columns
  # are the generated schemas/<dataset>/<table>.json (python -m pipelines.lake, kept equal by a test)
  hive_types = { DATE = "DATE", INT64 = "INTEGER", STRING = "STRING", TIMESTAMP = "TIMESTAMP" }
  lake_tables = {
    for path in fileset(var.schemas_dir, "lake/*.json") : jsondecode(file("${var.schemas_dir}/${path}")).table => jsondecode(file("${var.schemas_dir}/${path}"))
  }
}

resource "google_bigquery_dataset" "this" {
  for_each = local.all_datasets

  project                    = var.project_id
  dataset_id                 = each.key
  location                   = var.location
  description                = each.value
  labels                     = var.labels
  max_time_travel_hours      = tostring(var.max_time_travel_hours)
  delete_contents_on_destroy = !var.deletion_protection

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

# -- tables ------------------------------------------------------------------------------------

resource "google_bigquery_table" "this" {
  for_each = local.tables

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.this[each.value.dataset].dataset_id
  table_id            = each.value.table
  labels              = var.labels
  schema              = each.value.schema
  clustering          = length(each.value.cluster_by) > 0 ? each.value.cluster_by : null
  deletion_protection = var.deletion_protection

  dynamic "time_partitioning" {
    for_each = each.value.partition_by == null ? [] : [each.value.partition_by]
    content {
      type  = "DAY"
      field = time_partitioning.value
    }
  }

  dynamic "encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = encryption_configuration.value
    }
  }
}

resource "google_bigquery_table" "lake" {
  # checkov:skip=CKV_GCP_80:an external table stores nothing: its Parquet files are encrypted by the lake bucket's key
  for_each = local.lake_tables

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.this[split(".", each.key)[0]].dataset_id
  table_id            = split(".", each.key)[1]
  description         = each.value.description
  labels              = var.labels
  schema              = file("${var.schemas_dir}/${replace(each.key, ".", "/")}.json")
  deletion_protection = var.deletion_protection

  external_data_configuration {
    autodetect    = false
    source_format = each.value.format
    source_uris   = ["${trimsuffix(var.lake_uri, "/")}/${each.value.path}/*"]

    hive_partitioning_options {
      mode                     = "CUSTOM"
      source_uri_prefix        = "${trimsuffix(var.lake_uri, "/")}/${each.value.path}${join("", [for k in each.value.partition_keys : "/{${k.name}:${local.hive_types[k.type]}}"])}"
      require_partition_filter = lookup(each.value, "require_partition_filter", false)
    }
  }
}

# -- columns that identify people ----------------------------------------------------------------

resource "google_data_catalog_taxonomy" "people" {
  project                = var.project_id
  region                 = lower(var.location)
  display_name           = "${var.prefix} people"
  description            = "Columns that identify people (schemas/layout.json identifies_people)."
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]
}

resource "google_data_catalog_policy_tag" "identifies_people" {
  taxonomy     = google_data_catalog_taxonomy.people.id
  display_name = "identifies people"
  description  = "An operator id, or a raw payload that may hold one: readable by pii_readers only."
}

resource "google_data_catalog_policy_tag_iam_member" "pii_readers" {
  for_each = toset(var.pii_readers)

  policy_tag = google_data_catalog_policy_tag.identifies_people.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = each.value
}

# -- dataset grants and authorized datasets ---------------------------------------------------------

resource "google_bigquery_dataset_access" "grants" {
  for_each = local.grants

  project        = var.project_id
  dataset_id     = google_bigquery_dataset.this[each.value.dataset].dataset_id
  role           = each.value.role
  user_by_email  = startswith(each.value.member, "serviceAccount:") || startswith(each.value.member, "user:") ? split(":", each.value.member)[1] : null
  group_by_email = startswith(each.value.member, "group:") ? split(":", each.value.member)[1] : null
  domain         = startswith(each.value.member, "domain:") ? split(":", each.value.member)[1] : null
  iam_member     = length(regexall("^(serviceAccount|user|group|domain):", each.value.member)) == 0 ? each.value.member : null
}

resource "google_bigquery_dataset_access" "authorized" {
  for_each = local.authorizations

  project    = var.project_id
  dataset_id = google_bigquery_dataset.this[each.value.source].dataset_id

  dataset {
    dataset {
      project_id = var.project_id
      dataset_id = google_bigquery_dataset.this[each.value.reader].dataset_id
    }
    target_types = ["VIEWS"]
  }
}
