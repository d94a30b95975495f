"""Property: for any job file, `plan`, `render` and the reference app end with exit 0, 1
or 2 and a coded message, never a traceback.

Documents are drawn from the job-file grammar (every key, with valid, near-valid and
hostile values) and written as YAML, with hostile YAML lines (aliases, tags, directives,
dates, duplicate keys) mixed in. A fixed seed keeps CI stable; run more cases with
`HYPOTHESIS_PROFILE=deep pytest tests/fuzz`.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as reference_app
from cdk_sagemaker_training.cli import main
from cdk_sagemaker_training.core.loader import SPEC_FIELDS
from tests.synth_helpers import ROOT, cdk_context

CODE = re.compile(r"\b[A-Z]{3,6}\d{3}\b")
CHECKED = dict(derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
CLI_CASES = 150
settings.register_profile("ci", max_examples=CLI_CASES, **CHECKED)  # type: ignore[arg-type]
settings.register_profile("deep", max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
APP_CASES = 3
RENDER_ARGS = [
    "--region",
    "us-east-1",
    "--role-arn",
    "arn:aws:iam::123456789012:role/training",
    "--job-name",
    "fuzz-1",
    "--source-uri",
    "s3://code-bucket/sourcedir.tar.gz",
    "--output-path",
    "s3://out-bucket/output",
]
BASE: dict[str, Any] = {
    "name": "fuzz-job",
    "framework": "pytorch",
    "framework_version": "1.13.1",
    "py_version": "py39",
    "compiler_config": {},
    "entry_point": "train.py",
    "source_dir": "s3://code-bucket/sourcedir.tar.gz",
    "instance_type": "ml.p3.2xlarge",
}
"""A valid compiler job; each case replaces some keys."""
WORDS = [
    *("", "-", "x" * 300, "\ud800", "é", "a\nb", "s3://", "s3:///x", "s3://b/k\n", "s3://b/k"),
    *("huggingface", "pytorch", "tensorflow", "ml.p3.2xlarge", "ml.p4d.24xlarge", "ml.c5.xlarge"),
    *("1.13.1", "4.21.1", "1.11.0", "2.11", "2.10", "py38", "py39", "File", "FastFile", "Pipe"),
    *("train.py", "training/hf_finetune", "training", "arn:aws:iam::123456789012:role/t"),
    *("subnet-0123456789abcdef0", "sg-0123456789abcdef0", "dup-job", "dupJob", "pool"),
    *("pytorchxla", "smdistributed", "pytorchddp", "torch_distributed", "mpi", "enabled"),
    *("dataparallel", "modelparallel", "s3_data", "Name", "Regex", "instance_group_name"),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=10), st.integers(0, 3))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
HOSTILE_LINES = [
    "%YAML 1.1",
    "a: &a [*a]",
    "b: &b {c: *b}",
    "hyperparameters: {d: 2024-01-01}",
    "tags: {t: !!binary aGVsbG8=}",
    "hyperparameters: !!set {a, b}",
    "? [complex]\n: key",
    "1: one",
    '"1": one',
    "name: x\nname: y",
    "\tname: tab",
    "--- second document",
    "max_run: " + "9" * 5000,
    "distribution: {1: {enabled: true}}",
    "x: " + "[" * 80 + "]" * 80,
]


SWEEP_CASES = 100
METRIC = {"Name": "loss", "Regex": "loss: ([0-9.]+)"}
SWEEP_JOB = {"keep_alive_period_in_seconds": 600, "metric_definitions": [METRIC]}
"""What a valid sweep needs besides the `sweep` key."""
bmp_text = st.text(st.characters(max_codepoint=0xFFFF), max_size=8)
"""Text JSON writes without surrogate pairs, which YAML reads as two lone surrogates
(reported before the rules, so the sweep cases avoid them)."""
unicode_words = [w for w in WORDS if not any(0xD800 <= ord(c) <= 0xDFFF for c in w)]
hyperparameter_names = st.one_of(
    st.sampled_from(["lr", "epochs", "instance_type", "sagemaker_program", "model_dir"]),
    st.sampled_from(unicode_words),
    bmp_text,
)
sweep_values = st.one_of(
    st.integers(), st.floats(), st.booleans(), st.sampled_from(unicode_words), bmp_text
)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` seven times in eight, else any value of the grammar."""
    return st.one_of(*[valid] * 7, values)


grids = mostly(
    st.dictionaries(hyperparameter_names, mostly(st.lists(sweep_values, max_size=4)), max_size=4)
)
trial_lists = mostly(
    st.lists(st.dictionaries(hyperparameter_names, mostly(sweep_values), max_size=3))
)
sweep_options = st.fixed_dictionaries(
    {
        "objective": mostly(
            st.fixed_dictionaries(
                {"metric": mostly(st.just("loss"))},
                optional={"goal": mostly(st.sampled_from(["minimize", "maximize"]))},
            )
        )
    },
    optional={
        "lanes": mostly(st.integers(0, 5)),
        "max_trials": mostly(st.integers(0, 200)),
        "on_trial_failure": mostly(st.sampled_from(["continue", "stop", "retry"])),
    },
)
sweeps = st.builds(
    lambda source, options, extra: {**source, **options, **extra},
    st.one_of(
        st.fixed_dictionaries({"parameters": grids}),
        st.fixed_dictionaries({"trials": trial_lists}),
        st.fixed_dictionaries({}, optional={"parameters": grids, "trials": trial_lists}),
    ),
    sweep_options,
    st.one_of(*[st.just({})] * 7, st.dictionaries(st.sampled_from(["lane", "trial"]), values)),
)
"""The `sweep` key's grammar: each key optional, near-valid values or any value."""


APP_NAMES = ["dup-job", "dupJob", "-", "output", "x", "x-state-machine-arn", "warm-pool-p"]
"""Names whose construct ids clash (APP003) when several land in one app."""


@st.composite
def job_files(draw: st.DrawFn, names: list[str] | None = None, sweep: bool = False) -> str:
    """YAML text of one job file: the base job with some keys replaced or removed.

    `names`: draw `name` and `warm_pool_group` from these. Default: the base's name.
    `sweep`: start from a sweep job with a `sweep` key drawn from its grammar."""
    if sweep:  # from the sweep grammar alone, so that most files reach the rules
        document = {**BASE, **SWEEP_JOB, "sweep": draw(sweeps)}
        return "\n".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=True)}" for k, v in document.items()
        )
    document = dict(BASE)
    if names:
        document["name"] = draw(st.sampled_from(names))
        document["warm_pool_group"] = draw(st.sampled_from([None, "p", "P", *names]))
    for key in draw(st.lists(st.sampled_from(sorted(BASE)), max_size=3, unique=True)):
        del document[key]
    changes = draw(
        st.dictionaries(st.sampled_from([*SPEC_FIELDS, "unknown_key"]), values, max_size=5)
    )
    document.update(changes)
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=True)}" for k, v in document.items()]
    for line in draw(st.lists(st.sampled_from(HOSTILE_LINES), max_size=2)):
        lines.insert(draw(st.integers(0, len(lines))), line)
    return "\n".join(lines) + "\n"


@contextmanager
def job_file(*texts: str) -> Iterator[Path]:
    """A folder with the job files `texts`; with one text, that file."""
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(texts):
            (Path(folder) / f"job{index}.yaml").write_text(text, encoding="utf-8")
        yield Path(folder) / "job0.yaml" if len(texts) == 1 else Path(folder)


def strict_stream() -> io.TextIOWrapper:
    """A UTF-8 stream that refuses what a real terminal would (lone surrogates)."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")


def run_cli(*argv: str) -> tuple[int, str]:
    out, err = strict_stream(), strict_stream()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    text = ""
    for stream in (out, err):
        stream.flush()
        text += stream.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    return code, text


@pytest.fixture(scope="module", autouse=True)
def warm_image_tables() -> None:
    """Import the SageMaker SDK's image tables once, outside the per-case deadline."""
    assert run_cli("plan", str(ROOT / "jobs"))[0] == 0


@settings(deadline=timedelta(seconds=5))  # max_examples: the profile
@given(job_files())
def test_plan_and_render_end_with_a_code(text: str) -> None:
    with job_file(text) as path:
        for argv in (["plan", str(path)], ["render", str(path), *RENDER_ARGS]):
            code, output = run_cli(*argv)
            assert code in (0, 1, 2), output
            if code:
                assert CODE.search(output), output


@settings(max_examples=SWEEP_CASES, deadline=timedelta(seconds=5))
@given(job_files(sweep=True))
def test_sweep_files_end_with_a_code(text: str) -> None:
    with job_file(text) as path:
        code, output = run_cli("plan", str(path))
        assert code in (0, 1, 2), output
        if code:
            assert CODE.search(output), output


@settings(max_examples=APP_CASES, deadline=None)
@given(st.lists(job_files(APP_NAMES), min_size=1, max_size=3))
def test_reference_app_ends_with_a_code(texts: list[str]) -> None:
    with job_file(*texts) as path, tempfile.TemporaryDirectory() as outdir:
        context = {**cdk_context(), "jobs": str(path), "quota_guard": "off"}
        saved = {name: os.environ.get(name) for name in ("CDK_CONTEXT_JSON", "CDK_OUTDIR")}
        os.environ.update(CDK_CONTEXT_JSON=json.dumps(context), CDK_OUTDIR=outdir)
        err = io.StringIO()
        try:
            with redirect_stderr(err):
                code = reference_app.main()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    assert code in (0, 1, 2), err.getvalue()
    if code:
        assert CODE.search(err.getvalue()), err.getvalue()
