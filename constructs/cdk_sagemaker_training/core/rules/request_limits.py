"""Rules on the rendered request: the API model's bounds and the documented limits it lacks.

Rules see a spec, not a deployment, so the request is rendered with placeholders for
what is known only at deploy or run time (role, job name suffix, source and output
locations, image). Each placeholder matches its API pattern and has a typical length,
so only what the job file says can break a limit. This is also why CDK tokens never
reach the checks: the core validates before any token is substituted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cdk_sagemaker_training.core.codes import lookup
from cdk_sagemaker_training.core.compiler import instance_class
from cdk_sagemaker_training.core.findings import Finding
from cdk_sagemaker_training.core.model import MAX_RUN_LIMIT, JobSpec
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.rules.registry import ERROR, Rule, RuleContext, Violation, rule
from cdk_sagemaker_training.core.service_limits import job_field, model_violations
from cdk_sagemaker_training.core.service_model import input_shape

API_REFERENCE = (
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html"
)
PLACEHOLDER_REGION = "us-east-1"
PLACEHOLDER_ROLE = "arn:aws:iam::111122223333:role/placeholder"
PLACEHOLDER_RUN_SUFFIX = "-20260101T000000-abcd"
"""As long as the launcher's per-run suffix (`RUN_SUFFIX_LENGTH`)."""
PLACEHOLDER_IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/placeholder:latest"
PLACEHOLDER_SOURCE = "s3://placeholder-bucket/source/sourcedir.tar.gz"
PLACEHOLDER_OUTPUT = "s3://placeholder-bucket/output"
LOCAL_STORAGE_CLASSES = (
    "g4dn",
    "g5",
    "g6",
    "g6e",
    "g7e",
    "p3dn",
    "p4d",
    "p4de",
    "p5",
    "p5e",
    "p5en",
    "p6-b200",
    "p6-b300",
    "p6e-gb200",
    "r5d",
    "trn1",
    "trn1n",
    "trn2",
)
"""Training instance classes with NVMe instance store (EC2 instance-store specifications),
which SageMaker encrypts in hardware and where `VolumeKmsKeyId` is refused."""
RESERVED_TAG_PREFIX = "aws:"


def placeholder_request(spec: JobSpec, region: str | None = None) -> dict[str, Any]:
    """`spec`'s request with placeholders for every deploy-time value."""
    return render_request(
        spec,
        region=region or PLACEHOLDER_REGION,
        role_arn=PLACEHOLDER_ROLE,
        job_name=f"{spec.name}{PLACEHOLDER_RUN_SUFFIX}",
        image_uri=spec.image_uri or PLACEHOLDER_IMAGE,
        source_uri=None if spec.source_dir and not spec.source_is_local else PLACEHOLDER_SOURCE,
        output_path=spec.output_path or PLACEHOLDER_OUTPUT,
    )


def request_violations(spec: JobSpec, request: dict[str, Any]) -> list[Violation]:
    """The model violations of `request`, one per job-file key (the first found)."""
    by_field: dict[str, str] = {}
    for violation in model_violations(request, input_shape()):
        by_field.setdefault(job_field(spec, request, violation.path), violation.message)
    return list(by_field.items())


@rule(
    "API001",
    ERROR,
    "The request breaks a bound of the SageMaker API",
    "Shorten, reduce or correct the value named; bounds, patterns and allowed values come "
    "from the installed botocore model, counting the hyperparameters and channel the "
    "library adds",
    source=API_REFERENCE,
)
def _model_bounds(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
    yield from request_violations(spec, placeholder_request(spec, context.region))


def check_request(spec: JobSpec, request: dict[str, Any]) -> list[Finding]:
    """API001 findings for a request rendered with real deploy-time values (`render`)."""
    check = Rule(definition=lookup("API001"), check=lambda s, _: request_violations(s, request))
    return check.run(spec, RuleContext())


@rule(
    "API002",
    ERROR,
    "max_run is over 28 days",
    f"Use at most {MAX_RUN_LIMIT} seconds; checkpoint and start a new job to train longer",
    source="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html",
)
def _max_run(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.max_run > MAX_RUN_LIMIT:
        yield "max_run", f"received {spec.max_run} seconds ({spec.max_run / 86400:.1f} days)"


@rule(
    "API003",
    ERROR,
    "volume_kms_key on an instance type with local NVMe storage",
    "Remove volume_kms_key (local storage is encrypted by the instance) or use an instance "
    f"type without instance store; local-storage classes: {', '.join(LOCAL_STORAGE_CLASSES)}",
    source="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html",
)
def _volume_key_on_local_storage(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.volume_kms_key is None:
        return
    local = [t for t in spec.instance_types if instance_class(t) in LOCAL_STORAGE_CLASSES]
    if local:
        yield "volume_kms_key", f"received a key with {', '.join(local)} (local NVMe storage)"


@rule(
    "API004",
    ERROR,
    "Tag key uses the reserved aws: prefix",
    "Rename the tag; keys starting with aws: (any case) are reserved for AWS",
    source="https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html",
)
def _reserved_tags(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    for key in spec.tags:
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            yield f"tags.{key}", f"received {key!r}"
