"""`QuotaGuard`: checks the jobs' SageMaker Service Quotas while `cdk deploy` runs.

A custom resource whose Lambda runs this library's own checker
(`cdk_sagemaker_training.aws.quotas.guard_handler`), packaged from the files it imports.
Launchers that depend on the guard are created only after the check has passed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path

from aws_cdk import (
    Acknowledgment,
    CfnOutput,
    CustomResource,
    Duration,
    RemovalPolicy,
    Stage,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_sagemaker_training.aws.permissions import QUOTA_ACTIONS
from cdk_sagemaker_training.cdk._private.lint import ROLE_DEPENDENCY, ignore_cfn_lint
from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.quota_requirements import QuotaRequirement, derive_requirements

HANDLER = "cdk_sagemaker_training.aws.quotas.guard_handler.handler"
HANDLER_MODULE = HANDLER.rpartition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent.parent
RESOURCE_TYPE = "Custom::SageMakerQuotaGuard"
BUNDLE_PREFIX = ".cdk-sagemaker-training-handler-"


class GuardMode(StrEnum):
    """What the guard does about a shortfall."""

    FAIL = "fail"
    """Fail the deployment with the shortfall table (before any dependent launcher)."""
    WARN = "warn"
    """Deploy anyway and record the table as a stack output."""
    OFF = "off"
    """Create nothing."""


def _module_file(package_dir: Path, module: str) -> Path | None:
    """The file of `module` (a module or a package) inside the package, if any."""
    parts = module.split(".")[1:]
    candidates = [package_dir.joinpath(*parts, "__init__.py")]
    if parts:
        candidates.append(package_dir.joinpath(*parts[:-1], f"{parts[-1]}.py"))
    return next((path for path in candidates if path.is_file()), None)


def _imported_modules(node: ast.AST) -> list[str]:
    """Modules a file imports at run time (`if TYPE_CHECKING:` blocks are skipped)."""
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        return [name for child in node.orelse for name in _imported_modules(child)]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if not node.module or node.level:
            return []
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return [name for child in ast.iter_child_nodes(node) for name in _imported_modules(child)]


def handler_files(package_dir: Path = PACKAGE_DIR, module: str = HANDLER_MODULE) -> frozenset[str]:
    """The package files `module` imports, directly or not, relative to the package.

    Follows the absolute `import`/`from ... import` statements of each file (the package
    uses no relative imports) and adds every enclosing package's `__init__.py`, so the
    Lambda bundle is derived from the handler's code instead of a list kept by hand.
    """
    package = package_dir.name
    found: set[Path] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = _module_file(package_dir, ".".join(parts[:depth]))
            if path is None or path in found:
                continue
            found.add(path)
            pending += _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        pending = [n for n in pending if n == package or n.startswith(f"{package}.")]
    return frozenset(path.relative_to(package_dir).as_posix() for path in found)


def handler_bundle(root: Path, package_dir: Path = PACKAGE_DIR) -> Path:
    """A folder in `root` holding only the `handler_files` of the package, under its
    package name: `<root>/.cdk-sagemaker-training-handler-<sha256 of the files>`.

    `QuotaGuard` puts it in the app's cloud assembly folder (`cdk.out`), next to the
    staged assets: always writable, private to the project, and there for as long as the
    assembly may point at it. Asset staging then copies and fingerprints a handful of
    files instead of walking the whole package with exclude patterns (files added to the
    package later stay out of the Lambda either way). The folder is written once per
    handler version; a copy that does not hold exactly these files is replaced.
    """
    files = {name: (package_dir / name).read_bytes() for name in sorted(handler_files(package_dir))}
    digest = hashlib.sha256()
    for name, content in files.items():
        digest.update(f"{name}\0".encode() + content)
    bundle = root / f"{BUNDLE_PREFIX}{digest.hexdigest()}"
    if _holds_exactly(bundle / package_dir.name, files):
        return bundle
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{bundle.name}.", dir=root))
    for name, content in files.items():
        target = partial / package_dir.name / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    shutil.rmtree(bundle, ignore_errors=True)  # a damaged or tampered copy
    partial.rename(bundle)
    return bundle


def _holds_exactly(folder: Path, files: Mapping[str, bytes]) -> bool:
    """Whether `folder` holds exactly `files` (relative names -> contents)."""
    if not folder.is_dir():
        return False
    found = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if not p.is_dir()}
    return found.keys() == files.keys() and all(
        path.is_file() and not path.is_symlink() and path.read_bytes() == files[name]
        for name, path in found.items()
    )


def _assembly_dir(scope: Construct) -> Path:
    """The cloud assembly folder of the app or stage `scope` is in."""
    stage = Stage.of(scope)
    assert stage is not None  # in Python every construct tree has an App or Stage at its root
    return Path(stage.outdir)


class QuotaGuard(Construct):
    """Runs the quota check for `jobs` at deploy time.

    Default: `mode=fail`; `log_retention` one month; `logs_key` (encrypts the function's
    logs) a new `LauncherLogsKey`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        jobs: Sequence[JobSpec],
        mode: GuardMode | str = GuardMode.FAIL,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        logs_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.mode = GuardMode(mode)
        self.requirements: list[QuotaRequirement] = derive_requirements(jobs)
        self.function: lambda_.Function | None = None
        self.resource: CustomResource | None = None
        self.report: str | None = None
        """The check's report (`Report` attribute); None when the guard is off."""
        if self.mode is GuardMode.OFF or not self.requirements:
            return
        self.function = self._create_function(
            log_retention, logs_key or LauncherLogsKey(self, "LogsKey").key
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={
                "Mode": self.mode.value,
                "Requirements": json.dumps([r.as_dict() for r in self.requirements]),
            },
        )
        self.report = self.resource.get_att_string("Report")
        if self.mode is GuardMode.WARN:
            CfnOutput(
                self,
                "Report",
                value=self.report,
                description="SageMaker Service Quotas the training jobs need (QuotaGuard)",
            )

    def _create_function(
        self, log_retention: logs.RetentionDays, logs_key: kms.IKey
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=logs_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Inline policies live in the role resource itself, so the function's GetAtt on
        # the role orders everything and no separate DependsOn is needed.
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Reads SageMaker Service Quotas for the QuotaGuard",
            inline_policies={
                "QuotaGuard": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(actions=list(QUOTA_ACTIONS), resources=["*"]),
                        iam.PolicyStatement(
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[log_group.log_group_arn],
                        ),
                    ]
                )
            },
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                reason="servicequotas:ListServiceQuotas and ListAWSDefaultServiceQuotas "
                "support no resource-level permissions: resource `*` is required.",
            )
        )
        function = lambda_.Function(
            self,
            "Handler",
            # The newest Python runtime in aws-cdk-lib that cfn-lint also accepts.
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(handler_bundle(_assembly_dir(self)))),
            role=role,
            log_group=log_group,
            timeout=Duration.minutes(2),
            memory_size=256,
            description="Checks SageMaker Service Quotas for the stack's training jobs",
        )
        ignore_cfn_lint(function, ROLE_DEPENDENCY)
        return function
