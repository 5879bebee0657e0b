# The Minera platform's LookML project: views over the warehouse's serving and marts datasets
# (BigQuery; the same tables are DuckDB schemas locally), one model, seven dashboards. See README.md.
project_name: "minera"
