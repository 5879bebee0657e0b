"""The flex templates: one spec per pipeline, equal to what the code parses, in Dataflow's format.

The expected parameters are derived from the code, not from the catalogue: the option classes each
pipeline's modules view (``view_as``, read from their source), minus what the catalogue leaves out,
which the code must then never read.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from apache_beam.options.pipeline_options import GoogleCloudOptions, PipelineOptions

from pipelines import options as options_module
from pipelines import templates
from pipelines.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {"erp", "production", "rock_quality", "sensor_recompute", "sensors", "machine_issues"}
IMAGE, TAG = "southamerica-west1-docker.pkg.dev/minera-prod/pipelines/pipelines", "v42"

# Dataflow's flex-template spec (ContainerSpec) and template metadata, from Google's documented
# format: "Metadata parameters" (configuring-flex-templates) and REST v1b3 ParameterMetadata.
PARAM_TYPES = ["DEFAULT", "TEXT", "GCS_READ_BUCKET", "GCS_WRITE_BUCKET", "GCS_READ_FILE", "GCS_WRITE_FILE",
               "GCS_READ_FOLDER", "GCS_WRITE_FOLDER", "PUBSUB_TOPIC", "PUBSUB_SUBSCRIPTION", "BIGQUERY_TABLE",
               "JAVASCRIPT_UDF_FILE", "SERVICE_ACCOUNT", "MACHINE_TYPE", "KMS_KEY_NAME", "WORKER_REGION",
               "WORKER_ZONE", "BOOLEAN", "ENUM", "NUMBER", "KAFKA_TOPIC", "KAFKA_READ_TOPIC", "KAFKA_WRITE_TOPIC"]
PARAMETER = {
    "type": "object", "required": ["name", "label", "helpText"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "label": {"type": "string", "minLength": 1},
        "helpText": {"type": "string", "minLength": 1}, "isOptional": {"type": "boolean"},
        "regexes": {"type": "array", "items": {"type": "string"}}, "paramType": {"enum": PARAM_TYPES},
        "enumOptions": {"type": "array", "items": {
            "type": "object", "required": ["value"], "additionalProperties": False,
            "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                           "description": {"type": "string"}}}},
        "customMetadata": {"type": "object"}, "groupName": {"type": "string"}, "parentName": {"type": "string"},
        "parentTriggerValues": {"type": "array"}, "defaultValue": {"type": "string"}, "hiddenUi": {"type": "boolean"},
    },
}
SPEC_SCHEMA = {
    "type": "object", "required": ["image", "sdkInfo", "metadata"], "additionalProperties": False,
    "properties": {
        "image": {"type": "string", "pattern": "^[a-z0-9-]+-docker\\.pkg\\.dev/[^/]+/[^/]+/[^:@]+:[-_.A-Za-z0-9]+$"},
        "sdkInfo": {"type": "object", "required": ["language"],
                    "properties": {"language": {"enum": ["PYTHON", "JAVA", "GO"]}, "version": {"type": "string"}}},
        "metadata": {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
            "name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
            "streaming": {"type": "boolean"}, "supportsAtLeastOnce": {"type": "boolean"},
            "supportsExactlyOnce": {"type": "boolean"},
            "defaultStreamingMode": {"enum": ["AT_LEAST_ONCE", "EXACTLY_ONCE"]},
            "parameters": {"type": "array", "items": PARAMETER}}},
        "defaultEnvironment": {"type": "object"},
        "imageRepositoryUsernameSecretId": {"type": "string"}, "imageRepositoryPasswordSecretId": {"type": "string"},
        "imageRepositoryCertPath": {"type": "string"},
    },
}

#: values a launch passes, the regexes' documented examples (accepted) and mistakes (refused)
GOOD = {
    "warehouse": ["bigquery://minera-prod", "bigquery://minera-prod?location=southamerica-west1"],
    "source_url": ["oracle://LOADER@sap-db:1521/PRD", "postgresql://loader@db:5432/production"],
    "source_password_secret": ["projects/p/secrets/erp-db-password", "projects/p/secrets/s/versions/3"],
    "input": ["gs://minera-landing/vendor/rock_quality/**.avro", "s3://lab-bucket/exports/**.avro"],
    "lake_location": ["gs://minera-lake/lake"], "quarantine_location": ["gs://minera-quarantine/rock_quality"],
    "input_subscription": ["projects/p/subscriptions/sensor-readings"],
    "alerts_topic": ["projects/p/topics/sensor-alerts"], "date": ["2026-11-22"], "sap_client": ["100"],
    "run_id": ["20261122T101503Z-a1b2c3"], "id_attribute": ["reading_id"], "full_refresh": ["true", "false"],
}
BAD = {
    "warehouse": ["duckdb:///tmp/w.duckdb", "bigquery://"],
    "source_url": ["postgresql://loader:s3cret@db:5432/production", "mysql://db/x"],
    "source_password_secret": ["erp-db-password"], "input": ["/home/me/landing/*.avro", "gs://"],
    "lake_location": [".local/lake", "s3://lake"], "input_subscription": ["sensor-readings", "projects/p/topics/t"],
    "alerts_topic": ["projects/p/subscriptions/s"], "date": ["22/11/2026"], "sap_client": ["1000"],
    "full_refresh": ["maybe", ""],
}


def option_classes_viewed(module_name: str) -> set[type]:
    """The project's option classes that ``module_name`` and every project module it imports (at any
    depth, also inside functions) pass to ``view_as``: read from their source."""
    seen, todo, viewed = set(), [module_name], set()
    while todo:
        name = todo.pop()
        if name in seen or importlib.util.find_spec(name) is None:
            continue
        seen.add(name)
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipelines"):
                todo.append(node.module)
                todo.extend(f"{node.module}.{alias.name}" for alias in node.names
                            if importlib.util.find_spec(node.module).submodule_search_locations)
            elif isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names if a.name.startswith("pipelines"))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "view_as"
                  and node.args and isinstance(node.args[0], ast.Name)):
                cls = getattr(module, node.args[0].id, None)
                project = isinstance(cls, type) and cls.__module__.startswith("pipelines")
                if project and issubclass(cls, PipelineOptions):
                    viewed.add(cls)
    return viewed


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def modules_read(module_name: str) -> list[ast.Module]:
    """The parsed source of ``module_name`` and every project module it imports."""
    seen, todo, trees = set(), [module_name], []
    while todo:
        name = todo.pop()
        if name in seen or importlib.util.find_spec(name) is None:
            continue
        seen.add(name)
        tree = ast.parse(Path(importlib.import_module(name).__file__).read_text())
        trees.append(tree)
        type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                     for n in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in type_only:  # ``if TYPE_CHECKING:`` imports are for annotations: never run
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipelines"):
                todo.append(node.module)
                if importlib.util.find_spec(node.module).submodule_search_locations:
                    todo.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return trees


def declared(classes: set[type]) -> set[str]:
    parser = argparse.ArgumentParser()
    for cls in classes:
        cls._add_argparse_args(parser)
    return {a.dest for a in parser._actions if a.option_strings and a.dest != "help"}


def test_every_streaming_pipeline_has_a_spec_and_every_batch_one_a_launcher_job(tmp_path):
    assert set(templates.PIPELINES) == CONTRACT
    streaming = {name for name, entry in templates.PIPELINES.items() if entry.streaming}
    assert streaming == {"sensors", "machine_issues"}
    assert set(templates.flex_templates()) == streaming  # batch ones commit after their job: not templates
    assert {e.launched_by for n, e in templates.PIPELINES.items() if n not in streaming} == {templates.CLOUD_RUN_JOB}
    written = templates.write_specs(tmp_path, IMAGE, TAG)
    assert sorted(p.name for p in written) == sorted(f"{name}.json" for name in streaming)
    assert templates.spec_path("b", TAG, "sensors") == f"gs://b/templates/{TAG}/sensors.json"
    for name, entry in templates.PIPELINES.items():
        assert importlib.util.find_spec(entry.module), entry.module
        assert entry.module.rsplit(".", 1)[-1] == name  # the spec's name is the module's (contract)


@pytest.mark.parametrize("pipeline", sorted(CONTRACT))
def test_spec_parameters_are_the_options_the_pipelines_code_reads(pipeline):
    entry = templates.PIPELINES[pipeline]
    viewed = option_classes_viewed(entry.module)
    catalogued = {getattr(importlib.import_module(ref.split(":")[0]), ref.split(":")[1]) for ref in entry.options}
    assert viewed == catalogued, "the catalogue's option classes differ from what the code views"
    assert templates.template_parameters(pipeline) == declared(viewed) - set(entry.left_out)
    # what is left out, the pipeline's code never reads (as opts.<name>), or it can only be local
    read = {node.attr for tree in modules_read(entry.module) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)}
    for name, reason in entry.left_out.items():
        assert reason == templates.LOCAL_FILE or name not in read, f"{pipeline} reads --{name}"
    assert templates.required_parameters(pipeline) <= templates.template_parameters(pipeline)


def test_every_option_the_project_defines_is_in_some_template():
    """Beam registers every PipelineOptions subclass of the process: the project's own options (all
    of them minus Beam's) must each be a parameter or a deliberate omission somewhere."""
    for entry in templates.PIPELINES.values():
        importlib.import_module(entry.module)
    project = {cls for cls in PipelineOptions.__subclasses__() if cls.__module__.startswith("pipelines.")}
    beam = {cls for cls in PipelineOptions.__subclasses__() if cls.__module__.startswith("apache_beam.")}
    every = set(PipelineOptions([]).get_all_options()) - declared(beam)
    assert every == declared(project)
    covered = set().union(*(templates.template_parameters(p) | set(e.left_out)
                            for p, e in templates.PIPELINES.items()))
    assert every == covered


@pytest.mark.parametrize("pipeline", sorted(CONTRACT))
def test_each_spec_has_the_flex_template_format(pipeline):
    spec = templates.spec(pipeline, IMAGE, TAG)
    jsonschema.validate(spec, SPEC_SCHEMA)
    assert spec["image"] == f"{IMAGE}:{TAG}-{pipeline}"
    assert spec["defaultEnvironment"] == {"sdkContainerImage": f"{IMAGE}:{TAG}"}  # workers: the same image
    meta = spec["metadata"]
    assert meta["streaming"] is (pipeline in {"sensors", "machine_issues"})
    names = [p["name"] for p in meta["parameters"]]
    assert len(names) == len(set(names))
    for p in meta["parameters"]:
        # no local default reaches a Dataflow template: no DuckDB, replay file or local folder
        assert not re.search(r"duckdb|local (stack|lake|landing|folder|warehouse)|replay", p["helpText"], re.I), p
        assert "defaultValue" not in p


def test_regexes_are_posix_egrep_and_accept_the_examples_only():
    params: dict[str, dict] = {}
    for name in sorted(CONTRACT):  # erp first: its source_url takes Oracle and PostgreSQL (checked below)
        for p in templates.metadata(name)["parameters"]:
            params.setdefault(p["name"], p)
    for p in params.values():
        for regex in p.get("regexes", []):
            re.compile(regex)
            # Dataflow checks POSIX egrep: no Perl classes, lookarounds or lazy quantifiers
            assert not re.search(r"\\[dwsbDWSB]|\(\?|[*+?}]\?", regex), regex
            assert regex.startswith("^") and regex.endswith("$"), regex
    for name, values in GOOD.items():
        for value in values:
            assert all(re.search(r, value) for r in params[name]["regexes"]), (name, value)
    for name, values in BAD.items():
        for value in values:
            assert not all(re.search(r, value) for r in params[name]["regexes"]), (name, value)
    production = {p["name"]: p for p in templates.metadata("production")["parameters"]}["source_url"]
    assert not re.search(production["regexes"][0], "oracle://LOADER@sap-db:1521/PRD")


def launch_argv(pipeline: str, values: dict[str, str]) -> list[str]:
    """What the flex-template launcher runs the entry with: Dataflow's settings, then every
    template parameter as --name=value."""
    return ["--runner=DataflowRunner", "--project=minera-prod", "--region=southamerica-west1",
            "--temp_location=gs://minera-temp/tmp", "--staging_location=gs://minera-staging/staging",
            "--template_location=gs://minera-staging/template_launches/1/job_object",
            f"--sdk_container_image={IMAGE}:{TAG}", *(f"--{k}={v}" for k, v in values.items())]


def example_value(p: dict) -> str:
    if p["name"] in GOOD:
        return GOOD[p["name"]][0]
    if p.get("paramType") == "ENUM":
        return p["enumOptions"][-1]["value"]
    return {"BOOLEAN": "true", "NUMBER": "7"}.get(p.get("paramType"), "a-value")


@pytest.mark.parametrize("pipeline", sorted(CONTRACT))
def test_a_launcher_built_argv_parses_into_the_right_values(pipeline):
    params = templates.metadata(pipeline)["parameters"]
    values = {p["name"]: example_value(p) for p in params}
    parsed = PipelineOptions(launch_argv(pipeline, values))
    actions = {a.dest: a for a in templates.option_actions(pipeline)}
    got = {}
    for ref in templates.PIPELINES[pipeline].options:
        module, name = ref.split(":")
        got.update(vars(parsed.view_as(getattr(importlib.import_module(module), name)))["_all_options"])
    for name, text in values.items():
        kind = actions[name].type
        expected = (True if kind is options_module.flag else int(text) if kind is int
                    else float(text) if kind is float else text)
        assert got[name] == expected and type(got[name]) is type(expected), (name, got[name])
    assert parsed.view_as(GoogleCloudOptions).template_location.endswith("job_object")


@pytest.mark.parametrize("argv, expected", [
    ([], False), (["--full_refresh"], True), (["--full_refresh=true"], True), (["--full_refresh=True"], True),
    (["--full_refresh=false"], False), (["--full_refresh=FALSE"], False),
    (["--full_refresh", "--tables", "public.shifts"], True),
])
def test_on_off_options_take_the_bare_flag_and_the_templates_name_value_form(argv, expected):
    opts = PipelineOptions(argv).view_as(options_module.BatchLoadOptions)
    assert opts.full_refresh is expected and opts.detect_deletes is False


def test_an_on_off_option_refuses_other_words(capsys):
    with pytest.raises(SystemExit):
        PipelineOptions(["--full_refresh=maybe"]).view_as(options_module.BatchLoadOptions)


def test_a_store_true_option_cannot_become_a_template_parameter():
    parser = argparse.ArgumentParser()
    action = parser.add_argument("--full_refresh", action="store_true")
    with pytest.raises(ValueError, match="store_true"):
        templates.parameter(action, templates.PIPELINES["erp"])


def test_a_template_launch_is_refused_where_the_pipeline_commits_after_its_job():
    argv = launch_argv("erp", {"warehouse": "bigquery://minera-prod"})
    with pytest.raises(ConfigError, match="template_location"):
        options_module.check_dataflow(PipelineOptions(argv), given={"--source_url": "oracle://L@db:1521/PRD"})
    options_module.check_dataflow(PipelineOptions(argv), exits_on_submit=True)  # streaming: submits and exits


def test_workers_with_the_image_do_not_reinstall_the_package():
    with_image = PipelineOptions(["--runner=DataflowRunner", f"--sdk_container_image={IMAGE}:{TAG}"])
    options_module.apply_runner_defaults(with_image, [])
    assert not with_image.get_all_options()["setup_file"]
    without = PipelineOptions(["--runner=DataflowRunner"])
    options_module.apply_runner_defaults(without, [])
    assert without.get_all_options()["setup_file"] == str(ROOT / "setup.py")


@pytest.mark.slow
def test_a_streaming_template_launch_builds_a_streaming_job_without_the_streaming_flag(tmp_path, minera_home):
    """The launcher cannot pass Beam's --streaming: a subscription makes the job a streaming one."""
    from pipelines.streaming import machine_issues

    job_file = tmp_path / "job.json"
    argv = [a for a in launch_argv("machine_issues", {
        "input_subscription": "projects/minera-prod/subscriptions/machine-issues",
        "warehouse": "bigquery://minera-prod", "dedup_shards": "2"}) if not a.startswith("--template_location")]
    assert machine_issues.run([*argv, "--dry_run=True", "--no_auth", f"--dataflow_job_file={job_file}"]) is None
    job = json.loads(job_file.read_text())
    assert job["job"]["type"] == "JOB_TYPE_STREAMING"
    assert "setup_file" not in job["options"] or not job["options"]["setup_file"]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_dockerfile_sets_the_launcher_variables_to_files_the_image_has(tmp_path):
    text = dockerfile()
    env = dict(re.findall(r"^ENV (\w+)=(\S+)$", text, re.M))
    assert set(env) == {"FLEX_TEMPLATE_PYTHON_PY_FILE"}
    # the package is in the image: no setup or requirements file for the launcher to stage again
    assert not re.search(r"^ENV FLEX_TEMPLATE_PYTHON_(SETUP|REQUIREMENTS)_FILE", text, re.M)
    assert env["FLEX_TEMPLATE_PYTHON_PY_FILE"] == f"{templates.LAUNCH_DIR}/${{PIPELINE}}.py"
    assert f"RUN python -m pipelines.templates launchers --out {templates.LAUNCH_DIR}" in text
    written = templates.write_launchers(tmp_path)
    assert sorted(p.stem for p in written) == sorted(templates.flex_templates())
    for path in written:
        tree = ast.parse(path.read_text())
        (call,) = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert call.args[0].value == templates.PIPELINES[path.stem].module  # python -m <module>
    # the image: Beam's SDK image of the installed Beam and Python, the launcher binary, Beam's boot
    import apache_beam

    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"ARG BEAM_IMAGE=apache/beam_python{py}_sdk:{apache_beam.__version__}" in text
    assert f"python{py.replace('.', '')}-template-launcher-base" in text
    assert ("COPY --from=launcher /opt/google/dataflow/python_template_launcher "
            "/opt/google/dataflow/python_template_launcher") in text
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in text
    copied = set(re.findall(r"^COPY (\w+) /src/\1$", text, re.M))
    assert copied == {"pipelines", "schemas", "sql"}  # every top-level package setup.py installs
    assert re.search(r"pip install --no-cache-dir /src", text) and "pip install -e" not in text


def test_cloudbuild_builds_pushes_and_writes_the_generated_specs():
    text = (ROOT / "cloudbuild.yaml").read_text()
    build = yaml.safe_load(text)
    steps = {step["id"]: step for step in build["steps"]}
    assert list(steps) == ["image", "list", "launchers", "push", "specs", "upload"]
    image = "${_REGION}-docker.pkg.dev/${PROJECT_ID}/${_REPOSITORY}/pipelines"
    assert f"{image}:${{_TAG}}" in steps["image"]["args"] and "pipelines" in steps["image"]["args"]
    assert f"IMAGE={image}" in build["options"]["env"]
    assert "-m pipelines.templates list" in steps["list"]["args"][-1]
    # the launcher images are tagged as the specs name them (templates.launcher_image)
    assert templates.launcher_image("$${IMAGE}", "$${TAG}", "$${pipeline}") in steps["launchers"]["args"][-1]
    assert "--target template" in steps["launchers"]["args"][-1]
    assert "-m pipelines.templates specs" in steps["specs"]["args"][-1]
    # one folder per tag (templates.spec_path): a rollback is an earlier tag
    assert steps["upload"]["args"][-1] == "gs://${_TEMPLATES_BUCKET}/templates/${_TAG}/"
    used = set(re.findall(r"\$\{(_[A-Z_]+)\}", text))
    assert used - set(build["substitutions"]) == {"_REPOSITORY", "_TAG", "_TEMPLATES_BUCKET"}  # given per build
    assert not {"secrets", "availableSecrets"} & set(build)  # no secret in the build's config
    assert not re.search(r"password|secret|token|private_key", json.dumps(build), re.I)


def test_docs_list_each_templates_parameters_as_the_code_generates_them():
    page = (ROOT / "docs" / "templates.md").read_text()
    start, end = "<!-- parameters: python -m pipelines.templates docs -->", "<!-- end of parameters -->"
    assert page.split(start)[1].split(end)[0].strip() == templates.docs_tables().strip()
