"""`TrainingJob(job=..., <options>)`: the definition and the construct's options never collide."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, cast

import pytest
from aws_cdk import App, Aspects, CfnElement, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from cdk_sagemaker_training import PlatformPolicy, TrainingJobPolicy
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.model import Framework, JobSpec
from cdk_sagemaker_training.testing import guardrail_conditions, launcher_requests
from tests.factories import BASE

ROLE_ARN = "arn:aws:iam::123456789012:role/team-training"
KEYS: dict[str, Any] = {
    "name": "keys-job",
    "framework": "pytorch",
    "framework_version": "1.13.1",
    "py_version": "py39",
    "entry_point": "train.py",
    "source_dir": "s3://code/keys/sourcedir.tar.gz",
    "instance_type": "ml.p3.2xlarge",
    "output_path": "s3://out/keys",
}


def stack() -> Stack:
    return Stack(App(), "Options")


def codes(job: TrainingJob) -> list[str]:
    """The job's error codes (warnings such as WPOOL102 do not block)."""
    return [f.code for f in job.findings if f.severity.value == "error"]


def synth_errors(job: TrainingJob) -> str:
    """What synthesis reports for `job`'s stack (it must fail)."""
    with pytest.raises(RuntimeError, match="Validation failed") as failure:
        Template.from_stack(Stack.of(job))
    return str(failure.value)


def test_from_keys_builds_the_same_spec_as_a_mapping() -> None:
    spec = JobSpec.from_keys(**KEYS)
    assert spec.framework is Framework.PYTORCH
    mapped = TrainingJob(stack(), "Mapped", job=KEYS)
    assert mapped.spec == spec


def test_from_keys_reports_every_problem_with_codes() -> None:
    with pytest.raises(SpecError) as error:
        JobSpec.from_keys(**{**KEYS, "instance_typ": "ml.p3.2xlarge", "volume_size": "big"})
    assert sorted(f.code for f in error.value.findings) == ["SPEC003", "SPEC004"]
    assert "did you mean 'instance_type'" in str(error.value)


def test_an_invalid_mapping_fails_synthesis_with_its_codes_not_a_traceback() -> None:
    job = TrainingJob(stack(), "Bad", job={**KEYS, "instance_typ": "x"})
    assert codes(job) == ["SPEC003"] and not job.valid
    with pytest.raises(SpecError):
        _ = job.spec
    assert "SPEC003" in synth_errors(job)


def test_a_role_arn_job_key_and_an_irole_option_is_a_finding() -> None:
    """Was `AttributeError: 'str' object has no attribute 'role_arn'`."""
    scope = stack()
    role = iam.Role(scope, "Own", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    job = TrainingJob(scope, "Twice", job={**KEYS, "role": ROLE_ARN}, role=role)
    assert codes(job) == ["CDK001"]
    assert "CDK001" in synth_errors(job)


def test_a_group_and_a_different_group_key_is_a_finding() -> None:
    """Was `SyntaxError: keyword argument repeated` in the keyword form."""
    scope = stack()
    group = WarmPoolGroup(scope, "Pool", name="bert")
    pooled = {**KEYS, "keep_alive_period_in_seconds": 600}
    job = TrainingJob(
        scope, "Other", job={**pooled, "warm_pool_group": "gpt"}, warm_pool_group=group
    )
    assert codes(job) == ["CDK002"]
    same = TrainingJob(scope, "Same", job={**pooled, "name": "same", "warm_pool_group": "bert"},
                       warm_pool_group=group)  # fmt: skip
    assert "CDK002" not in codes(same)


def test_an_output_bucket_and_an_output_path_is_a_finding() -> None:
    scope = stack()
    bucket = s3.Bucket(scope, "Out")
    job = TrainingJob(scope, "Out2", job=KEYS, output_bucket=bucket)
    assert codes(job) == ["CDK003"]
    fine = TrainingJob(scope, "Fine", job={**KEYS, "name": "fine", "output_path": None},
                       output_bucket=bucket)  # fmt: skip
    assert fine.valid


def test_an_own_role_inside_a_warm_pool_group_is_a_finding() -> None:
    scope = stack()
    group = WarmPoolGroup(scope, "Pool", name="bert")
    pooled = {**KEYS, "keep_alive_period_in_seconds": 600, "role": ROLE_ARN}
    job = TrainingJob(scope, "Own", job=pooled, warm_pool_group=group)
    assert codes(job) == ["CDK004"]


def test_a_training_job_is_grantable_through_its_execution_role() -> None:
    scope = stack()
    job = TrainingJob(scope, "Job", job=replace(BASE, name="grantable"))
    data = s3.Bucket(scope, "Data")
    grant = data.grant_read(job)
    assert grant.success
    template = Template.from_stack(scope)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("JobExecutionRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": Match.array_with(["s3:GetObject*"])})]
                )
            },
        },
    )


@pytest.fixture(scope="module")
def vpc_job() -> tuple[Stack, TrainingJob, Template]:
    """A job whose VPC, security group and keys are CDK objects, not strings."""
    scope = stack()
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    group = ec2.SecurityGroup(scope, "Sg", vpc=vpc)
    volume, output = kms.Key(scope, "Volume"), kms.Key(scope, "OutputKey")
    job = TrainingJob(
        scope,
        "Job",
        job={**KEYS, "name": "vpc-job", "instance_type": "ml.p3.2xlarge"},
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        security_groups=[group],
        volume_key=volume,
        output_key=output,
    )
    return scope, job, Template.from_stack(scope)


def test_cdk_vpc_and_keys_reach_the_request(vpc_job: tuple[Stack, TrainingJob, Template]) -> None:
    scope, job, template = vpc_job
    assert job.valid and codes(job) == []
    request = launcher_requests(template)["vpc-job"]
    subnets = request["VpcConfig"]["Subnets"]
    assert len(subnets) == 2 and all(s.startswith("${VpcIsolatedSubnet") for s in subnets)
    assert request["VpcConfig"]["SecurityGroupIds"] == [f"${{{_id(scope, 'Sg')}.GroupId}}"]
    assert request["ResourceConfig"]["VolumeKmsKeyId"] == f"${{{_id(scope, 'Volume')}.Arn}}"
    assert request["OutputDataConfig"]["KmsKeyId"] == f"${{{_id(scope, 'OutputKey')}.Arn}}"


def test_cdk_vpc_and_keys_reach_the_guardrails_and_the_role(
    vpc_job: tuple[Stack, TrainingJob, Template],
) -> None:
    scope, _, template = vpc_job
    conditions = guardrail_conditions(template)["vpc-job"]
    assert conditions["StringEquals"] == {
        "sagemaker:VolumeKmsKey": f"${{{_id(scope, 'Volume')}.Arn}}"
    }
    assert len(conditions["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"]) == 2
    # IKey grants go through the key (CDK's direction): the key policy or the role policy.
    template.has_resource_properties(
        "AWS::IAM::Role",
        Match.object_like(
            {
                "AssumeRolePolicyDocument": Match.object_like(
                    {
                        "Statement": [
                            Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})
                        ]
                    }
                )
            }
        ),
    )
    statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    key_resources = {
        json.dumps(s["Resource"]) for s in statements if "kms:CreateGrant" in s["Action"]
    }
    assert any(_id(scope, "Volume") in r for r in key_resources)
    assert any(_id(scope, "OutputKey") in r for r in key_resources)


def _id(scope: Stack, construct_id: str) -> str:
    """Logical id of a construct's default resource."""
    child = scope.node.find_child(construct_id).node.default_child
    return scope.get_logical_id(cast(CfnElement, child))


@pytest.mark.parametrize(
    ("options", "keys", "code"),
    [
        ({"vpc": True}, {}, "CDK005"),
        ({"security_groups": True}, {}, "CDK005"),
        (
            {"vpc": True, "security_groups": True},
            {"subnets": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"]},
            "CDK005",
        ),
        ({"volume_key": True}, {"volume_kms_key": "alias/x"}, "CDK006"),
        ({"output_key": True}, {"output_kms_key": "alias/x"}, "CDK006"),
    ],
    ids=["vpc-alone", "groups-alone", "vpc-twice", "volume-key-twice", "output-key-twice"],
)
def test_cdk_objects_that_contradict_the_definition(
    options: dict[str, bool], keys: dict[str, Any], code: str
) -> None:
    scope = stack()
    vpc = ec2.Vpc(scope, "Vpc", max_azs=1, nat_gateways=0)
    given: dict[str, Any] = {
        "vpc": vpc,
        "security_groups": [ec2.SecurityGroup(scope, "Sg", vpc=vpc)],
        "volume_key": kms.Key(scope, "K1"),
        "output_key": kms.Key(scope, "K2"),
    }
    job = TrainingJob(
        scope,
        "Job",
        job={**KEYS, **keys},
        **{name: given[name] for name in options},
    )
    assert codes(job) == [code]


@pytest.mark.parametrize("in_vpc", [True, False], ids=["cdk-vpc", "no-vpc"])
def test_platform_policies_see_cdk_typed_options(in_vpc: bool) -> None:
    scope = stack()
    Aspects.of(scope).add(TrainingJobPolicy(PlatformPolicy(require_vpc=True)))
    vpc = ec2.Vpc(scope, "Vpc", max_azs=1, nat_gateways=0)
    options: dict[str, Any] = (
        {"vpc": vpc, "security_groups": [ec2.SecurityGroup(scope, "Sg", vpc=vpc)]} if in_vpc else {}
    )
    job = TrainingJob(scope, "Job", job=KEYS, **options)
    if in_vpc:
        Template.from_stack(scope)  # synthesizes: POLICY005 does not fire
    else:
        assert "POLICY005" in synth_errors(job)
