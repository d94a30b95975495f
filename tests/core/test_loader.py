"""YAML job files: the good path, YAML 1.2 numbers, and table-driven bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.loader import load_job_file, load_jobs
from cdk_sagemaker_training.core.model import (
    Compression,
    Framework,
    InputMode,
    S3DataDistribution,
)

VALID = """\
name: demo
framework: pytorch
framework_version: "1.13.1"
entry_point: train.py
instance_type: ml.p3.2xlarge
"""


def write(tmp_path: Path, text: str, name: str = "job.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, errors="surrogatepass")  # lone surrogates make invalid UTF-8
    return path


def test_minimal_job_gets_the_documented_defaults(tmp_path: Path) -> None:
    spec = load_job_file(write(tmp_path, VALID))
    assert spec.framework is Framework.PYTORCH
    assert (spec.instance_count, spec.volume_size, spec.max_run) == (1, 30, 86400)
    assert spec.compiler_config is None and spec.keep_alive_period_in_seconds == 0
    assert spec.input_mode is InputMode.FILE and spec.source_file == tmp_path / "job.yaml"


def test_yaml_1_2_numbers_and_booleans(tmp_path: Path) -> None:
    text = VALID + "hyperparameters: {lr: 5e-5, steps: 1_000, flag: on, verbose: true}\n"
    hyperparameters = load_job_file(write(tmp_path, text)).hyperparameters
    assert hyperparameters["lr"] == 5e-05
    assert hyperparameters["flag"] == "on"  # YAML 1.2: 'on' is a string, not a boolean
    assert hyperparameters["verbose"] is True


def test_empty_compiler_config_means_enabled(tmp_path: Path) -> None:
    spec = load_job_file(write(tmp_path, VALID + "compiler_config: {}\n"))
    assert spec.compiler_enabled and spec.compiler_config is not None
    assert not spec.compiler_config.debug


def test_inputs_short_and_long_form(tmp_path: Path) -> None:
    text = VALID + (
        "inputs:\n  train: s3://b/train\n  test:\n    s3_data: s3://b/test\n"
        "    distribution: ShardedByS3Key\n    input_mode: FastFile\n    compression: Gzip\n"
        "    content_type: text/csv\n"
    )
    train, test = load_job_file(write(tmp_path, text)).inputs
    assert (train.name, train.s3_data, train.distribution) == (
        "train",
        "s3://b/train",
        S3DataDistribution.FULLY_REPLICATED,
    )
    assert test.distribution is S3DataDistribution.SHARDED_BY_S3_KEY
    assert test.input_mode is InputMode.FAST_FILE and test.compression is Compression.GZIP


def test_specs_are_immutable(tmp_path: Path) -> None:
    spec = load_job_file(write(tmp_path, VALID + "hyperparameters: {a: 1}\n"))
    with pytest.raises(TypeError):
        spec.hyperparameters["a"] = 2  # type: ignore[index]


# 306 bytes that expand to 9**9 (387 million) values
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
# (id, file text, expected code, text the message must contain)
BAD = [
    ("empty-file", "", "SPEC002", "empty"),
    ("whitespace-only", "  \n\n", "SPEC002", "empty"),
    ("comment-only", "# nothing\n", "SPEC002", "exactly one"),
    ("two-documents", VALID + "---\n" + VALID, "SPEC002", "exactly one"),
    ("invalid-yaml", "name: [unclosed\n", "SPEC001", "invalid YAML"),
    ("tab-indent", "name: a\n\tframework: x\n", "SPEC001", "invalid YAML"),
    ("top-level-list", "- a\n- b\n", "SPEC004", "mapping"),
    ("top-level-scalar", "just text\n", "SPEC004", "mapping"),
    (
        "unknown-key-typo",
        VALID + "instance_typ: ml.p3.2xlarge\n",
        "SPEC003",
        "did you mean 'instance_type'",
    ),
    ("unknown-key-far", VALID + "colour: blue\n", "SPEC003", "known keys"),
    ("missing-name", VALID.replace("name: demo\n", ""), "SPEC005", "'name'"),
    ("missing-framework", VALID.replace("framework: pytorch\n", ""), "SPEC005", "'framework'"),
    (
        "missing-entry-point",
        VALID.replace("entry_point: train.py\n", ""),
        "SPEC005",
        "'entry_point'",
    ),
    ("null-name", VALID.replace("name: demo", "name:"), "SPEC005", "'name'"),
    (
        "unknown-framework",
        VALID.replace("pytorch", "jax"),
        "SPEC006",
        "huggingface, pytorch, tensorflow",
    ),
    ("framework-wrong-case", VALID.replace("pytorch", "PyTorch"), "SPEC006", "'PyTorch'"),
    ("name-number", VALID.replace("name: demo", "name: 123"), "SPEC004", "integer 123"),
    ("version-as-float", VALID.replace('"1.13.1"', "2.10"), "SPEC004", "quote it"),
    ("count-as-string", VALID + "instance_count: '2'\n", "SPEC004", "an integer"),
    ("count-as-float", VALID + "instance_count: 2.5\n", "SPEC004", "an integer"),
    ("count-as-bool", VALID + "instance_count: true\n", "SPEC004", "an integer"),
    ("keep-alive-string", VALID + "keep_alive_period_in_seconds: 1h\n", "SPEC004", "an integer"),
    ("bool-as-string", VALID + "use_spot_instances: 'yes'\n", "SPEC004", "true or false"),
    ("bool-yaml11-yes", VALID + "enable_network_isolation: yes\n", "SPEC004", "true or false"),
    ("hyperparameters-list", VALID + "hyperparameters: [a, b]\n", "SPEC004", "a mapping"),
    ("hyperparameter-null", VALID + "hyperparameters: {lr: }\n", "SPEC004", "hyperparameters.lr"),
    ("environment-number", VALID + "environment: {THREADS: 4}\n", "SPEC004", "environment.THREADS"),
    ("tags-list", VALID + "tags: [a]\n", "SPEC004", "a mapping"),
    ("compiler-bool", VALID + "compiler_config: true\n", "SPEC004", "a mapping"),
    (
        "compiler-unknown-key",
        VALID + "compiler_config: {enable: true}\n",
        "SPEC003",
        "did you mean 'enabled'",
    ),
    (
        "compiler-enabled-string",
        VALID + "compiler_config: {enabled: 'true'}\n",
        "SPEC004",
        "true or false",
    ),
    ("inputs-list", VALID + "inputs: [s3://b]\n", "SPEC004", "a mapping"),
    (
        "input-missing-s3-data",
        VALID + "inputs: {train: {distribution: FullyReplicated}}\n",
        "SPEC005",
        "s3_data",
    ),
    (
        "input-bad-distribution",
        VALID + "inputs: {train: {s3_data: s3://b, distribution: Replicated}}\n",
        "SPEC006",
        "ShardedByS3Key",
    ),
    (
        "input-unknown-key",
        VALID + "inputs: {train: {s3_data: s3://b, shuffle: true}}\n",
        "SPEC003",
        "inputs.train.shuffle",
    ),
    ("input-mode-bad", VALID + "input_mode: Stream\n", "SPEC006", "FastFile"),
    ("subnets-string", VALID + "subnets: subnet-1\n", "SPEC004", "a list of strings"),
    (
        "security-group-number",
        VALID + "security_group_ids: [12]\n",
        "SPEC004",
        "security_group_ids[0]",
    ),
    (
        "instance-groups-mapping",
        VALID + "instance_groups: {a: 1}\n",
        "SPEC004",
        "a list of instance groups",
    ),
    (
        "instance-group-missing-count",
        VALID + "instance_groups: [{instance_group_name: a, instance_type: ml.p3.2xlarge}]\n",
        "SPEC005",
        "instance_count",
    ),
    ("metric-missing-regex", VALID + "metric_definitions: [{Name: loss}]\n", "SPEC005", "Regex"),
    (
        "metric-lowercase-keys",
        VALID + "metric_definitions: [{name: loss, regex: x}]\n",
        "SPEC003",
        "did you mean 'Name'",
    ),
    ("distribution-list", VALID + "distribution: [pytorchxla]\n", "SPEC004", "a mapping"),
    # hostile files: limits, YAML features and values the loader refuses
    ("alias-bomb", ALIAS_BOMB, "SPEC010", "more than 100000 values"),
    ("recursive-list-alias", VALID + "hyperparameters: &a {x: [*a]}\n", "SPEC010", "recursive"),
    ("recursive-mapping-alias", "a: &a {b: *a}\n", "SPEC010", "recursive"),
    ("deep-flow-nesting", "x: " + "[" * 1000 + "]" * 1000 + "\n", "SPEC010", "nested"),
    ("nesting-past-the-limit", "x: " + "[" * 70 + "]" * 70 + "\n", "SPEC010", "nested more than"),
    ("yaml-1.3", "%YAML 1.3\n---\n" + VALID, "SPEC011", "'1.3'"),
    ("yaml-1.1", "%YAML 1.1\n---\n" + VALID, "SPEC011", "YAML 1.2 only"),
    ("date", VALID + "hyperparameters: {start: 2024-01-01}\n", "SPEC011", "hyperparameters.start"),
    ("timestamp", VALID + "tags: {at: 2001-12-14t21:59:43.10-05:00}\n", "SPEC011", "datetime"),
    ("binary", VALID + "hyperparameters: {b: !!binary aGVsbG8=}\n", "SPEC011", "bytes"),
    ("set", VALID + "hyperparameters: {s: !!set {a, b}}\n", "SPEC011", "set"),
    ("pairs", VALID + "hyperparameters: {p: !!pairs [a: 1]}\n", "SPEC011", "tuple"),
    ("complex-key", VALID + "? [a, b]\n: 1\n", "SPEC011", "tuple"),
    ("json-surrogate", VALID.replace("demo", '"demo\\ud800"'), "SPEC011", "not valid Unicode"),
    ("huge-integer", VALID + "max_run: " + "9" * 5000 + "\n", "SPEC011", "4300 digits"),
    ("key-collision", VALID + '1: a\n"1": b\n', "SPEC012", "both read as '1'"),
    ("hyperparameter-key-collision", VALID + "hyperparameters: {1: a, '1': b}\n", "SPEC012", "1"),
    ("integer-distribution-key", VALID + "distribution: {1: {enabled: true}}\n", "SPEC004", "1"),
    ("unknown-tag", VALID + "tags: {a: !foo 1}\n", "SPEC001", "!foo"),
    ("not-utf-8", "name: \udcff\n", "SPEC001", "UTF-8"),
]


@pytest.mark.parametrize(
    ("text", "code", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input_is_a_finding_not_a_traceback(
    tmp_path: Path, text: str, code: str, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as raised:
        load_job_file(path)
    matching = [f for f in raised.value.findings if f.code == code]
    assert matching, raised.value.findings
    assert any(fragment in f"{f.path} {f.message}" for f in matching), matching
    assert all(f.path.startswith(str(path)) for f in raised.value.findings)


def test_at_least_forty_bad_input_cases() -> None:
    assert len(BAD) >= 40


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = "name: 1\nframework: jax\nentry_poin: x\ninstance_count: 'a'\n"
    with pytest.raises(SpecError) as raised:
        load_job_file(write(tmp_path, text))
    assert {f.code for f in raised.value.findings} == {"SPEC003", "SPEC004", "SPEC005", "SPEC006"}


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        load_job_file(tmp_path / "missing.yaml")
    assert raised.value.findings[0].code == "SPEC001"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(SpecError) as raised:
        load_job_file(path)
    assert raised.value.findings[0].code == "SPEC001"


def test_directory_loads_yaml_and_yml_sorted(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("demo", "b-job"), "b.yml")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", VALID.replace("demo", "a-job"), "a.yaml")
    write(tmp_path, "not a job", "README.md")
    assert [s.name for s in load_jobs(tmp_path)] == ["b-job", "a-job"]


def test_directory_collects_errors_from_every_file(tmp_path: Path) -> None:
    write(tmp_path, "", "a.yaml")
    write(tmp_path, "- x\n", "b.yaml")
    with pytest.raises(SpecError) as raised:
        load_jobs(tmp_path)
    assert len(raised.value.findings) == 2


def test_duplicate_job_names(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID, "b.yaml")
    with pytest.raises(SpecError) as raised:
        load_jobs(tmp_path)
    assert raised.value.findings[0].code == "SPEC007"
    assert "a.yaml" in raised.value.findings[0].message


def test_empty_directory_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as empty:
        load_jobs(tmp_path)
    assert empty.value.findings[0].code == "SPEC008"
    with pytest.raises(SpecError) as missing:
        load_jobs(tmp_path / "nope")
    assert missing.value.findings[0].code == "SPEC001"


def test_example_jobs_load() -> None:
    specs = load_jobs(Path(__file__).resolve().parents[2] / "jobs")
    assert {s.name for s in specs} >= {
        "hf-bert-compiler",
        "pytorch-xla-multinode",
        "tensorflow-vpc",
    }
