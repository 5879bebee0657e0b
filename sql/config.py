"""SQLMesh's own command line on this project (``sqlmesh -p sql plan``, ``sqlmesh -p sql ui``):
the warehouse comes from ``MINERA_WAREHOUSE`` (default: the local DuckDB warehouse), configured
exactly as ``python -m pipelines.models`` configures it (pipelines/transform/project.py)."""

import os

from pipelines.local import stack
from pipelines.transform.project import sqlmesh_config

config = sqlmesh_config(os.environ.get("MINERA_WAREHOUSE") or stack.default_warehouse_url())
