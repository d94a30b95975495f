"""Per-execution job names and placeholder conversion into ASL."""

from __future__ import annotations

import re

import pytest

from cdk_sagemaker_training.core.model import (
    JOB_NAME_MAX_LENGTH,
    JOB_NAME_PREFIX_MAX_LENGTH,
    RUN_SUFFIX_LENGTH,
    JobSpec,
)
from cdk_sagemaker_training.core.service_model import job_name_pattern
from cdk_sagemaker_training.launcher.definition import (
    JOB_NAME_PATH,
    JOB_NAME_PLACEHOLDER,
    Integration,
    escape_literal,
    job_name_expression,
    launcher_definition,
    request_from_definition,
    with_run_name,
)
from tests.core.test_request import GOLDEN_JOBS, render

# What the expression yields for StartTime 2024-01-31T12:34:56.789Z and a UUID whose
# second group is 0a1b.
SUFFIX = "-20240131T123456-0a1b"


def test_suffix_length_matches_the_spec_constant() -> None:
    assert len(SUFFIX) == RUN_SUFFIX_LENGTH


@pytest.mark.parametrize("prefix", ["a", "bert-ft", "x" * JOB_NAME_PREFIX_MAX_LENGTH])
def test_run_names_match_the_api_pattern(prefix: str) -> None:
    name = prefix + SUFFIX
    assert 1 <= len(name) <= JOB_NAME_MAX_LENGTH
    assert re.fullmatch(job_name_pattern(), name)


def test_name_expression_uses_start_time_and_a_uuid_group() -> None:
    expression = job_name_expression("bert")
    assert expression.startswith("States.Format('bert-{}{}{}{}{}-{}', ")
    assert expression.count("$$.Execution.StartTime, '-:.Z'") == 5
    assert expression.endswith("States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 1))")


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


def test_escaping_leaves_cdk_tokens_intact() -> None:
    assert escape_literal("a'b{c}\\ ${Token[TOKEN.12]}") == "a\\'b\\{c\\}\\\\ ${Token[TOKEN.12]}"


def test_placeholder_in_a_list_element_is_rejected() -> None:
    with pytest.raises(ValueError):
        with_run_name({"list": [JOB_NAME_PLACEHOLDER]})


@pytest.mark.parametrize("integration", list(Integration))
@pytest.mark.parametrize("spec", GOLDEN_JOBS, ids=[s.name for s in GOLDEN_JOBS])
def test_the_request_is_recovered_from_every_definition(
    spec: JobSpec, integration: Integration
) -> None:
    request = render(spec, job_name=JOB_NAME_PLACEHOLDER)
    definition = launcher_definition(
        request,
        job_name_prefix=spec.name,
        overridable=list(spec.hyperparameters),
        integration=integration,
        quota_cause="short",
        partition="aws",
    )
    assert request_from_definition(definition) == request


def test_escaped_text_around_the_run_name_is_recovered() -> None:
    text = f"it's {{x}} \\ {JOB_NAME_PLACEHOLDER}/a/{JOB_NAME_PLACEHOLDER}"
    definition = launcher_definition(
        {"TrainingJobName": JOB_NAME_PLACEHOLDER, "Environment": {"X": text}},
        job_name_prefix="p",
        overridable=[],
        integration=Integration.SDK_POLL,
        quota_cause="short",
        partition="aws",
    )
    assert request_from_definition(definition)["Environment"] == {"X": text}
