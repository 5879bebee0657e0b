# One image for every pipeline: the Dataflow workers' SDK container and the flex templates' launcher.
#
# Google's recommended setup for a custom container under a flex template: the Beam SDK image
# (its /opt/apache/beam/boot stays the entrypoint, so workers can run it as sdk_container_image)
# plus the flex-template launcher binary copied from Google's Python 3.11 launcher base image
# (Dataflow runs that binary to launch, whatever the entrypoint). The package is installed here,
# so workers install nothing at start: FLEX_TEMPLATE_PYTHON_SETUP_FILE and
# FLEX_TEMPLATE_PYTHON_REQUIREMENTS_FILE stay unset on purpose (either makes the launcher stage
# the package or the requirements again, and every worker reinstall them).
# See docs/templates.md; built by cloudbuild.yaml.
ARG BEAM_IMAGE=apache/beam_python3.11_sdk:2.77.0
# pin a dated tag in production (cloudbuild.yaml: _LAUNCHER_IMAGE); "latest" is Google's current release
ARG LAUNCHER_IMAGE=gcr.io/dataflow-templates-base/python311-template-launcher-base:latest

FROM ${LAUNCHER_IMAGE} AS launcher

FROM ${BEAM_IMAGE} AS pipelines
COPY --from=launcher /opt/google/dataflow/python_template_launcher /opt/google/dataflow/python_template_launcher
COPY setup.py pyproject.toml /src/
COPY pipelines /src/pipelines
COPY schemas /src/schemas
COPY sql /src/sql
# a regular (not editable) install: the package lives in site-packages, and no setup.py sits next
# to it for apply_runner_defaults to stage
RUN pip install --no-cache-dir /src && pip check && rm -rf /src
# one launch file per pipeline, /template/launch/<pipeline>.py = python -m <its module>
RUN python -m pipelines.templates launchers --out /template/launch
ENTRYPOINT ["/opt/apache/beam/boot"]

# A template's launcher image: the image above plus the launcher's entry, an ENV and no layer.
# A flex-template spec cannot set the launcher's environment, so each template points at its own
# tag of this target: docker build --target template --build-arg PIPELINE=erp ...
FROM pipelines AS template
ARG PIPELINE
ENV FLEX_TEMPLATE_PYTHON_PY_FILE=/template/launch/${PIPELINE}.py
