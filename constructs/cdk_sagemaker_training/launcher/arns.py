"""ARNs in one partition, region and account: literal values or CDK token strings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ArnScope:
    """Where the launcher's ARNs point. The constructs pass the stack's pseudo parameters."""

    partition: str
    region: str
    account: str

    def arn(self, service: str, resource: str) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"
