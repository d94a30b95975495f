"""Launcher guardrails as data: the volume-key condition only for key ARNs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cdk_sagemaker_training.launcher.statements import create_conditions
from tests.factories import BASE

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_a_key_arn_is_pinned() -> None:
    conditions = create_conditions(replace(BASE, volume_kms_key=KEY_ARN))
    assert conditions["StringEquals"] == {"sagemaker:VolumeKmsKey": KEY_ARN}


@pytest.mark.parametrize(
    "key",
    [
        "alias/training",
        "arn:aws:kms:us-east-1:111122223333:alias/training",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
    ],
)
def test_an_alias_or_key_id_is_not_compared_literally(key: str) -> None:
    assert "StringEquals" not in create_conditions(replace(BASE, volume_kms_key=key))
