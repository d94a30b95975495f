"""boto3 clients, retries and AWS access errors shared by the quota and warm-pool tools."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore import exceptions as bce
from botocore.config import Config

Client = Any
"""A boto3 client (typed stubs per service are not a dependency)."""

QUOTA_ACTIONS = (
    "servicequotas:ListServiceQuotas",
    "servicequotas:ListAWSDefaultServiceQuotas",
)
"""IAM actions the quota check needs (both on resource `*`)."""
USAGE_ACTIONS = ("sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob")
PAGE_SIZE = 100
"""`MaxResults` of every listing (`ListTrainingJobs`, `ListServiceQuotas`,
`ListAWSDefaultServiceQuotas`): the largest page the botocore model allows each."""
"""IAM actions `--include-usage` and `warm-pools list` need."""

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
"""botocore's standard retry mode backs off on throttling (`TooManyRequestsException`)."""

THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})
ACCESS_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "DependencyAccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)
_CREDENTIAL_ERRORS = (
    bce.NoCredentialsError,
    bce.PartialCredentialsError,
    bce.CredentialRetrievalError,
    bce.TokenRetrievalError,
    bce.SSOError,
    bce.ProfileNotFound,
)
_CONNECTION_ERRORS = (bce.ConnectionError, bce.HTTPClientError)


class AwsAccessError(Exception):
    """AWS cannot be used as asked: no credentials, access denied, endpoint unreachable."""


class NoRegionError(Exception):
    """No region was given and none is configured."""


@dataclass(frozen=True, kw_only=True)
class Retry:
    """Retries of throttled calls on top of botocore's own, with exponential backoff."""

    attempts: int = 4
    base_delay: float = 1.0
    """Seconds before the first retry; doubles each time."""
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def call(self, operation: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
        """`operation(**params)`, retried while AWS answers with a throttling error."""
        for attempt in range(self.attempts):
            try:
                return operation(**params)
            except bce.ClientError as error:
                if error_code(error) not in THROTTLING_CODES or attempt == self.attempts - 1:
                    raise
                self.sleep(self.base_delay * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")


DEFAULT_RETRY = Retry()


def error_code(error: bce.ClientError) -> str:
    """The AWS error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: bce.ClientError) -> str:
    """`Code: message` of a client error."""
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")


def create_client(service: str, *, profile: str | None = None, region: str | None = None) -> Client:
    """A client from the standard credential chain (env, profile, SSO, instance role).

    Endpoint overrides (`AWS_ENDPOINT_URL*`) and config files apply as for the AWS CLI.
    """
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except bce.ProfileNotFound as error:
        raise AwsAccessError(f"{error}: check --profile and ~/.aws/config") from error
    if not session.region_name:
        raise NoRegionError("no AWS region: pass --region or set AWS_REGION")
    return session.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


@contextmanager
def aws_access(actions: tuple[str, ...]) -> Iterator[None]:
    """Turn credential, permission and connection failures into `AwsAccessError`."""
    needs = f"the caller needs {', '.join(actions)}"
    try:
        yield
    except bce.ClientError as error:
        if error_code(error) in ACCESS_ERROR_CODES:
            raise AwsAccessError(f"access denied ({error_message(error)}): {needs}") from error
        raise
    except _CREDENTIAL_ERRORS as error:
        raise AwsAccessError(
            f"no usable AWS credentials ({error}): configure the standard credential "
            f"chain or pass --profile; {needs}"
        ) from error
    except _CONNECTION_ERRORS as error:
        raise AwsAccessError(f"cannot reach AWS ({error})") from error
