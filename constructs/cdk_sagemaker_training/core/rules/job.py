"""Rules on a job's identity, image, resources, data locations and run limits."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from cdk_sagemaker_training.core.distribution import DistributionKey
from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.model import (
    JOB_NAME_PATTERN,
    JOB_NAME_PREFIX_MAX_LENGTH,
    S3_URI_PATTERN,
    Framework,
    JobSpec,
)
from cdk_sagemaker_training.core.rules.registry import (
    ERROR,
    RuleContext,
    SetViolation,
    Violation,
    rule,
    set_rule,
)
from cdk_sagemaker_training.core.service_model import bounds, enum_values

STACK_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
# IAM names are ASCII (letters, digits and `+=,.@_-`): so is `\w` here (and compiling the
# Unicode class took 36 ms of every import).
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)
SOURCE_ARCHIVE_SUFFIX = ".tar.gz"
RESERVED_HYPERPARAMETER_PREFIX = "sagemaker_"
KNOWN_DISTRIBUTIONS = tuple(DistributionKey)
VERSION_KEYS = {
    Framework.HUGGINGFACE: ("transformers_version",),
    Framework.PYTORCH: ("framework_version",),
    Framework.TENSORFLOW: ("framework_version",),
}
FOREIGN_VERSION_KEYS = {
    Framework.HUGGINGFACE: ("framework_version",),
    Framework.PYTORCH: ("transformers_version", "pytorch_version", "tensorflow_version"),
    Framework.TENSORFLOW: ("transformers_version", "pytorch_version", "tensorflow_version"),
}


def version_problems(spec: JobSpec) -> list[Violation]:
    """Missing or misplaced version keys for the job's framework."""
    if spec.image_uri is not None:
        return []
    problems = [
        (key, f"missing {key} for framework {spec.framework.value}")
        for key in VERSION_KEYS[spec.framework]
        if getattr(spec, key) is None
    ]
    problems += [
        (key, f"{key} does not apply to framework {spec.framework.value}")
        for key in FOREIGN_VERSION_KEYS[spec.framework]
        if getattr(spec, key) is not None
    ]
    if spec.framework is Framework.HUGGINGFACE:
        bases = [k for k in ("pytorch_version", "tensorflow_version") if getattr(spec, k)]
        if len(bases) != 1:
            problems.append(
                ("pytorch_version", "set exactly one of pytorch_version or tensorflow_version")
            )
    return problems


@rule(
    "JOB001",
    ERROR,
    "Job name is not a valid training-job name prefix",
    f"Use letters, digits and hyphens, at most {JOB_NAME_PREFIX_MAX_LENGTH} characters "
    "(the launcher appends a 21-character run suffix; SageMaker allows 63)",
)
def _name(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if not JOB_NAME_PATTERN.fullmatch(spec.name):
        yield "name", f"received {spec.name!r}"
    elif len(spec.name) > JOB_NAME_PREFIX_MAX_LENGTH:
        yield "name", f"received {len(spec.name)} characters"


@rule(
    "JOB002",
    ERROR,
    "Framework versions missing or mixed",
    "Hugging Face: transformers_version plus pytorch_version or tensorflow_version; "
    "PyTorch and TensorFlow: framework_version",
)
def _versions(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    yield from version_problems(spec)


@rule("IMAGE001")
def _image(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if version_problems(spec):
        return  # reported by JOB002
    try:
        resolve_image(spec)
    except SpecError as error:  # resolution names the field and the supported values
        yield from ((finding.path, finding.message) for finding in error.findings)


@rule("IMAGE002")
def _image_region(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
    if context.region is None or spec.image_uri is not None or version_problems(spec):
        return
    try:
        image = resolve_image(spec)
    except SpecError:
        return  # reported by IMAGE001
    if context.region not in image.registries:
        yield (
            "region",
            (
                f"{image.repository}:{image.tag} is not published in {context.region}; "
                f"available in: {', '.join(sorted(image.registries))}"
            ),
        )


@rule(
    "JOB003",
    ERROR,
    "Set either instance_type or instance_groups",
    "Give instance_type (with instance_count), or instance_groups for a heterogeneous cluster",
)
def _instances(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.instance_type is None and not spec.instance_groups:
        yield "instance_type", "missing instance_type"
    if spec.instance_type is not None and spec.instance_groups:
        yield "instance_groups", "received both instance_type and instance_groups"
    names = [g.instance_group_name for g in spec.instance_groups]
    if len(set(names)) != len(names):
        yield "instance_groups", f"duplicate instance_group_name in {names}"
    most = bounds("ResourceConfig", "InstanceGroups")[1]
    if most is not None and len(spec.instance_groups) > most:
        yield "instance_groups", f"received {len(spec.instance_groups)} groups; at most {most}"


@rule(
    "JOB004",
    ERROR,
    "Number out of range",
    "Use a positive value within the bounds of the SageMaker API",
)
def _numbers(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    checks: list[tuple[str, int | None, tuple[int | None, int | None]]] = [
        ("instance_count", spec.instance_count, (1, None)),
        ("volume_size", spec.volume_size, (1, None)),
        ("max_run", spec.max_run, bounds("StoppingCondition", "MaxRuntimeInSeconds")),
        ("max_wait", spec.max_wait, bounds("StoppingCondition", "MaxWaitTimeInSeconds")),
        (
            "max_retry_attempts",
            spec.max_retry_attempts,
            bounds("RetryStrategy", "MaximumRetryAttempts"),
        ),
        ("max_concurrent_runs", spec.max_concurrent_runs, (1, None)),
        *(
            (f"instance_groups[{i}].instance_count", g.instance_count, (1, None))
            for i, g in enumerate(spec.instance_groups)
        ),
    ]
    for path, value, (low, high) in checks:
        if value is None:
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            allowed = f"{low if low is not None else ''}-{high if high is not None else ''}"
            yield path, f"received {value}; allowed {allowed}"


@rule(
    "JOB005",
    ERROR,
    "Not an S3 location",
    "Use an s3://bucket/prefix URI (source_dir on S3 must be a .tar.gz archive)",
)
def _s3_locations(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    locations = [
        *((f"inputs.{c.name}.s3_data", c.s3_data) for c in spec.inputs),
        ("output_path", spec.output_path),
        ("checkpoint_s3_uri", spec.checkpoint_s3_uri),
    ]
    for path, value in locations:
        if value is not None and not S3_URI_PATTERN.fullmatch(value):
            yield path, f"received {value!r}"
    if (
        spec.source_dir is not None
        and not spec.source_is_local
        and not (
            S3_URI_PATTERN.fullmatch(spec.source_dir)
            and spec.source_dir.endswith(SOURCE_ARCHIVE_SUFFIX)
        )
    ):
        yield "source_dir", f"received {spec.source_dir!r} (the training toolkit un-tars it)"


@rule(
    "JOB006",
    ERROR,
    "Unknown training instance type",
    "Use an instance type from the SageMaker API's TrainingInstanceType list",
)
def _instance_types(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    known = enum_values("ResourceConfig", "InstanceType")
    for instance_type in spec.instance_types:
        if instance_type not in known:
            yield "instance_type", f"received {instance_type!r}"


@rule(
    "JOB007",
    ERROR,
    "Spot settings are inconsistent",
    "With use_spot_instances set max_wait >= max_run; without it remove max_wait",
)
def _spot(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.use_spot_instances and spec.max_wait is None:
        yield "max_wait", "missing max_wait for a spot job"
    elif spec.use_spot_instances and spec.max_wait is not None and spec.max_wait < spec.max_run:
        yield "max_wait", f"received {spec.max_wait}, less than max_run {spec.max_run}"
    if not spec.use_spot_instances and spec.max_wait is not None:
        yield "max_wait", "received max_wait without use_spot_instances"


@rule(
    "JOB008",
    ERROR,
    "Not an IAM role ARN",
    "Use arn:aws:iam::<account>:role/<name>, or omit role to get a least-privilege role",
)
def _role(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.role is not None and not ROLE_ARN_PATTERN.fullmatch(spec.role):
        yield "role", f"received {spec.role!r}"


@rule(
    "JOB009",
    ERROR,
    "Training code not found",
    "source_dir is relative to the directory you run from; entry_point must be a file in it",
)
def _source(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if Path(spec.entry_point).is_absolute() or ".." in Path(spec.entry_point).parts:
        yield "entry_point", f"received {spec.entry_point!r}; use a path inside source_dir"
        return
    if not spec.source_is_local or spec.source_dir is None:
        return
    folder = Path(spec.source_dir)
    try:  # a path the OS refuses (too long, NUL byte) is reported, not raised
        is_dir, is_file = folder.is_dir(), (folder / spec.entry_point).is_file()
    except (OSError, ValueError) as error:
        yield (
            "entry_point",
            f"received {spec.entry_point!r:.100} in {spec.source_dir!r:.100}: "
            f"{getattr(error, 'strerror', None) or error}",
        )
        return
    if not is_dir:
        yield "source_dir", f"received {spec.source_dir!r}, which is not a directory"
    elif not is_file:
        yield "entry_point", f"received {spec.entry_point!r}, not found in {spec.source_dir}"


@rule(
    "JOB010",
    ERROR,
    "Checkpoint settings are inconsistent",
    "checkpoint_local_path needs checkpoint_s3_uri",
)
def _checkpoints(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.checkpoint_local_path is not None and spec.checkpoint_s3_uri is None:
        yield "checkpoint_local_path", "received checkpoint_local_path without checkpoint_s3_uri"


@rule(
    "JOB011",
    ERROR,
    "Unknown distribution",
    f"Use one of the SDK's distribution keys: {', '.join(KNOWN_DISTRIBUTIONS)}",
)
def _distribution(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    for key, settings in spec.distribution.items():
        if key not in KNOWN_DISTRIBUTIONS:
            yield f"distribution.{key}", f"received {key!r}"
        elif not isinstance(settings, dict):
            yield f"distribution.{key}", f"received {settings!r}; expected a mapping"
        elif key == DistributionKey.SMDISTRIBUTED and "modelparallel" in settings:
            yield (
                "distribution.smdistributed.modelparallel",
                "received modelparallel, which this library does not render",
            )


@rule(
    "JOB012",
    ERROR,
    "Reserved hyperparameter or channel name",
    "Rename it: sagemaker_* hyperparameters are set by the library, and with network "
    "isolation the channel 'code' carries the source archive",
)
def _reserved_names(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    for key in spec.hyperparameters:
        if key.startswith(RESERVED_HYPERPARAMETER_PREFIX):
            yield f"hyperparameters.{key}", f"received {key!r}"
    if spec.enable_network_isolation and any(c.name == "code" for c in spec.inputs):
        yield "inputs.code", "received a channel named 'code' with network isolation"


@rule(
    "JOB013",
    ERROR,
    "Not a valid stack name",
    "Use a letter, then letters, digits and hyphens (at most 64 characters)",
)
def _stack_name(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.stack is not None and not STACK_NAME_PATTERN.fullmatch(spec.stack):
        yield "stack", f"received {spec.stack!r}"


@set_rule(
    "JOB014",
    ERROR,
    "Jobs of one warm-pool group name different stacks",
    "Give every job of the group the same stack (a group deploys in one stack)",
)
def _group_stack(specs: Sequence[JobSpec], _: RuleContext) -> Iterator[SetViolation]:
    stacks: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.warm_pool_group is None:
            continue
        first = stacks.setdefault(spec.warm_pool_group, spec)
        if spec.stack != first.stack:
            yield (
                spec,
                "stack",
                f"received {spec.stack!r} but job {first.name!r} of warm-pool group "
                f"{spec.warm_pool_group!r} has {first.stack!r}",
            )
