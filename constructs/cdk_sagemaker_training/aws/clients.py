"""boto3 clients, retries and AWS access errors shared by the quota and warm-pool tools."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore import exceptions as bce
from botocore.config import Config

Client = Any
"""A boto3 client (typed stubs per service are not a dependency)."""

PAGE_SIZE = 100
"""`MaxResults` of every listing (`ListTrainingJobs`, `ListServiceQuotas`,
`ListAWSDefaultServiceQuotas`): the largest page the botocore model allows each."""

DEFAULT_TIMEOUT = 10.0
"""Seconds to connect, and then to wait for an answer, per attempt."""
MAX_ATTEMPTS = 3
"""Attempts per call, first included: botocore's standard mode retries throttling,
connection errors and timeouts with jittered exponential backoff."""


def client_config(timeout: float = DEFAULT_TIMEOUT, attempts: int = MAX_ATTEMPTS) -> Config:
    """Bounded timeouts and retries: one call ends within about `attempts` x 2 x `timeout`
    plus backoff, even against an endpoint that accepts and never answers."""
    return Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "total_max_attempts": attempts},
    )


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


def create_client(
    service: str,
    *,
    profile: str | None = None,
    region: str | None = None,
    config: Config | None = None,
) -> Client:
    """A client from the standard credential chain (env, profile, SSO, instance role).

    The region is `region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` or the profile's,
    as for the AWS CLI; endpoint overrides (`AWS_ENDPOINT_URL*`) and config files apply.
    Raises `NoRegionError`, or `AwsAccessError` for anything that prevents creating the
    client (unknown profile, malformed region, endpoint or config file, failing
    `credential_process`). Default `config`: `client_config()`.
    """
    import boto3  # here: commands that never call AWS import this module without boto3

    try:
        session = boto3.Session(
            profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None
        )
        if not session.region_name:
            raise NoRegionError("no AWS region: pass --region or set AWS_REGION")
        return session.client(service, config=config or client_config())  # type: ignore[call-overload]
    except bce.ProfileNotFound as error:
        raise AwsAccessError(f"{error}: check --profile and ~/.aws/config") from error
    except _CREDENTIAL_ERRORS as error:
        raise AwsAccessError(f"no usable AWS credentials ({error})") from error
    except (bce.BotoCoreError, ValueError) as error:
        raise AwsAccessError(f"cannot set up the AWS client: {error}") from error


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
        raise AwsAccessError(
            f"cannot reach AWS ({error}): check the network, the region and any "
            "AWS_ENDPOINT_URL, or allow more time with --timeout"
        ) from error
    except bce.BotoCoreError as error:  # e.g. an endpoint that cannot be resolved
        raise AwsAccessError(f"the AWS call failed ({error})") from error
