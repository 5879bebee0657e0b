"""Running Beam jobs the same way in every pipeline: the local runner, run ids, a run to its end,
Beam's noise kept in the debug log, a worker's failure as one line, and the Dataflow job a dry run
built, described.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import sys
import uuid
from datetime import datetime

import apache_beam as beam
from apache_beam.options.pipeline_options import DebugOptions, PipelineOptions
from apache_beam.portability import python_urns
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.runner import PipelineState

from pipelines.errors import PipelineError, one_line

log = logging.getLogger(__name__)


class LocalRunner(FnApiRunner):
    """Beam's in-process runner (worker threads), its workers' output flushed between elements only.

    Each worker thread of ``direct_running_mode=multi_threading`` sends a bundle's output over an
    in-process data channel that a background thread also flushes every second (Beam's
    ``data_buffer_time_limit_ms``), whether or not an element is half written. The runner decodes
    every flushed chunk on its own into a GroupByKey's buffer, so the two halves of an element
    whose encoding runs Python code (a pickled ``beam.Row``, e.g. in ``AnomalyDetection``'s
    Reshuffle) are read as a silently truncated element and a broken one: ``Invalid
    PaneInfoEncoding``, ``VarLong too long``, or garbage. The slower the run (a busy machine),
    the more flushes fall inside an element. A negative limit turns the timed flush off: output
    then goes out by size, at element boundaries, and at the end of each bundle, as in the SDK
    harness on Dataflow (where the limit is 0 unless an experiment sets it).
    """

    def run_via_runner_api(self, pipeline_proto, options):
        for environment in pipeline_proto.components.environments.values():
            if environment.urn == python_urns.EMBEDDED_PYTHON_GRPC:
                config = json.loads(environment.payload or b"{}")
                config["data_buffer_time_limit_ms"] = -1  # Beam reads 0 as "the default, 1000 ms"
                environment.payload = json.dumps(config).encode()
        return super().run_via_runner_api(pipeline_proto, options)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def counter(result, name: str, namespace: str | None = None) -> int:
    """A finished run's counter ``name`` (in ``namespace``, or in any), summed: committed where the
    runner reports it (a retried bundle counts once), else attempted."""
    from apache_beam.metrics.metric import MetricsFilter

    wanted = MetricsFilter().with_name(name)
    found = result.metrics().query(wanted.with_namespace(namespace) if namespace else wanted)["counters"]
    return sum(c.committed if c.committed is not None else c.attempted for c in found)


def run_to_completion(pipeline: beam.Pipeline):
    """Run a batch pipeline to its end, Beam's stderr kept in the debug log; returns the result
    (a dry run's result carries the built job)."""
    with beam_stderr_to_debug_log():
        result = pipeline.run()
        state = result.wait_until_finish()
    if state not in (PipelineState.DONE, None):
        raise PipelineError(f"Beam pipeline ended in state {state}")
    return result


@contextlib.contextmanager
def beam_stderr_to_debug_log():
    """The local runner prints whole tracebacks of failed bundles to stderr; keep them in the
    debug log, so a person sees the run's one-line error (``MINERA_LOG_LEVEL=DEBUG`` shows all)."""
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        yield
        return
    captured = io.StringIO()
    original = sys.stderr
    sys.stderr = captured
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        # the runner's threads are still unwinding and printing: keep them off the terminal
        raise
    except BaseException:
        sys.stderr = original
        raise
    else:
        sys.stderr = original
    finally:
        if captured.getvalue():
            log.debug("Beam wrote to stderr:\n%s", captured.getvalue())


def write_dry_run_job(options: PipelineOptions, result, steps: bool = False) -> str | None:
    """Write the built Dataflow job's description to ``--dataflow_job_file``, if given; returns the path.

    ``steps``: also each step's display data and Pub/Sub payload (:func:`describe_steps`), i.e. the
    subscription, topic and BigQuery write configuration a reviewer (or test) checks.
    """
    job = getattr(result, "job", None)
    job_file = options.view_as(DebugOptions).dataflow_job_file
    if job is None or not job_file:
        return None
    description = describe_dataflow_job(job)
    if steps:
        description["steps"] = describe_steps(job.proto_pipeline)
    with open(job_file, "w") as out:
        json.dump(description, out, indent=2, default=str)
    return job_file


def describe_dataflow_job(job) -> dict:
    """A JSON-able view of a Beam Dataflow ``apiclient.Job`` for review and tests."""
    from google.protobuf import json_format

    components = job.proto_pipeline.components
    environments = []
    for env in components.environments.values():
        from apache_beam.portability.api import beam_runner_api_pb2

        image = ""
        if env.urn == "beam:env:docker:v1":
            image = beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image
        artifacts = [beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(d.role_payload).staged_name
                     for d in env.dependencies]
        environments.append({"urn": env.urn, "image": image, "artifacts": artifacts})
    return {
        "job": json.loads(json_format.MessageToJson(job.proto._pb)),
        "transforms": sorted(t.unique_name for t in components.transforms.values()),
        "environments": environments,
        "options": job.options.get_all_options(drop_default=True),
    }


def beam_error(exc: BaseException) -> str:
    """Beam wraps a worker's exception in pages of traceback: find the original message."""
    seen = exc
    while seen is not None:
        if isinstance(seen, PipelineError):
            return one_line(seen)
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "validations errors" in text:  # Beam lists its option checks on the lines after this one
        return " ".join(text.split())
    for marker in ("SourceError: ", "PipelineError: ", "WarehouseError: "):
        if marker in text:
            return one_line(Exception(text.rsplit(marker, 1)[1]))
    if text.lstrip().startswith("Traceback"):  # a worker's traceback as text: its last exception line says why
        reasons = [line for line in text.splitlines() if re.match(r"[A-Za-z_][\w.]*: ", line)]
        if reasons:
            return one_line(Exception(reasons[-1]))
    return f"{type(exc).__name__}: {one_line(exc)}"


def describe_steps(proto_pipeline) -> dict[str, dict]:
    """Per transform name: URN, labelled display data, and the decoded payload of Pub/Sub reads/writes."""
    from apache_beam.portability.api import beam_runner_api_pb2 as api
    from google.protobuf import json_format

    payloads = {"beam:transform:pubsub_read:v1": api.PubSubReadPayload,
                "beam:transform:pubsub_write:v1": api.PubSubWritePayload}
    steps = {}
    for transform in proto_pipeline.components.transforms.values():
        display = {}
        for item in transform.display_data:
            if item.urn == "beam:display_data:labelled:v1":
                labelled = api.LabelledPayload.FromString(item.payload)
                kind = labelled.WhichOneof("value")
                display[labelled.key] = getattr(labelled, kind) if kind else None
        step: dict = {"urn": transform.spec.urn}
        if display:
            step["display_data"] = display
        if transform.spec.urn in payloads:
            step["payload"] = json_format.MessageToDict(payloads[transform.spec.urn].FromString(transform.spec.payload),
                                                        preserving_proto_field_name=True)
        if len(step) > 1:
            steps[transform.unique_name] = step
    return dict(sorted(steps.items()))
