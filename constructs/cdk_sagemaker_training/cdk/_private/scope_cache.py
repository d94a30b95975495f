"""Values that never change for a stack or an object, read through jsii once.

Every read is a round trip to the jsii runtime (about 0.5 ms); at hundreds of jobs the
repeated `Stack.of`, region, bucket attribute, mapping and principal reads add up. The
cached values are the same tokens CDK would return again, so templates do not change.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

_REGIONS: WeakKeyDictionary[Stack, str | None] = WeakKeyDictionary()
_BUCKETS: WeakKeyDictionary[s3.IBucket, tuple[str, str]] = WeakKeyDictionary()
_PRINCIPALS: dict[str, iam.ServicePrincipal] = {}
_DURATIONS: dict[int, Duration] = {}


def stack_of(scope: IConstruct) -> Stack:
    """`Stack.of(scope)`, without the round trip when `scope` is the stack itself."""
    return scope if isinstance(scope, Stack) else Stack.of(scope)


def known_region(stack: Stack) -> str | None:
    """The stack's region, or None when it is a token (environment-agnostic stack)."""
    if stack not in _REGIONS:
        region = stack.region
        _REGIONS[stack] = None if Token.is_unresolved(region) else region
    return _REGIONS[stack]


def bucket_name_and_arn(bucket: s3.IBucket) -> tuple[str, str]:
    """`(bucket.bucket_name, bucket.bucket_arn)`: the same tokens every time."""
    if bucket not in _BUCKETS:
        _BUCKETS[bucket] = (bucket.bucket_name, bucket.bucket_arn)
    return _BUCKETS[bucket]


def service_principal(service: str) -> iam.ServicePrincipal:
    """One `ServicePrincipal` per service (a value: it belongs to no scope)."""
    if service not in _PRINCIPALS:
        _PRINCIPALS[service] = iam.ServicePrincipal(service)
    return _PRINCIPALS[service]


def seconds(amount: int) -> Duration:
    """`Duration.seconds(amount)`, one per distinct amount (durations are values)."""
    if amount not in _DURATIONS:
        _DURATIONS[amount] = Duration.seconds(amount)
    return _DURATIONS[amount]
