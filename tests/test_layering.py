"""The dependency direction of DESIGN.md: core <- launcher <- cdk / aws <- cli <- stacks <- app.

Read from the source (every `import` statement, lazy ones inside functions included), so
a lower layer that reaches up fails here even if no test happens to execute that line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "cdk_sagemaker_training"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / "constructs" / PACKAGE
CDK_RUNTIME = {"aws_cdk", "constructs", "jsii", "cdk_nag"}
AWS_CLIENTS = {"boto3"}

# layer -> (package layers it may import, third-party roots it must never import)
LAYERS: dict[str, tuple[set[str], set[str]]] = {
    "core": ({"core"}, CDK_RUNTIME | AWS_CLIENTS),
    "launcher": ({"core", "launcher"}, CDK_RUNTIME | AWS_CLIENTS),
    # The QuotaGuard construct deploys the AWS quota checker as its Lambda code.
    "cdk": ({"core", "launcher", "cdk", "aws"}, AWS_CLIENTS),
    "aws": ({"core", "aws"}, CDK_RUNTIME),
    "cli": ({"core", "launcher", "aws", "cli"}, CDK_RUNTIME),
}


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports anywhere in its body."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(layer: str, package_dir: Path = PACKAGE_DIR) -> list[str]:
    allowed, banned = LAYERS[layer]
    found: set[str] = set()
    for path in sorted((package_dir / layer).rglob("*.py")):
        for parts in (module.split(".") for module in imported_modules(path)):
            upward = parts[0] == PACKAGE and len(parts) > 1 and parts[1] in LAYERS
            if parts[0] in banned or parts[0] == "stacks":
                found.add(f"{path.relative_to(package_dir)} imports {parts[0]}")
            elif upward and parts[1] not in allowed:
                found.add(f"{path.relative_to(package_dir)} imports {PACKAGE}.{parts[1]}")
    return sorted(found)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layer_imports_only_lower_layers(layer: str) -> None:
    assert violations(layer) == []


def test_every_package_folder_is_a_known_layer() -> None:
    folders = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(LAYERS)


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("core", "import aws_cdk\n"),
        ("core", "def lazy():\n    import boto3\n"),
        ("launcher", "from cdk_sagemaker_training.cdk._private import pseudo\n"),
        ("cdk", "from cdk_sagemaker_training.cli import main\n"),
        ("aws", "from cdk_sagemaker_training.cdk.quota_guard import QuotaGuard\n"),
        ("cli", "from stacks import build_app\n"),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path: Path, layer: str, source: str) -> None:
    (tmp_path / layer).mkdir()
    (tmp_path / layer / "bad.py").write_text(source)
    assert len(violations(layer, tmp_path)) == 1
