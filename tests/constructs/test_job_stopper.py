"""The stack's JobStopper and its wiring: rules shared by launchers, least privilege, logs."""

from __future__ import annotations

import json
from typing import Any, cast

import botocore.session
from aws_cdk import App, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms

from cdk_sagemaker_training.cdk.job_stopper import (
    EVENT_PATTERN_MAX_LENGTH,
    LAUNCHERS_PER_RULE,
    STATE_MACHINE_ARN_MAX_LENGTH,
    STOPPER_LOG_GROUP_PREFIX,
    JobStopper,
)
from cdk_sagemaker_training.cdk.launcher_logs import LOG_DELIVERY_AND_TRACING
from cdk_sagemaker_training.launcher.definition import STOPPED_STATUSES
from tests.constructs.conftest import Synthesized
from tests.constructs.test_training_job import logical_id
from tests.launcher_scenarios import state_machines
from tests.synth_helpers import policy_statements, resources

JOBS = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job"


def stop_rules(synth: Synthesized) -> dict[str, dict[str, Any]]:
    """The EventBridge rules that feed the stopper, by each state machine they watch."""
    watched = [
        (arn["Ref"], rule)
        for rule in resources(synth.template, "AWS::Events::Rule").values()
        if "EventPattern" in rule["Properties"]
        for arn in rule["Properties"]["EventPattern"]["detail"]["stateMachineArn"]
    ]
    assert len(watched) == len(dict(watched)), "a launcher is watched twice"
    return dict(watched)


def test_every_launcher_is_watched_by_one_stop_rule_to_the_stopper(
    agnostic: Synthesized,
) -> None:
    launchers, stopper = state_machines(agnostic.template)
    rules = stop_rules(agnostic)
    assert set(rules) == set(launchers)
    assert len({id(rule) for rule in rules.values()}) == 1  # fewer than LAUNCHERS_PER_RULE
    (stopper_id,) = [
        k
        for k, m in resources(agnostic.template, "AWS::StepFunctions::StateMachine").items()
        if m is stopper
    ]
    for rule in rules.values():
        pattern = rule["Properties"]["EventPattern"]
        assert pattern["source"] == ["aws.states"]
        assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
        assert pattern["detail"]["status"] == list(STOPPED_STATUSES)
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": stopper_id}


def test_stopper_may_search_and_stop_only_this_stacks_jobs(agnostic: Synthesized) -> None:
    roles = resources(agnostic.template, "AWS::IAM::Role")
    (role_id,) = [k for k in roles if k.startswith("TrainingJobStopperRole")]
    statements = policy_statements(agnostic.template, role_id)
    anywhere = {
        action
        for s in statements
        if s["Resource"] == "*"
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    # Besides Search: the log delivery and X-Ray actions Step Functions needs.
    assert anywhere - set(LOG_DELIVERY_AND_TRACING.actions) == {"sagemaker:Search"}
    (stop,) = [s for s in statements if s["Resource"] != "*"]
    assert stop["Action"] == "sagemaker:StopTrainingJob"
    assert sorted(stop["Resource"]) == sorted(f"{JOBS}/{name}-*" for name in agnostic.jobs)


def test_event_pattern_limit_is_the_events_api_models() -> None:
    model = botocore.session.get_session().get_service_model("events")
    request = model.operation_model("PutRule").input_shape
    assert request is not None
    pattern = request.members["EventPattern"]
    assert pattern.metadata["max"] == EVENT_PATTERN_MAX_LENGTH


def test_a_rule_watches_at_most_the_launchers_whose_longest_arns_fit_its_pattern() -> None:
    stack = Stack(App(), "Rules")
    stopper = JobStopper.of(stack, kms.Key(stack, "Key"))
    arns = [
        f"arn:aws-us-gov:states:ap-southeast-5:123456789012:stateMachine:{'a' * 76}{index:04d}"
        for index in range(LAUNCHERS_PER_RULE + 1)
    ]
    assert {len(arn) for arn in arns} == {STATE_MACHINE_ARN_MAX_LENGTH}
    for arn in arns:
        stopper.watch(arn, "job")
    first, second = (
        stack.resolve(cast(events.CfnRule, rule.node.default_child).event_pattern)
        for rule in stopper.rules
    )
    assert first["detail"]["stateMachineArn"] == arns[:-1]
    assert second["detail"]["stateMachineArn"] == arns[-1:]
    assert second["detail"]["status"] == list(STOPPED_STATUSES)
    assert len(json.dumps(first)) <= EVENT_PATTERN_MAX_LENGTH


def test_definitions_are_plain_json_with_substitutions(agnostic: Synthesized) -> None:
    for machine in resources(agnostic.template, "AWS::StepFunctions::StateMachine").values():
        properties = machine["Properties"]
        assert isinstance(properties["DefinitionString"], str)
        assert "Partition" in properties["DefinitionSubstitutions"]
        for name in properties["DefinitionSubstitutions"]:
            assert f"${{{name}}}" in properties["DefinitionString"]


def test_stopper_and_provider_log_groups_are_named_and_encrypted(agnostic: Synthesized) -> None:
    groups = resources(agnostic.template, "AWS::Logs::LogGroup")
    names = [g["Properties"].get("LogGroupName") for g in groups.values()]
    assert f"{STOPPER_LOG_GROUP_PREFIX}Test" in names
    provider = agnostic.template["Resources"]
    (function,) = [
        r for r in provider.values() if r["Type"] == "AWS::Lambda::Function"
    ]  # CDK's AwsCustomResource provider (start on deploy)
    group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert "KmsKeyId" in groups[group_id]["Properties"]
    assert all("KmsKeyId" in g["Properties"] for g in groups.values())


def test_job_definitions_hold_no_cdk_token_text(agnostic: Synthesized) -> None:
    job = agnostic.jobs["polled"]
    assert "${Token[" not in str(job.definition)
    assert set(job.substitutions) >= {"Partition", "Region", "OutputPath"}
    assert logical_id(agnostic, job.state_machine) in stop_rules(agnostic)
