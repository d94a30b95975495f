"""Layout guarantees: `constructs` stays aws-cdk's package; heavy imports stay lazy."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import cdk_sagemaker_training

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip()


def test_constructs_folder_does_not_shadow_the_constructs_package() -> None:
    assert not (ROOT / "constructs" / "__init__.py").exists()
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import constructs; "
        "print(constructs.__file__)"
    )
    assert "site-packages" in run_python(code)


def test_spec_layer_imports_neither_cdk_nor_sagemaker_core() -> None:
    code = (
        "import sys; import cdk_sagemaker_training.core.rules; "
        "import cdk_sagemaker_training.core.request, cdk_sagemaker_training.cli; "
        "print(sorted(m for m in ('aws_cdk', 'sagemaker', 'jsii') if m in sys.modules))"
    )
    assert run_python(code) == "[]"


def test_image_resolution_reads_the_tables_without_importing_the_sdk() -> None:
    code = (
        "import sys; from tests.factories import BASE, HUGGINGFACE; "
        "from cdk_sagemaker_training.core.images import resolve_image; "
        "resolve_image(BASE).uri('us-east-1'); resolve_image(HUGGINGFACE).uri('us-west-2'); "
        "print('sagemaker' in sys.modules)"
    )
    assert run_python(code) == "False"


def test_plan_command_never_imports_the_sdk_boto3_or_cdk() -> None:
    """`plan` runs in pre-commit hooks: it reads the image tables and the API model as
    files (benchmarks/plan_speed.py times it)."""
    code = "\n".join(
        [
            "import contextlib, io, sys",
            "from cdk_sagemaker_training.cli import main",
            "out = io.StringIO()",
            "with contextlib.redirect_stdout(out):",
            "    code = main(['plan', 'jobs', '--region', 'us-east-1'])",
            "heavy = ('sagemaker', 'boto3', 'botocore.session', 'aws_cdk', 'jsii')",
            "loaded = sorted(m for m in heavy if m in sys.modules)",
            "print(code, 'pytorch-trcomp-training' in out.getvalue(), loaded)",
        ]
    )
    assert run_python(code) == "0 True []"


def test_quotas_command_never_imports_sagemaker_core_or_cdk(tmp_path: Path) -> None:
    code = (
        "import sys; from cdk_sagemaker_training.cli import main; "
        "main(['quotas', 'jobs', '--region', 'us-east-1']); "
        "print(sorted(m for m in ('aws_cdk', 'sagemaker') if m in sys.modules))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert "no usable AWS credentials" in result.stderr  # it ran as far as AWS
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_one_version_and_a_changelog_entry_for_it() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]  # read from __version__ (the wheel test)
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "cdk_sagemaker_training.__version__"
    }
    changelog = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert releases[:2] == ["Unreleased", cdk_sagemaker_training.__version__]
