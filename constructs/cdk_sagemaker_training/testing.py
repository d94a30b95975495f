"""Helpers for assertion tests on templates that contain `TrainingJob` launchers.

    from aws_cdk.assertions import Template
    from cdk_sagemaker_training.testing import launcher_requests, guardrail_conditions

    template = Template.from_stack(stack)
    request = launcher_requests(template)["bert-finetune"]
    assert request["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800
    assert guardrail_conditions(template)["bert-finetune"]["Bool"] == {...}

CloudFormation intrinsics become readable `${...}` placeholders in `Fn::Sub` syntax:
`${AWS::Region}`, `${MyBucket}` (a `Ref`), `${MyRole.Arn}` (a `Fn::GetAtt`),
`${Mapping[${AWS::Region}][account]}` (a `Fn::FindInMap`). The run's job name is
`JOB_NAME_PLACEHOLDER`. Importing this module loads neither aws_cdk nor boto3: it reads
template dictionaries (a `Template` is converted with `Template.to_json()`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cdk_sagemaker_training.launcher.definition import (
    JOB_NAME_PLACEHOLDER,
    LAUNCHER_METADATA,
    request_from_definition,
)

CREATE_ACTION = "sagemaker:CreateTrainingJob"
_SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")

__all__ = [
    "JOB_NAME_PLACEHOLDER",
    "guardrail_conditions",
    "launcher_requests",
    "readable",
]


def _template_dict(template: Any) -> Mapping[str, Any]:
    """A template dictionary from a dict or an `aws_cdk.assertions.Template`."""
    return template if isinstance(template, Mapping) else template.to_json()


def readable(value: Any) -> Any:
    """`value` with every CloudFormation intrinsic replaced by a `${...}` placeholder."""
    if isinstance(value, list):
        return [readable(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    if len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"${{{argument}}}"
        if function == "Fn::GetAtt":
            resource, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return f"${{{resource}.{attribute}}}"
        if function == "Fn::Join":
            delimiter, parts = argument
            return str(delimiter).join(str(readable(part)) for part in parts)
        if function == "Fn::FindInMap":
            mapping, first, second = (readable(part) for part in argument)
            return f"${{{mapping}[{first}][{second}]}}"
        if function == "Fn::Sub":
            return argument if isinstance(argument, str) else argument[0]
        if function.startswith("Fn::"):
            return f"${{{function}({json.dumps(readable(argument), sort_keys=True)})}}"
    return {key: readable(item) for key, item in value.items()}


def _definition(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A state machine's ASL with intrinsics and definition substitutions made readable."""
    text = readable(properties["DefinitionString"])
    substitutions = {
        name: str(readable(value))
        for name, value in properties.get("DefinitionSubstitutions", {}).items()
    }
    if substitutions:
        text = _SUBSTITUTION.sub(
            lambda match: substitutions.get(match.group(1), match.group(0)), text
        )
    definition: dict[str, Any] = json.loads(text)
    return definition


def _launchers(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Launcher state machine resources by job name."""
    launchers = {}
    for resource in template.get("Resources", {}).values():
        job = resource.get("Metadata", {}).get(LAUNCHER_METADATA, {}).get("job")
        if resource.get("Type") == "AWS::StepFunctions::StateMachine" and job is not None:
            launchers[str(job)] = resource
    return launchers


def launcher_requests(template: Any) -> dict[str, dict[str, Any]]:
    """Each launcher's `CreateTrainingJob` request (as a run without overrides sends it),
    by job name."""
    return {
        job: request_from_definition(_definition(resource["Properties"]))
        for job, resource in _launchers(_template_dict(template)).items()
    }


def guardrail_conditions(template: Any) -> dict[str, dict[str, Any]]:
    """The IAM `Condition` on each launcher role's `sagemaker:CreateTrainingJob`, by job."""
    data = _template_dict(template)
    resources = data.get("Resources", {})
    conditions = {}
    for job, launcher in _launchers(data).items():
        role_id = launcher["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        statements = [
            statement
            for policy in resources[role_id]["Properties"].get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
            if CREATE_ACTION in _as_list(statement["Action"])
        ]
        if len(statements) != 1:
            raise ValueError(
                f"{job}: expected one {CREATE_ACTION} statement, found {len(statements)}"
            )
        conditions[job] = readable(statements[0].get("Condition", {}))
    return conditions


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
