"""What the synthesis benchmarks share: the aws-cdk-lib baseline, the benchmark job, memory.

The baseline is what a user of aws-cdk-lib writes for the same job: one
`SageMakerCreateTrainingJob` task (no keep-alive: it cannot express it) in a Standard
state machine logging everything to a log group encrypted with the stack's key, traced.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).parent / "results"
TEMPLATE_JOB = ROOT / "jobs" / "hf-bert-compiler-warmpool.yaml"
SOURCE_URI = "s3://code-bucket/hf/sourcedir.tar.gz"
"""Code on S3 on both sides: the aws-cdk-lib task has no packaging, so neither packages."""
BASELINE_REGION = "us-east-1"


def job_name(index: int) -> str:
    """The name of benchmark job `index`."""
    return f"bert-{index:04d}"


def write_job_files(folder: Path, count: int) -> None:
    """`count` job files in `folder`: the example Hugging Face compiler job with a warm
    pool, each with its own name, code on S3 and no warm-pool group."""
    text = TEMPLATE_JOB.read_text()
    text = re.sub(r"(?m)^source_dir: .*$", f"source_dir: {SOURCE_URI}", text)
    text = re.sub(r"(?m)^warm_pool_group: .*\n", "", text)
    for index in range(count):
        named = re.sub(r"(?m)^name: .*$", f"name: {job_name(index)}", text)
        (folder / f"{job_name(index)}.yaml").write_text(named)


def benchmark_specs(count: int) -> list[Any]:
    """`count` `JobSpec`s, the same jobs `write_job_files` writes."""
    from cdk_sagemaker_training.core.loader import load_jobs

    (base,) = load_jobs(TEMPLATE_JOB)
    base = replace(base, source_dir=SOURCE_URI, warm_pool_group=None)
    return [replace(base, name=job_name(index)) for index in range(count)]


def image_uri(spec: Any) -> str:
    """The job's training image in the baseline's region (resolved by this library: a
    user of aws-cdk-lib writes the URI by hand)."""
    from cdk_sagemaker_training.core.images import resolve_image

    return str(resolve_image(spec).uri(BASELINE_REGION))


@dataclass(frozen=True)
class BaselineJob:
    """The values a user passes to `SageMakerCreateTrainingJob` for one job."""

    name: str
    image_uri: str
    hyperparameters: dict[str, str]
    instance_type: str
    instance_count: int
    volume_size: int
    max_run: int


def baseline_job(spec: Any, image: str) -> BaselineJob:
    """The baseline's values for `spec` with training image `image`."""
    from cdk_sagemaker_training.core.request import json_encode

    hyperparameters = {k: json_encode(v) for k, v in spec.hyperparameters.items()}
    hyperparameters.update(
        {
            "sagemaker_program": json_encode(spec.entry_point),
            "sagemaker_submit_directory": json_encode(spec.source_dir),
            "sagemaker_training_compiler_enabled": "true",
            "sagemaker_training_compiler_debug_mode": "false",
        }
    )
    return BaselineJob(
        name=spec.name,
        image_uri=image,
        hyperparameters=hyperparameters,
        instance_type=spec.instance_type,
        instance_count=spec.instance_count,
        volume_size=spec.volume_size,
        max_run=spec.max_run,
    )


def build_baseline(stack: Any, jobs: list[BaselineJob]) -> None:
    """`jobs` with aws-cdk-lib's task in `stack`, next to the same output bucket and logs
    key as the reference app's stacks."""
    from aws_cdk import Duration, Size
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
    from cdk_sagemaker_training.cdk.output_bucket import OutputBucket

    bucket = OutputBucket(stack, "Output").bucket
    key = LauncherLogsKey(stack, "Logs").key
    for index, job in enumerate(jobs):
        task = tasks.SageMakerCreateTrainingJob(
            stack,
            f"Train{index}",
            training_job_name=sfn.JsonPath.format(
                f"{job.name}-{{}}", sfn.JsonPath.string_at("$$.Execution.Name")
            ),
            algorithm_specification=tasks.AlgorithmSpecification(
                training_image=tasks.DockerImage.from_registry(job.image_uri),
                training_input_mode=tasks.InputMode.FILE,
            ),
            hyperparameters=job.hyperparameters,
            input_data_config=[],
            output_data_config=tasks.OutputDataConfig(
                s3_output_location=tasks.S3Location.from_bucket(bucket, job.name)
            ),
            resource_config=tasks.ResourceConfig(
                instance_count=job.instance_count,
                instance_type=ec2.InstanceType(job.instance_type.removeprefix("ml.")),
                volume_size=Size.gibibytes(job.volume_size),
            ),
            stopping_condition=tasks.StoppingCondition(max_runtime=Duration.seconds(job.max_run)),
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
        )
        sfn.StateMachine(
            stack,
            f"Launcher{index}",
            definition_body=sfn.DefinitionBody.from_chainable(task),
            logs=sfn.LogOptions(
                destination=logs.LogGroup(stack, f"Logs{index}", encryption_key=key),
                level=sfn.LogLevel.ALL,
            ),
            tracing_enabled=True,
        )


def build_baseline_stacks(app: Any, jobs: list[BaselineJob], per_stack: int) -> None:
    """`jobs` with aws-cdk-lib's task in stacks of `per_stack`, named like the reference
    app's (`TrainingJobs1`, `TrainingJobs2`, ...)."""
    from aws_cdk import Stack

    for index in range(0, len(jobs), per_stack):
        stack = Stack(app, f"TrainingJobs{index // per_stack + 1}")
        build_baseline(stack, jobs[index : index + per_stack])


CLI_CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}
"""What the CDK CLI (package.json's, 2.1148.1) adds to an app's context on `cdk synth`
(the last key: the CLI, not the app, prints the validation report).
tests/test_benchmark_environment.py compares it with what the CLI passes."""
CLI_ENVIRONMENT = {
    "CDK_CLI_VERSION": "2.1148.1",
    "CDK_CLI_ASM_VERSION": "55.0.0",
    "CDK_DEFAULT_REGION": "us-east-1",  # the CLI's default without an AWS configuration
}
"""The CLI's other environment variables for the app, besides CDK_OUTDIR,
CDK_CONTEXT_JSON and the two files in the output folder (`synth_e2e._environment`)."""


def cdk_json_context() -> dict[str, Any]:
    """The feature flags of the project's cdk.json."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def status_mb(pid: int, field: str = "VmHWM") -> float:
    """A memory field of a process's /proc status (Linux; Default: its peak RSS), in MB;
    0 when unavailable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Write a benchmark's JSON results (with the Python version) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"python": sys.version.split()[0], **result}, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")


def run_worker(script: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `script ARGS...` in a fresh interpreter from the project root (Default `env`:
    this process's); the JSON object it prints last."""
    output = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def descendants(pid: int) -> list[int]:
    """The processes below `pid`, at any depth (Linux): jsii's node runtime starts the
    kernel as a child process of its own, so the app's node work and memory sit in a
    grandchild of the Python process."""
    found: list[int] = []
    pending = [pid]
    while pending:
        for task in Path(f"/proc/{pending.pop()}/task").glob("*/children"):
            try:
                below = [int(child) for child in task.read_text().split()]
            except OSError:  # the task ended while we looked
                continue
            found.extend(below)
            pending.extend(below)
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` and its descendants so far (Linux)."""
    total = 0.0
    for process in (pid, *descendants(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def own_peak_mb(pid: int) -> float:
    """Peak RSS of process `pid` plus its descendants (Python plus jsii's node processes)."""
    return status_mb(pid) + sum(status_mb(process) for process in descendants(pid))
