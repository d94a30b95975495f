"""The delivery pipeline's templates: stages, synth and gate commands, approval, roles,
cdk-nag and cfn-lint (one synthesis per session: `pipeline_app`)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from cdk_sagemaker_training.aws.permissions import QUOTA_ACTIONS
from stacks.pipeline import PIPELINE_STACK_ID, READER_STACK_PREFIX, TrainingPipelineStack
from tests.pipeline.conftest import CONFIG, PipelineSynth
from tests.synth_helpers import ROOT, cfn_lint, nag_violations, policy_statements, resources

PACKAGE = json.loads((ROOT / "package.json").read_text())


def pipeline_template(synth: PipelineSynth) -> dict[str, Any]:
    return synth.template(PIPELINE_STACK_ID)


def stages(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The pipeline's actions by stage name, in order."""
    (pipeline,) = resources(template, "AWS::CodePipeline::Pipeline").values()
    return {stage["Name"]: stage["Actions"] for stage in pipeline["Properties"]["Stages"]}


def run_order(actions: list[dict[str, Any]]) -> dict[str, int]:
    return {action["Name"]: action["RunOrder"] for action in actions}


def buildspec(template: dict[str, Any], project_id_part: str) -> dict[str, Any]:
    (project,) = [
        p
        for logical_id, p in resources(template, "AWS::CodeBuild::Project").items()
        if project_id_part in logical_id
    ]
    return dict(json.loads(project["Properties"]["Source"]["BuildSpec"]))


def test_one_stage_per_environment_after_source_synth_and_self_mutation(
    pipeline_app: PipelineSynth,
) -> None:
    names = list(stages(pipeline_template(pipeline_app)))
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "dev", "prod"]


def test_source_is_the_configured_connection(pipeline_app: PipelineSynth) -> None:
    (source,) = stages(pipeline_template(pipeline_app))["Source"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["FullRepositoryId"] == "my-org/training-jobs"
    assert source["Configuration"]["BranchName"] == "main"
    assert source["Configuration"]["ConnectionArn"].startswith("arn:aws:codeconnections:")


def test_synth_runs_the_readme_commands_with_the_pinned_cli(pipeline_app: PipelineSynth) -> None:
    template = pipeline_template(pipeline_app)
    spec = buildspec(template, "BuildSynth")
    assert spec["phases"]["install"]["commands"] == ["make install"]
    assert spec["phases"]["build"]["commands"] == [
        f'PATH="$PWD/.venv/bin:$PATH" npx cdk synth --quiet -c pipeline={CONFIG}'
    ]
    cli = PACKAGE["devDependencies"]["aws-cdk"]
    mutation = buildspec(template, "SelfMutation")
    assert mutation["phases"]["install"]["commands"] == [f"npm install -g aws-cdk@{cli}"]
    assets = PACKAGE["devDependencies"]["cdk-assets"]
    asset_installs = {
        json.dumps(json.loads(p["Properties"]["Source"]["BuildSpec"])["phases"]["install"])
        for logical_id, p in resources(template, "AWS::CodeBuild::Project").items()
        if "Assets" in logical_id
    }
    assert asset_installs == {json.dumps({"commands": [f"npm install -g cdk-assets@{assets}"]})}


def test_each_stage_runs_its_quota_gate_before_the_deploy(pipeline_app: PipelineSynth) -> None:
    template = pipeline_template(pipeline_app)
    for stage, region in (("dev", "us-east-1"), ("prod", "us-west-2")):
        order = run_order(stages(template)[stage])
        deploys = [order[name] for name in order if name.endswith((".Prepare", ".Deploy"))]
        assert deploys and order["QuotaGate"] < min(deploys)
        commands = buildspec(template, f"{stage}QuotaGate")["phases"]["build"]["commands"]
        assert commands[-1] == (
            f".venv/bin/cdk-sagemaker-training quotas jobs --region {region} --profile quota-reader"
        )


def test_gate_assumes_the_reader_role_of_its_stage_account(pipeline_app: PipelineSynth) -> None:
    Template.from_json(pipeline_template(pipeline_app)).has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Environment": Match.object_like(
                {
                    "EnvironmentVariables": [
                        {
                            "Name": "QUOTA_READER_ROLE_ARN",
                            "Type": "PLAINTEXT",
                            "Value": "arn:aws:iam::333333333333:role/training-jobs-quota-reader",
                        }
                    ]
                }
            )
        },
    )


def test_only_the_protected_stage_waits_for_approval(pipeline_app: PipelineSynth) -> None:
    by_stage = stages(pipeline_template(pipeline_app))
    approvals = {
        stage: [a["Name"] for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
        for stage, actions in by_stage.items()
    }
    assert approvals == {name: (["Approve"] if name == "prod" else []) for name in by_stage}
    order = run_order(by_stage["prod"])
    assert order["Approve"] < order["QuotaGate"]


def test_gate_role_may_assume_only_the_reader_role(pipeline_app: PipelineSynth) -> None:
    template = pipeline_template(pipeline_app)
    (role_id,) = [
        logical_id
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if role["Properties"].get("RoleName") == "training-jobs-quota-gate-prod"
    ]
    statements = policy_statements(template, role_id)
    actions = {a for s in statements for a in _listed(s["Action"])}
    assume = [s for s in statements if "sts:AssumeRole" in s["Action"]]
    assert [s["Resource"] for s in assume] == [
        "arn:aws:iam::333333333333:role/training-jobs-quota-reader"
    ]
    # The rest is what CDK Pipelines grants any CodeBuild step: its logs, reports and the
    # source artifact (read only).
    assert {a.split(":")[0] for a in actions} == {"sts", "logs", "codebuild", "s3", "kms"}
    assert not [a for a in actions if a.startswith(("s3:Put", "s3:Delete"))]


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_reader_role_reads_quotas_only_and_trusts_only_the_gates(
    pipeline_app: PipelineSynth,
) -> None:
    template = pipeline_app.template(f"{READER_STACK_PREFIX}333333333333")
    (role,) = resources(template, "AWS::IAM::Role").values()
    properties = role["Properties"]
    assert properties["RoleName"] == "training-jobs-quota-reader"
    (statement,) = properties["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement == {"Action": sorted(QUOTA_ACTIONS), "Effect": "Allow", "Resource": "*"}
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/training-jobs-quota-gate-prod"]
        }
    }
    assert "111111111111" in json.dumps(trust["Principal"])


def test_stages_deploy_the_reference_app_stacks_in_their_environment(
    pipeline_app: PipelineSynth,
) -> None:
    (pipeline,) = [s for s in pipeline_app.stacks if isinstance(s, TrainingPipelineStack)]
    for name, account, region, starts in (
        ("dev", "222222222222", "us-east-1", True),
        ("prod", "333333333333", "us-west-2", False),
    ):
        stacks = pipeline.stages[name].stacks
        assert [s.stack_name for s in stacks] == [f"{name}-TrainingJobs1"]
        assert {(s.account, s.region) for s in stacks} == {(account, region)}
        # run_after_deploy: each launcher starts when its definition digest changes
        template = Template.from_stack(stacks[0])
        count = len(resources(template.to_json(), "Custom::AWS"))
        assert (count > 0) is starts


def test_cdk_nag_is_clean(pipeline_app: PipelineSynth) -> None:
    assert nag_violations(pipeline_app.outdir) == []


def test_cfn_lint_is_clean(pipeline_app: PipelineSynth) -> None:
    templates = pipeline_app.templates()
    # the pipeline, two readers, the us-west-2 replication support stack, two stages
    assert len(templates) == 6
    result = cfn_lint(templates)
    assert result.returncode == 0, result.stdout + result.stderr
