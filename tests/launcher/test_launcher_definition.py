"""The launcher's ASL without running it: names, placeholders, history budget, `.sync`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from cdk_sagemaker_training.core.launch_limits import (
    EXECUTION_LIMIT_SECONDS,
    LAUNCH_MARGIN_SECONDS,
)
from cdk_sagemaker_training.core.model import (
    JOB_NAME_MAX_LENGTH,
    JOB_NAME_PREFIX_MAX_LENGTH,
    MAX_RUN_LIMIT,
    RUN_SUFFIX_LENGTH,
    JobSpec,
)
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.rules import check_job, has_errors
from cdk_sagemaker_training.core.service_model import job_name_pattern
from cdk_sagemaker_training.launcher.definition import (
    EXECUTION_TAG,
    HISTORY_LIMIT,
    JOB_NAME_PATH,
    JOB_NAME_PLACEHOLDER,
    MIN_POLL_SECONDS,
    RETRY_RESERVE,
    SYNC_QUOTA_ERRORS,
    Integration,
    escape_literal,
    history_events,
    job_name_expression,
    launcher_definition,
    placeholder,
    poll_interval,
    request_from_definition,
    stopper_definition,
    with_run_name,
)
from tests.core.test_request import GOLDEN_JOBS, render
from tests.factories import BASE

ROLE = "arn:aws:iam::111122223333:role/training"

# What the expression yields: a UUID's first group, then another UUID's last group.
SUFFIX = "-0a1b2c3d" + "4e5f60718293"


def test_suffix_length_matches_the_spec_constant() -> None:
    assert len(SUFFIX) == RUN_SUFFIX_LENGTH


@pytest.mark.parametrize("prefix", ["a", "bert-ft", "x" * JOB_NAME_PREFIX_MAX_LENGTH])
def test_run_names_match_the_api_pattern(prefix: str) -> None:
    name = prefix + SUFFIX
    assert 1 <= len(name) <= JOB_NAME_MAX_LENGTH
    assert re.fullmatch(job_name_pattern(), name)


def test_name_expression_draws_80_random_bits() -> None:
    expression = job_name_expression("bert")
    assert expression == (
        "States.Format('bert-{}{}', "
        "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 0), "
        "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"
    )


def test_strings_with_the_placeholder_become_format_over_the_run_name() -> None:
    converted = with_run_name(
        {
            "name": JOB_NAME_PLACEHOLDER,
            "dir": f'"s3://b/{JOB_NAME_PLACEHOLDER}/model"',
            "plain": "it's {fine}",
            "nested": [{"x": JOB_NAME_PLACEHOLDER}],
        }
    )
    assert converted == {
        "name.$": JOB_NAME_PATH,
        "dir.$": f"States.Format('\"s3://b/{{}}/model\"', {JOB_NAME_PATH})",
        "plain": "it's {fine}",
        "nested": [{"x.$": JOB_NAME_PATH}],
    }


def test_escaping_leaves_placeholders_intact() -> None:
    assert escape_literal("a'b{c}\\ ${OutputPath}") == "a\\'b\\{c\\}\\\\ ${OutputPath}"
    assert placeholder("RoleArn") == "${RoleArn}"
    with pytest.raises(ValueError):
        placeholder("Role-Arn")


def test_placeholder_in_a_list_element_is_rejected() -> None:
    with pytest.raises(ValueError):
        with_run_name({"list": [JOB_NAME_PLACEHOLDER]})


DAY = 24 * 3600


def definition_for(
    spec: JobSpec, integration: Integration = Integration.SDK_POLL
) -> dict[str, Any]:
    request = render_request(spec, region="us-east-1", role_arn=ROLE, job_name=JOB_NAME_PLACEHOLDER)
    return launcher_definition(request, spec, integration=integration, quota_cause="raise it")


def longest_accepted() -> JobSpec:
    """The longest job the rules accept: a spot job with the API's longest max_run and the
    max_wait that fills one year with the launch margin; one more second is LAUNCH001."""
    spot = replace(BASE, use_spot_instances=True, max_run=MAX_RUN_LIMIT)
    spec = replace(spot, max_wait=EXECUTION_LIMIT_SECONDS - LAUNCH_MARGIN_SECONDS - MAX_RUN_LIMIT)
    assert not has_errors(check_job(spec))
    assert {f.code for f in check_job(replace(spot, max_run=MAX_RUN_LIMIT + 1))} & {"API002"}
    longer = replace(spec, max_wait=(spec.max_wait or 0) + 1)
    assert "LAUNCH001" in {f.code for f in check_job(longer)}
    return spec


def test_the_longest_accepted_job_fits_the_execution_history() -> None:
    asl = definition_for(longest_accepted())
    assert asl["TimeoutSeconds"] == EXECUTION_LIMIT_SECONDS
    interval = asl["States"]["WaitForJob"]["Seconds"]
    assert interval == 14_212  # about four hours between polls for a one-year job
    assert history_events(asl) <= HISTORY_LIMIT - RETRY_RESERVE
    assert history_events(asl) == 19_997


def test_a_28_day_spot_job_polls_every_18_minutes() -> None:
    spec = replace(BASE, use_spot_instances=True, max_run=28 * DAY, max_wait=28 * DAY)
    asl = definition_for(spec)
    assert asl["TimeoutSeconds"] == 56 * DAY + LAUNCH_MARGIN_SECONDS
    assert asl["States"]["WaitForJob"]["Seconds"] == 2_191
    assert history_events(asl) <= HISTORY_LIMIT - RETRY_RESERVE


def test_a_default_job_polls_every_minute_within_the_budget() -> None:
    asl = definition_for(BASE)
    assert asl["TimeoutSeconds"] == BASE.max_run + LAUNCH_MARGIN_SECONDS
    assert asl["States"]["WaitForJob"]["Seconds"] == MIN_POLL_SECONDS
    assert history_events(asl) <= HISTORY_LIMIT - RETRY_RESERVE


@pytest.mark.parametrize("timeout", [1, 60, 3600, DAY, 30 * DAY, EXECUTION_LIMIT_SECONDS])
def test_poll_interval_keeps_every_timeout_within_the_budget(timeout: int) -> None:
    asl = definition_for(BASE)
    asl["TimeoutSeconds"] = timeout
    asl["States"]["WaitForJob"]["Seconds"] = poll_interval(timeout)
    assert history_events(asl) <= HISTORY_LIMIT - RETRY_RESERVE


def test_sync_mode_definition() -> None:
    """The opt-in `.sync` integration cannot run in moto: its definition is checked here."""
    asl = definition_for(BASE, Integration.RUN_JOB)
    train = asl["States"]["Train"]
    assert train["Resource"] == "arn:${Partition}:states:::sagemaker:createTrainingJob.sync"
    assert train["End"] is True and train["ResultPath"] == "$.training"
    assert train["Catch"][0] == {
        "ErrorEquals": list(SYNC_QUOTA_ERRORS),
        "ResultPath": "$.error",
        "Next": "QuotaExceeded",
    }
    assert train["Parameters"]["Tags.$"] == "$.run.tags"
    assert asl["TimeoutSeconds"] == BASE.max_run + LAUNCH_MARGIN_SECONDS
    assert not {"WaitForJob", "DescribeJob"} & set(asl["States"])
    reachable = {train.get("Next"), *(c["Next"] for c in train["Catch"])} - {None}
    assert reachable <= set(asl["States"])


def test_every_job_is_tagged_with_its_execution() -> None:
    tags = definition_for(BASE)["States"]["SetDefaults"]["Parameters"]["tags"]
    assert tags[-1] == {"Key": EXECUTION_TAG, "Value.$": "$$.Execution.Id"}


def test_quota_cause_must_need_no_escaping() -> None:
    request = render_request(BASE, region="us-east-1", role_arn=ROLE, job_name=JOB_NAME_PLACEHOLDER)
    with pytest.raises(ValueError):
        launcher_definition(
            request, BASE, integration=Integration.SDK_POLL, quota_cause="raise 'x'"
        )


def test_stopper_finds_jobs_by_execution_tag() -> None:
    find = stopper_definition()["States"]["FindJobs"]
    filters = find["Parameters"]["SearchExpression"]["Filters"]
    assert filters[1] == {
        "Name": f"Tags.{EXECUTION_TAG}",
        "Operator": "Equals",
        "Value.$": "$.detail.executionArn",
    }


@pytest.mark.parametrize("integration", list(Integration))
@pytest.mark.parametrize("spec", GOLDEN_JOBS, ids=[s.name for s in GOLDEN_JOBS])
def test_the_request_is_recovered_from_every_definition(
    spec: JobSpec, integration: Integration
) -> None:
    request = render(spec, job_name=JOB_NAME_PLACEHOLDER)
    definition = launcher_definition(request, spec, integration=integration, quota_cause="short")
    assert request_from_definition(definition) == request


def test_escaped_text_around_the_run_name_is_recovered() -> None:
    text = f"it's {{x}} \\ {JOB_NAME_PLACEHOLDER}/a/{JOB_NAME_PLACEHOLDER}"
    definition = launcher_definition(
        {"TrainingJobName": JOB_NAME_PLACEHOLDER, "Environment": {"X": text}},
        replace(BASE, name="p", hyperparameters={}),
        integration=Integration.SDK_POLL,
        quota_cause="short",
    )
    assert request_from_definition(definition)["Environment"] == {"X": text}
