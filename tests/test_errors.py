"""The one-line errors every entry point shares (``pipelines/errors.py``) and how a Beam run's failure
becomes one (``pipelines/beam_runs.py``), called directly: the command-line tests
(tests/test_production_failures.py) see the same lines through a subprocess."""

from __future__ import annotations

import logging
import re
import sys
from datetime import datetime

import apache_beam as beam
import pytest
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.beam_runs import beam_error, beam_stderr_to_debug_log, counter, new_run_id, run_to_completion
from pipelines.errors import (
    INTERRUPTED,
    ConfigError,
    PartialFailure,
    PipelineError,
    SourceError,
    WarehouseError,
    main_guard,
    one_line,
)


def test_one_line_is_the_first_line_with_its_spaces_collapsed():
    assert one_line(ValueError("  connection   refused\n\tDETAIL: more\n")) == "connection refused"
    assert one_line(KeyError()) == "KeyError"  # no text: the exception's name


@pytest.mark.parametrize(("error", "status"), [(ConfigError, 2), (SourceError, 1), (WarehouseError, 1),
                                               (PartialFailure, 1), (PipelineError, 1)])
def test_a_pipeline_error_is_one_line_on_stderr_and_its_exit_status(error, status, capsys):
    def run(argv):
        raise error(f"bad {argv[0]}\nsecond line never shown")

    assert main_guard(run, ["--warehouse"]) == status
    assert capsys.readouterr().err == "error: bad --warehouse\n"


def test_an_unexpected_failure_is_one_line_with_its_type_and_an_interrupt_exits_130(capsys):
    def fails(argv):
        raise ValueError("something\nnobody planned for")

    def interrupted(argv):
        raise KeyboardInterrupt

    assert main_guard(fails) == 1
    assert capsys.readouterr().err == "error: ValueError: something\n"
    try:
        assert main_guard(interrupted) == INTERRUPTED == 130
    finally:
        logging.disable(logging.NOTSET)  # main_guard silences the runner's threads after an interrupt
    assert capsys.readouterr().err == "error: interrupted; nothing was committed for tables that had not finished\n"
    assert main_guard(lambda argv: None) == 0


def test_beam_error_finds_the_message_under_beams_wrapping():
    try:
        try:
            raise SourceError("public.broken: division by zero\nCONTEXT: ...")
        except SourceError as cause:
            raise RuntimeError("Traceback ... pages of it") from cause
    except RuntimeError as wrapped:
        assert beam_error(wrapped) == "public.broken: division by zero"  # found down the cause chain
    assert beam_error(RuntimeError("x failed: pipelines.errors.WarehouseError: locked\n  by pid 7")) == "locked"
    assert beam_error(ValueError("Pipeline has validations errors: \n  Missing required option: region.")) == \
        "Pipeline has validations errors: Missing required option: region."
    assert beam_error(OSError("disk\nfull")) == "OSError: disk"


def test_a_run_id_is_the_start_time_and_a_random_suffix():
    run_id = new_run_id(datetime(2026, 11, 22, 7, 5, 9))
    assert re.fullmatch(r"20261122T070509Z-[0-9a-f]{6}", run_id)
    assert new_run_id(datetime(2026, 11, 22, 7, 5, 9)) != run_id


def count_rows(row):
    Metrics.counter("test", "rows").inc()
    return row


def test_a_finished_runs_counter_is_read_by_name_and_namespace():
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner", "--direct_num_workers=1"]))
    _ = pipeline | beam.Create(range(5)) | beam.Map(count_rows)
    result = run_to_completion(pipeline)
    assert counter(result, "rows") == counter(result, "rows", "test") == 5
    assert counter(result, "rows", "elsewhere") == 0


def test_beams_stderr_goes_to_the_debug_log_and_the_terminal_is_given_back(caplog):
    original = sys.stderr
    with caplog.at_level(logging.INFO), beam_stderr_to_debug_log():
        print("a worker's traceback", file=sys.stderr)
    assert sys.stderr is original and "a worker's traceback" not in caplog.text  # debug only, not shown at INFO
    with caplog.at_level(logging.DEBUG, logger="pipelines.beam_runs"):
        with pytest.raises(RuntimeError), beam_stderr_to_debug_log():
            print("then it failed", file=sys.stderr)
            raise RuntimeError("boom")
    assert sys.stderr is original and "Beam wrote to stderr:\nthen it failed" in caplog.text
