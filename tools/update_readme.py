"""Regenerate README's tables of finding codes from the code registry (`make readme`)."""

import re
from pathlib import Path

from cdk_sagemaker_training.cli.rules import markdown
from cdk_sagemaker_training.core.codes import markdown_table
from stacks import APP_CODES

README = Path(__file__).resolve().parents[1] / "README.md"


def block(name: str) -> re.Pattern[str]:
    """The generated region `name` of README."""
    return re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)


def main() -> None:
    text = README.read_text()
    text = block("rules-table").sub(lambda m: m.group(1) + markdown() + m.group(2), text)
    app_table = markdown_table(list(APP_CODES))
    text = block("app-codes-table").sub(lambda m: m.group(1) + app_table + m.group(2), text)
    README.write_text(text)


if __name__ == "__main__":
    main()
