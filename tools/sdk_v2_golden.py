"""Record what SageMaker Python SDK v2 sends for each example job (golden files).

Run in a separate environment that has the SDK v2 (it is not a dependency):

    python3 -m venv /tmp/sdkv2 && /tmp/sdkv2/bin/pip install "sagemaker==2.257.7" ruamel.yaml
    /tmp/sdkv2/bin/python tools/sdk_v2_golden.py tests/golden \
        jobs tests/fixtures/jobs tests/fixtures/shapes

`tests/fixtures/shapes` holds one job per distribution shape and estimator (and spot with
checkpoints, FastFile input, a region whose DLC registry is not the default account).
When the SDK refuses a job, its message is written to `<name>.sdk-error.txt` instead of
a request: the library's rules must reject that job too. The region and job name of each
recording travel in its `sagemaker_region` / `sagemaker_job_name` hyperparameters.

Each job file's keys are passed to the SDK's estimator unchanged (that is the contract),
apart from the library's own keys and the compiler defaults the library documents
(profiler and debugger hook off for compiler jobs). No AWS call is made: the SDK's
`create_training_job` call is captured instead.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "constructs"))

import boto3
import sagemaker
from sagemaker.inputs import TrainingInput
from sagemaker.instance_group import InstanceGroup

from cdk_sagemaker_training.core.loader import load_jobs
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.request import WARM_POOL_CACHE_ENVIRONMENT

REGION = "us-east-1"
REGIONS = {"registry-region": "ap-east-1"}
"""Jobs recorded in another region than `REGION` (a non-default DLC registry account)."""
ROLE_ARN = "arn:aws:iam::111122223333:role/training"
SOURCE_URI = "s3://golden-bucket/source/sourcedir.tar.gz"
OUTPUT_PATH = "s3://golden-bucket/output"
LIBRARY_KEYS = {
    "name",
    "framework",
    "warm_pool_group",
    "sweep",
    "use_warm_pool_cache",
    "max_concurrent_runs",
    "stack",
    "source_file",
    "inputs",
    "compiler_config",
    "source_dir",
    "role",
    "environment",
    "tags",
    "metric_definitions",
    "input_mode",
    "output_path",
}


def estimator_class(spec: JobSpec) -> Any:
    if spec.framework == "huggingface":
        from sagemaker.huggingface import HuggingFace, TrainingCompilerConfig
    elif spec.framework == "pytorch":
        from sagemaker.pytorch import PyTorch as HuggingFace
        from sagemaker.pytorch import TrainingCompilerConfig
    else:
        from sagemaker.tensorflow import TensorFlow as HuggingFace
        from sagemaker.tensorflow import TrainingCompilerConfig
    return HuggingFace, TrainingCompilerConfig


def record(spec: JobSpec, job_name: str) -> dict[str, Any]:
    boto_session = boto3.Session(
        region_name=REGIONS.get(spec.name, REGION), aws_access_key_id="x", aws_secret_access_key="x"
    )
    session = sagemaker.Session(boto_session=boto_session, default_bucket="golden-bucket")
    captured: dict[str, Any] = {}
    session.sagemaker_client.create_training_job = lambda **request: (
        captured.update(request) or {"TrainingJobArn": "arn"}
    )
    estimator, compiler_config = estimator_class(spec)
    args = {
        k: v for k, v in vars(spec).items() if k not in LIBRARY_KEYS and v not in (None, (), {})
    }
    if not spec.warm_pool_enabled:
        args.pop("keep_alive_period_in_seconds")  # 0 is the library's "no pool", the SDK's None
    args = {
        k: (dict(v) if hasattr(v, "items") else list(v) if isinstance(v, tuple) else v)
        for k, v in args.items()
    }
    if spec.instance_groups:  # the SDK refuses instance_count next to instance_groups
        args.pop("instance_count")
        args["instance_groups"] = [
            InstanceGroup(g.instance_group_name, g.instance_type, g.instance_count)
            for g in spec.instance_groups
        ]
    if spec.compiler_config is not None:
        args["compiler_config"] = compiler_config(
            enabled=spec.compiler_config.enabled, debug=spec.compiler_config.debug
        )
        args.setdefault("disable_profiler", True)
        args["debugger_hook_config"] = False
    environment = dict(WARM_POOL_CACHE_ENVIRONMENT) if spec.use_warm_pool_cache else {}
    environment.update(spec.environment)
    if spec.source_is_local:
        args["source_dir"] = SOURCE_URI  # the constructs upload the folder to this archive
    elif spec.source_dir:
        args["source_dir"] = spec.source_dir
    est = estimator(
        role=ROLE_ARN,
        sagemaker_session=session,
        output_path=spec.output_path or OUTPUT_PATH,
        environment=environment or None,
        tags=[{"Key": k, "Value": v} for k, v in spec.tags.items()] or None,
        metric_definitions=[{"Name": m.name, "Regex": m.regex} for m in spec.metric_definitions]
        or None,
        input_mode=spec.input_mode.value,
        **args,
    )
    inputs = {
        c.name: TrainingInput(
            c.s3_data,
            distribution=c.distribution.value,
            content_type=c.content_type,
            input_mode=c.input_mode and c.input_mode.value,
            compression=c.compression and c.compression.value,
        )
        for c in spec.inputs
    }
    est.fit(inputs or None, wait=False, logs=False, job_name=job_name)
    return captured


def main() -> None:
    out, folders = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    out.mkdir(parents=True, exist_ok=True)
    sagemaker.telemetry.telemetry_logging._send_telemetry_request = lambda *a, **k: None
    for spec in (spec for folder in folders for spec in load_jobs(folder)):
        job_name = f"{spec.name}-20260101T000000-abcd"
        for stale in (out / f"{spec.name}.json", out / f"{spec.name}.sdk-error.txt"):
            stale.unlink(missing_ok=True)
        try:
            request = record(spec, job_name)
        except (ValueError, TypeError) as error:  # the SDK refuses the job
            (out / f"{spec.name}.sdk-error.txt").write_text(f"{type(error).__name__}: {error}\n")
            print(f"refused  {spec.name}: {error}")
            continue
        (out / f"{spec.name}.json").write_text(json.dumps(request, indent=2, sort_keys=True) + "\n")
        print(f"recorded {spec.name}")


if __name__ == "__main__":
    main()
