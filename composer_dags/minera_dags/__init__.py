"""What the DAGs share: settings, the Assets the loads publish, and how a pipeline run is launched.

Not a DAG folder (``.airflowignore``): the DAG files import it, Composer's DAG folder is on
``sys.path``. Nothing here imports Beam or the ``pipelines`` package, which Composer does not have.
"""
