"""Values the constructs of one stack read through jsii once, owned by that stack.

Every read is a round trip to the jsii runtime (about 0.5 ms); at hundreds of jobs the
repeated region, bucket attribute, principal, duration, mapping and token checks add
up. The cached values are the tokens CDK would return again, so templates do not change.

Each stack gets its own `StackCache` (a weak-keyed table: nothing is shared between
stacks or apps, and a stack's entries go when the stack does). Note that jsii itself
keeps every object handed to Python alive for the life of the process.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from cdk_sagemaker_training.cdk._private.nag import WildcardAcknowledgements

_STACKS: WeakKeyDictionary[IConstruct, Stack] = WeakKeyDictionary()


def stack_of(scope: IConstruct) -> Stack:
    """`Stack.of(scope)`, without the round trip when `scope` is the stack itself or a
    construct that recorded its stack (`record_stack`)."""
    if isinstance(scope, Stack):
        return scope
    return _STACKS.get(scope) or Stack.of(scope)


def record_stack(construct: IConstruct, stack: Stack) -> None:
    """Remember that `construct` lives in `stack`, for `stack_of` of its children."""
    _STACKS[construct] = stack


class StackCache:
    """What constructs of one stack read through jsii once (see the module docstring)."""

    def __init__(self, stack: Stack) -> None:
        region = stack.region
        self.region: str | None = None if Token.is_unresolved(region) else region
        """The stack's region, or None when it is a token (environment-agnostic stack)."""
        self.wildcards = WildcardAcknowledgements(stack)
        """The cdk-nag acknowledgements of the stack's deliberate wildcards."""
        self.singletons: dict[str, IConstruct] = {}
        """The stack's one-per-stack constructs by id, once found or created."""
        self.registry_accounts: dict[str, str] = {}
        """Image mapping id -> its `Fn::FindInMap` account token (`image_registry.py`)."""
        self._principals: dict[str, iam.ServicePrincipal] = {}
        self._durations: dict[int, Duration] = {}
        self._buckets: dict[s3.IBucket, tuple[str, str]] = {}
        self._unresolved: dict[str, bool] = {}

    def service_principal(self, service: str) -> iam.ServicePrincipal:
        """One `ServicePrincipal` per service."""
        if service not in self._principals:
            self._principals[service] = iam.ServicePrincipal(service)
        return self._principals[service]

    def seconds(self, amount: int) -> Duration:
        """`Duration.seconds(amount)`, one per distinct amount."""
        if amount not in self._durations:
            self._durations[amount] = Duration.seconds(amount)
        return self._durations[amount]

    def is_unresolved(self, value: str) -> bool:
        """`Token.is_unresolved(value)`, asked once per distinct string (the stack's
        region, image URI and bucket name tokens recur in every job)."""
        if value not in self._unresolved:
            self._unresolved[value] = Token.is_unresolved(value)
        return self._unresolved[value]

    def bucket_name_and_arn(self, bucket: s3.IBucket) -> tuple[str, str]:
        """`(bucket.bucket_name, bucket.bucket_arn)`: the same tokens every time."""
        if bucket not in self._buckets:
            self._buckets[bucket] = (bucket.bucket_name, bucket.bucket_arn)
        return self._buckets[bucket]


_CACHES: WeakKeyDictionary[Stack, StackCache] = WeakKeyDictionary()


def stack_cache(stack: Stack) -> StackCache:
    """The cache owned by `stack` (created on first use)."""
    cache = _CACHES.get(stack)
    if cache is None:
        cache = _CACHES[stack] = StackCache(stack)
    return cache
