"""Training images in CloudFormation: a concrete URI, or a region->account `CfnMapping`.

An environment-agnostic stack does not know its region at synth, so the registry
account comes from a mapping built from the image's own region table (the SDK's), and
deploying to a region without the image fails at `Fn::FindInMap`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from aws_cdk import CfnMapping
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.scope_cache import stack_cache, stack_of
from cdk_sagemaker_training.core.images import ResolvedImage

ACCOUNT_KEY = "account"


@dataclass(frozen=True)
class ImageReference:
    """How a stack names one image: its URI and the ECR repository to allow pulls from."""

    uri: str
    repository_arn: str | None
    """None for an explicit `image_uri` outside ECR (nothing to scope)."""


def _repository_arn(region: str, account: str, repository: str) -> str:
    return f"arn:{pseudo.partition()}:ecr:{region}:{account}:repository/{repository}"


def _mapping_id(image: ResolvedImage) -> str:
    table = dict(sorted(image.registries.items()))
    return f"DlcRegistry{hashlib.sha256(json.dumps(table).encode()).hexdigest()[:8]}"


def registry_mapping(scope: Construct, image: ResolvedImage) -> CfnMapping:
    """The stack's mapping for `image`'s region table (one per distinct table)."""
    stack = stack_of(scope)
    table = dict(sorted(image.registries.items()))
    mapping_id = _mapping_id(image)
    existing = stack.node.try_find_child(mapping_id)
    if isinstance(existing, CfnMapping):
        return existing
    return CfnMapping(
        stack,
        mapping_id,
        mapping={region: {ACCOUNT_KEY: account} for region, account in table.items()},
    )


def image_reference(scope: Construct, image: ResolvedImage) -> ImageReference:
    """The URI and repository of `image` in `scope`'s stack, for its region when known.

    Raises `SpecError` (IMAGE002) when the stack's region is known and has no image.
    """
    if image.explicit_uri is not None:
        arn = next(
            (_repository_arn(r, a, image.repository) for r, a in image.registries.items()), None
        )
        return ImageReference(uri=image.explicit_uri, repository_arn=arn)
    stack = stack_of(scope)
    cache = stack_cache(stack)
    region = cache.region
    if region is not None:
        account = image.account(region)
        return ImageReference(
            uri=image.uri(region), repository_arn=_repository_arn(region, account, image.repository)
        )
    # The same `Fn::FindInMap` token serves every job of the stack that uses this table.
    accounts = cache.registry_accounts
    mapping_id = _mapping_id(image)
    if mapping_id not in accounts:
        accounts[mapping_id] = registry_mapping(stack, image).find_in_map(
            pseudo.region(), ACCOUNT_KEY
        )
    account = accounts[mapping_id]
    return ImageReference(
        uri=f"{account}.dkr.ecr.{pseudo.region()}.{pseudo.url_suffix()}/{image.repository}:{image.tag}",
        repository_arn=_repository_arn(pseudo.region(), account, image.repository),
    )
