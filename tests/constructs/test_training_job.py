"""TrainingJob: the launcher's definition equals the spec's request; roles; triggers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest
from aws_cdk import CfnElement
from aws_cdk.assertions import Annotations, Match
from constructs import IConstruct

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.images import ResolvedImage, resolve_image
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.launcher.definition import (
    JOB_NAME_PATH,
    JOB_NAME_PLACEHOLDER,
    QUOTA_ERRORS,
    THROTTLING_ERRORS,
)
from cdk_sagemaker_training.testing import guardrail_conditions, launcher_requests
from tests.constructs.conftest import PINNED, PINNED_ENV, Synthesized
from tests.factories import BASE
from tests.synth_helpers import definition, policy_statements, resources

EC2 = "arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>"
ENI = f"{EC2}:network-interface/*"


def logical_id(synth: Synthesized, construct: IConstruct) -> str:
    """The logical id of a construct's CloudFormation resource."""
    return synth.stack.get_logical_id(cast(CfnElement, construct.node.default_child))


def state_machine(synth: Synthesized, name: str) -> dict[str, Any]:
    """The ASL of one job's launcher."""
    resource_id = logical_id(synth, synth.jobs[name].state_machine)
    return definition(synth.template["Resources"][resource_id])


def role_statements(synth: Synthesized, role: Any) -> list[dict[str, Any]]:
    """Flattened statements of the policies attached to `role` (an iam.Role)."""
    return policy_statements(synth.template, logical_id(synth, role))


def test_task_parameters_equal_the_rendered_request(pinned: Synthesized) -> None:
    """Read back through the public testing helper, so it stays honest too."""
    region = str(PINNED_ENV.region)
    expected = render_request(
        PINNED, region=region, role_arn=str(PINNED.role), job_name=JOB_NAME_PLACEHOLDER
    )
    requests = launcher_requests(pinned.template)
    assert set(requests) == {"pinned", "kwargs-job"}
    assert requests["pinned"] == expected


def test_testing_helper_makes_intrinsics_readable(agnostic: Synthesized) -> None:
    request = launcher_requests(agnostic.template)["minimal"]
    role_id = logical_id(agnostic, agnostic.jobs["minimal"].role)
    assert request["RoleArn"] == f"${{{role_id}.Arn}}"
    image = request["AlgorithmSpecification"]["TrainingImage"]
    assert image.startswith("${DlcRegistry") and "[${AWS::Region}][account]}.dkr.ecr." in image
    assert image.endswith(resolve_image(BASE).tag)


def test_keep_alive_compiler_image_and_hyperparameters(pinned: Synthesized) -> None:
    asl = state_machine(pinned, "pinned")
    parameters = asl["States"]["Train"]["Parameters"]
    assert parameters["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 600
    image = parameters["AlgorithmSpecification"]["TrainingImage"]
    assert image == resolve_image(PINNED).uri("us-west-2")
    assert "huggingface-pytorch-trcomp-training" in image
    reserved = asl["States"]["SetDefaults"]["Parameters"]["reserved"]
    assert reserved["sagemaker_training_compiler_enabled"] == "true"
    assert reserved["sagemaker_training_compiler_debug_mode"] == "false"


def test_overrides_merge_over_defaults_and_never_replace_sdk_keys(agnostic: Synthesized) -> None:
    asl = state_machine(agnostic, "pool-b")
    defaults = asl["States"]["SetDefaults"]["Parameters"]
    assert defaults["hyperparameters"] == {"epochs": "2"}
    assert "sagemaker_program" in defaults["reserved"]
    assert asl["States"]["Train"]["Parameters"]["HyperParameters.$"] == (
        "States.JsonMerge(States.JsonMerge($.run.hyperparameters, $.hyperparameters, false), "
        "$.run.reserved, false)"
    )
    assert asl["States"]["HasOverrides"]["Choices"] == [
        {"Variable": "$.hyperparameters", "IsPresent": False, "Next": "NoOverrides"}
    ]


def test_run_job_integration_retries_and_failures(pinned: Synthesized) -> None:
    train = state_machine(pinned, "pinned")["States"]["Train"]
    assert train["Resource"] == "arn:<AWS::Partition>:states:::sagemaker:createTrainingJob.sync"
    assert train["Retry"][0]["ErrorEquals"] == list(THROTTLING_ERRORS)
    assert train["Retry"][0]["BackoffRate"] == 2
    assert [c["Next"] for c in train["Catch"]] == ["QuotaExceeded", "TrainingFailed"]
    assert train["Catch"][0]["ErrorEquals"] == list(QUOTA_ERRORS)


def test_quota_failure_names_the_quota_to_raise(pinned: Synthesized) -> None:
    states = state_machine(pinned, "pinned")["States"]
    cause = states["QuotaExceeded"]["CausePath"]
    assert "ml.p3.2xlarge for training job usage" in cause
    assert "ml.p3.2xlarge for training warm pool usage" in cause
    assert cause.endswith("SageMaker said: {}', $.error.Cause)")
    assert states["TrainingFailed"]["CausePath"] == "$.error.Cause"


def test_sdk_poll_integration_loops_on_describe(agnostic: Synthesized) -> None:
    states = state_machine(agnostic, "polled")["States"]
    assert states["Train"]["Resource"].endswith(":states:::aws-sdk:sagemaker:createTrainingJob")
    assert states["Train"]["Next"] == "WaitForJob"
    assert states["WaitForJob"] == {"Type": "Wait", "Seconds": 60, "Next": "DescribeJob"}
    assert states["DescribeJob"]["Parameters"] == {"TrainingJobName.$": JOB_NAME_PATH}
    choices = {c["StringEquals"]: c["Next"] for c in states["JobStatus"]["Choices"]}
    assert choices == {"Completed": "Succeeded", "Failed": "JobFailed", "Stopped": "JobStopped"}
    assert states["JobFailed"]["CausePath"] == "$.training.FailureReason"


def test_env_agnostic_image_comes_from_the_region_mapping(agnostic: Synthesized) -> None:
    spec = agnostic.jobs["pool-a"].spec
    image = resolve_image(spec)
    mappings = agnostic.template["Mappings"]
    table = {r: v["account"] for r, v in next(iter(mappings.values())).items()}
    name = next(
        n
        for n, m in mappings.items()
        if {r: v["account"] for r, v in m.items()} == dict(image.registries)
    )
    assert table  # every mapping lists regions
    parameters = state_machine(agnostic, "pool-a")["States"]["Train"]["Parameters"]
    assert parameters["AlgorithmSpecification"]["TrainingImage"] == (
        f"<FindInMap:{name}:<AWS::Region>:account>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>/"
        f"{image.repository}:{image.tag}"
    )
    assert parameters["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800
    assert agnostic.template["Mappings"][name]["ap-southeast-3"] == {
        "account": image.registries["ap-southeast-3"]
    }


def test_execution_role_has_exactly_the_reference_permissions(agnostic: Synthesized) -> None:
    job = agnostic.jobs["secure"]
    assert role_statements(agnostic, job.role) == [
        {
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            "Effect": "Allow",
            "Resource": [
                "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs",
                "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs:*",
            ],
        },
        {
            "Action": "cloudwatch:PutMetricData",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}},
            "Effect": "Allow",
            "Resource": "*",
        },
        {"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"},
        {
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Effect": "Allow",
            "Resource": ecr_repository(agnostic, "secure"),
        },
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [
                "arn:<AWS::Partition>:s3:::code-bucket/base/sourcedir.tar.gz",
                "arn:<AWS::Partition>:s3:::data-bucket/mnist/train*",
            ],
        },
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["mnist/train*"]}},
            "Effect": "Allow",
            "Resource": "arn:<AWS::Partition>:s3:::data-bucket",
        },
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Resource": "arn:<AWS::Partition>:s3:::out-bucket/secure/*",
        },
        {
            "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt"],
            "Effect": "Allow",
            "Resource": "arn:aws:kms:us-east-1:111122223333:key/volume",
        },
        {
            "Action": [
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            "Effect": "Allow",
            "Resource": "*",
        },
        {
            "Action": "ec2:CreateNetworkInterface",
            "Effect": "Allow",
            "Resource": [
                ENI,
                f"{EC2}:subnet/subnet-0a1b2c3d",
                f"{EC2}:security-group/sg-0a1b2c3d",
            ],
        },
        {
            "Action": [
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "Effect": "Allow",
            "Resource": ENI,
        },
    ]


def registry_mapping_name(synth: Synthesized, image: ResolvedImage) -> str:
    """The mapping whose region -> account table is exactly the image's (the SDK's)."""
    (name,) = [
        name
        for name, table in synth.template["Mappings"].items()
        if {region: row["account"] for region, row in table.items()} == dict(image.registries)
    ]
    return name


def ecr_repository(synth: Synthesized, name: str) -> str:
    """The flattened ECR repository ARN of one job's image in an agnostic stack."""
    image = resolve_image(synth.jobs[name].spec)
    mapping = registry_mapping_name(synth, image)
    return (
        f"arn:<AWS::Partition>:ecr:<AWS::Region>:<FindInMap:{mapping}:<AWS::Region>:account>"
        f":repository/{image.repository}"
    )


def test_execution_role_trusts_sagemaker_and_has_no_managed_policies(
    agnostic: Synthesized,
) -> None:
    role_id = logical_id(agnostic, agnostic.jobs["secure"].role)
    trusted = agnostic.assertions.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": Match.object_like(
                    {
                        "Statement": [
                            {
                                "Action": "sts:AssumeRole",
                                "Effect": "Allow",
                                "Principal": {"Service": "sagemaker.amazonaws.com"},
                            }
                        ]
                    }
                ),
                "ManagedPolicyArns": Match.absent(),
            }
        },
    )
    assert role_id in trusted


def test_launcher_role_guardrails(agnostic: Synthesized) -> None:
    job = agnostic.jobs["secure"]
    launcher = job.node.find_child("LauncherRole")
    statements = role_statements(agnostic, launcher)
    jobs_arn = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job/secure-*"
    role_arn = "<" + logical_id(agnostic, job.role) + ".Arn>"
    assert statements[:4] == [
        {
            "Action": "sagemaker:CreateTrainingJob",
            "Condition": {
                "ForAllValues:StringEquals": {
                    "sagemaker:InstanceTypes": ["ml.p3.2xlarge"],
                    "sagemaker:VpcSubnets": ["subnet-0a1b2c3d"],
                    "sagemaker:VpcSecurityGroupIds": ["sg-0a1b2c3d"],
                },
                "NumericLessThanEqualsIfExists": {
                    "sagemaker:KeepAlivePeriod": "0",
                    "sagemaker:MaxRuntimeInSeconds": "86400",
                },
                "StringEquals": {
                    "sagemaker:VolumeKmsKey": "arn:aws:kms:us-east-1:111122223333:key/volume"
                },
                "Bool": {
                    "sagemaker:NetworkIsolation": "true",
                    "sagemaker:InterContainerTrafficEncryption": "true",
                },
            },
            "Effect": "Allow",
            "Resource": jobs_arn,
        },
        {
            "Action": ["sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"],
            "Effect": "Allow",
            "Resource": jobs_arn,
        },
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": role_arn,
        },
        {
            "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            "Effect": "Allow",
            "Resource": "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>"
            ":rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule",
        },
    ]
    # The rest is what Step Functions needs for logging and X-Ray, added by CDK.
    extra = {
        a
        for s in statements[4:]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert extra and all(a.startswith(("logs:", "xray:")) for a in extra)


def test_keep_alive_guardrail_caps_the_configured_value(agnostic: Synthesized) -> None:
    conditions = guardrail_conditions(agnostic.template)
    caps = {job: c["NumericLessThanEqualsIfExists"] for job, c in conditions.items()}
    assert caps["pool-a"]["sagemaker:KeepAlivePeriod"] == 1800
    assert caps["minimal"]["sagemaker:KeepAlivePeriod"] == 0
    launcher = agnostic.jobs["pool-a"].node.find_child("LauncherRole")
    assert role_statements(agnostic, launcher)[0]["Resource"].endswith(":training-job/pool-a-*")


def test_warm_pool_group_shares_one_execution_role(agnostic: Synthesized) -> None:
    a, b = agnostic.jobs["pool-a"], agnostic.jobs["pool-b"]
    assert a.role is b.role
    role_arns = {
        state_machine(agnostic, n)["States"]["Train"]["Parameters"]["RoleArn"]
        for n in ("pool-a", "pool-b")
    }
    assert role_arns == {"<" + logical_id(agnostic, a.role) + ".Arn>"}
    statements = role_statements(agnostic, a.role)
    written = [s["Resource"] for s in statements if s["Action"] == "s3:PutObject"]
    assert len(written) == 1 and len(written[0]) == 2  # both jobs' prefixes, one role


def test_logging_and_tracing(agnostic: Synthesized) -> None:
    agnostic.assertions.all_resources_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like(
                {"Level": "ALL", "IncludeExecutionData": True}
            ),
        },
    )
    log_groups = resources(agnostic.template, "AWS::Logs::LogGroup")
    for machine in resources(agnostic.template, "AWS::StepFunctions::StateMachine").values():
        logging = machine["Properties"]["LoggingConfiguration"]
        destination = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
        log_group = log_groups[destination["Fn::GetAtt"][0]]
        assert "Fn::GetAtt" in log_group["Properties"]["KmsKeyId"]  # its own KMS key


def test_output_bucket_settings(agnostic: Synthesized) -> None:
    template = agnostic.assertions
    buckets = template.find_resources("AWS::S3::Bucket")
    assert buckets
    template.all_resources("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    template.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}})
                ]
            },
        },
    )
    # Every output bucket logs to its access-log bucket.
    logged = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.any_value()}}
    )
    assert len(logged) == len(buckets) // 2
    template.all_resources_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                ),
                "Version": Match.any_value(),
            }
        },
    )


def test_schedule_and_start_on_deploy(agnostic: Synthesized) -> None:
    job = agnostic.jobs["polled"]
    agnostic.assertions.resource_count_is("AWS::Events::Rule", 1)
    agnostic.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 day)",
            "Targets": [
                Match.object_like(
                    {
                        "Arn": {"Ref": logical_id(agnostic, job.state_machine)},
                        "Input": '{"hyperparameters":{"epochs":"2"}}',
                    }
                )
            ],
        },
    )
    (starter,) = resources(agnostic.template, "Custom::AWS").values()
    create = starter["Properties"]["Create"]
    assert '"action":"startExecution"' in str(create)
    assert job.definition_digest() in str(create)


def _digest(spec: JobSpec) -> str:
    """The definition digest of `spec`'s job, built in an app of its own."""
    from aws_cdk import App, Stack

    from cdk_sagemaker_training.cdk.training_job import TrainingJob

    return TrainingJob(Stack(App(), "Digest"), "Job", job=spec).definition_digest()


def test_start_on_deploy_trigger_changes_only_with_the_definition() -> None:
    spec = replace(BASE, name="digest")
    digest = _digest(spec)
    # A rebuild (new app, new token numbers) must not start the job again on deploy...
    assert _digest(spec) == digest
    # ...but a job of the same name with another request must.
    assert _digest(replace(spec, hyperparameters={"epochs": 3})) != digest
    assert _digest(replace(spec, instance_count=2)) != digest


def test_warnings_become_annotations_with_their_code(agnostic: Synthesized) -> None:
    Annotations.from_stack(agnostic.stack).has_warning(
        "/Test/Minimal", Match.string_like_regexp("^TRCOMP101 ")
    )


def test_keyword_arguments_build_the_same_kind_of_job(pinned: Synthesized) -> None:
    job = pinned.jobs["kwargs"]
    assert job.spec.name == "kwargs-job"
    parameters = state_machine(pinned, "kwargs")["States"]["Train"]["Parameters"]
    assert parameters["ResourceConfig"]["InstanceType"] == "ml.g5.2xlarge"


def test_request_is_exposed_for_tests(pinned: Synthesized) -> None:
    request = pinned.jobs["pinned"].request
    assert request["TrainingJobName"] == JOB_NAME_PLACEHOLDER
    assert request["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 600


def test_invalid_job_exposes_no_launcher() -> None:
    from aws_cdk import App, Stack

    from cdk_sagemaker_training.cdk.training_job import TrainingJob

    app = App()
    job = TrainingJob(Stack(app, "S"), "Bad", job=replace(PINNED, instance_type="ml.c5.xlarge"))
    assert not job.valid
    with pytest.raises(SpecError):
        _ = job.state_machine
    # ...and the app does not synthesize: the error names the construct and the code.
    with pytest.raises(RuntimeError, match=r"Validation failed(?s:.)*\[S/Bad\] TRCOMP001 "):
        app.synth()
