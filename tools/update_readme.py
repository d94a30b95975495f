"""Regenerate README's table of finding codes from the rules (`make readme`)."""

import re
from pathlib import Path

from cdk_sagemaker_training.cli.rules import markdown

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- rules-table:start -->\n).*?(\n<!-- rules-table:end -->)", re.S)


def main() -> None:
    text = README.read_text()
    README.write_text(BLOCK.sub(lambda m: m.group(1) + markdown() + m.group(2), text))


if __name__ == "__main__":
    main()
