"""The stack's JobStopper and its wiring: one rule per launcher, least privilege, logs."""

from __future__ import annotations

from typing import Any

from cdk_sagemaker_training.cdk.job_stopper import STOPPER_LOG_GROUP_PREFIX
from cdk_sagemaker_training.launcher.definition import STOPPED_STATUSES
from tests.constructs.conftest import Synthesized
from tests.constructs.test_training_job import logical_id
from tests.launcher_scenarios import state_machines
from tests.synth_helpers import policy_statements, resources

JOBS = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job"


def stop_rules(synth: Synthesized) -> dict[str, dict[str, Any]]:
    """The EventBridge rules that feed the stopper, by the state machine they watch."""
    return {
        rule["Properties"]["EventPattern"]["detail"]["stateMachineArn"][0]["Ref"]: rule
        for rule in resources(synth.template, "AWS::Events::Rule").values()
        if "EventPattern" in rule["Properties"]
    }


def test_every_launcher_has_one_stop_rule_to_the_stopper(agnostic: Synthesized) -> None:
    launchers, stopper = state_machines(agnostic.template)
    rules = stop_rules(agnostic)
    assert set(rules) == set(launchers)
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
    (anywhere,) = [s for s in statements if s["Resource"] == "*"]
    sagemaker = [a for a in anywhere["Action"] if not a.startswith(("logs:", "xray:"))]
    assert sagemaker == ["sagemaker:Search"]  # CDK adds log delivery and X-Ray
    assert [s for s in statements if s is not anywhere] == [
        {
            "Action": "sagemaker:StopTrainingJob",
            "Effect": "Allow",
            "Resource": sorted(f"{JOBS}/{name}-*" for name in agnostic.jobs),
        },
    ]


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
