"""The vibration-sensor pipeline's own Beam transforms: silent sensors and PPV anomalies.

``pipelines.streaming.sensors`` applies them to its hourly windows and its minute metrics; the
transforms both streaming pipelines share are in ``pipelines.streaming.transforms``, and the minute
metrics, shared with the batch layer, in ``pipelines.sensor_metrics``. The alert rules themselves
(what makes an alert row) are ``pipelines.streaming.alerts``.
"""

from __future__ import annotations

import contextlib
import types
import uuid
from datetime import timedelta

import apache_beam as beam
import pyarrow as pa
from apache_beam.transforms import window
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.streaming.transforms import unpack


def concat(tables) -> pa.Table:
    return pa.concat_tables(list(tables))


class SilentSensorsFn(beam.DoFn):
    """Silent-sensor alerts from each hour's readings; late panes are skipped (they hold a sliver
    of the hour, where every sensor would look silent)."""

    def __init__(self, silent_after: timedelta, pipeline: str):
        self.silent_after, self.pipeline = silent_after, pipeline

    def process(self, element, pane=beam.DoFn.PaneInfoParam):
        if pane is not None and pane.timing == PaneInfoTiming.LATE:
            return
        start, pieces = element
        from pipelines.streaming.alerts import silent_sensor_alerts

        columns = ["sensor_id", "zone", "event_time"]
        yield silent_sensor_alerts(concat(unpack(p, columns) for p in pieces), self.silent_after, self.pipeline)


class DetectPpvAnomalies(beam.PTransform):
    """Beam's ``AnomalyDetection`` (RobustZScore) on each sensor's minute max PPV.

    The metrics leave their minute windows for the global window first: the detector keeps its
    model per key *and window*, and a model that restarted every minute would learn nothing.
    """

    def __init__(self, threshold: float, pipeline: str, warmup_minutes: int = 15):
        super().__init__()
        self.threshold, self.pipeline, self.warmup_minutes = threshold, pipeline, warmup_minutes

    def expand(self, metrics):
        from apache_beam.ml.anomaly import transforms as anomaly_transforms
        from apache_beam.ml.anomaly.detectors.robust_zscore import RobustZScore
        from apache_beam.ml.anomaly.thresholds import FixedThreshold
        from apache_beam.ml.anomaly.transforms import AnomalyDetection

        from pipelines.streaming.alerts import ALERT_SCHEMA, anomaly_alert

        detector = RobustZScore(features=["max_ppv_mm_s"], threshold_criterion=FixedThreshold(self.threshold))
        rows = (metrics
                | "PerSensorRows" >> beam.FlatMap(_sensor_rows).with_output_types(tuple[str, beam.Row])
                | "AcrossWindows" >> beam.WindowInto(window.GlobalWindows()))
        with stable_step_ids(anomaly_transforms, "PpvAnomalies/RobustZScore"):
            scored = rows | "RobustZScore" >> AnomalyDetection(detector)
        return (scored
                | "AfterWarmUp" >> beam.ParDo(_AfterWarmUpFn(self.warmup_minutes))
                | "ToAlert" >> beam.Map(anomaly_alert, self.pipeline)
                | "Outliers" >> beam.Filter(lambda row: row is not None)
                | "AsTable" >> beam.Map(lambda row: pa.Table.from_pylist([row], schema=ALERT_SCHEMA)))


@contextlib.contextmanager
def stable_step_ids(module, name: str):
    """Beam's ``AnomalyDetection`` labels its steps ``Score and Learn (<model>:<6 random hex>)``
    (``uuid.uuid4()`` in ``module``, ``apache_beam.ml.anomaly.transforms``, at expansion), so each
    launch of the job would name its stateful detector step anew, and a Dataflow update could not
    match it to the running job's step (the model's state would be dropped, or the update refused).
    Within this block the suffix is derived from ``name``: the same on every launch."""
    fixed = uuid.uuid5(uuid.NAMESPACE_URL, f"minera:{name}")
    original = module.uuid
    module.uuid = types.SimpleNamespace(uuid4=lambda: fixed)
    try:
        yield
    finally:
        module.uuid = original


class _AfterWarmUpFn(beam.DoFn):
    """Drops a sensor's first results: the running median and MAD mean nothing on a few minutes."""

    SEEN = beam.transforms.userstate.CombiningValueStateSpec("seen", sum)

    def __init__(self, warmup: int):
        self.warmup = warmup

    def process(self, keyed_result, seen=beam.DoFn.StateParam(SEEN)):
        seen.add(1)
        if seen.read() > self.warmup:
            yield keyed_result


def _sensor_rows(metrics: pa.Table):
    for m in metrics.select(["sensor_id", "zone", "window_start", "max_ppv_mm_s"]).to_pylist():
        yield window.TimestampedValue(
            (m["sensor_id"], beam.Row(max_ppv_mm_s=float(m["max_ppv_mm_s"]), zone=m["zone"],
                                      window_start=m["window_start"])), m["window_start"].timestamp())
