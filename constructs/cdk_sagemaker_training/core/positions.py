"""Line and column of a finding's field in its YAML file, computed only when asked.

The loader reads files with ruamel's safe loader, which keeps no positions (and is
fast). A finding names its file and field path (`inputs.train.s3_data`,
`instance_groups[1].instance_type`, see `parsing.join`); `locate` composes the node tree
of each file that has findings, once, and walks it along each path to the key's mark,
falling back to the nearest parent that exists (a missing key points at its mapping).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import ReusedAnchorWarning, StreamMark
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cdk_sagemaker_training.core.findings import Finding
from cdk_sagemaker_training.core.parsing import read_text

_INDEX = re.compile(r"\[(\d+)\]\.?")


def locate(findings: Iterable[Finding]) -> list[Finding]:
    """`findings`, each with `line` and `column` set where its file can be read and its
    field (or a parent of it) found; the others unchanged."""
    findings = list(findings)
    roots = {f.file: _root(f.file) for f in findings if f.file is not None and f.line is None}
    located = []
    for finding in findings:
        root = roots.get(finding.file) if finding.file and finding.line is None else None
        if root is not None:
            mark = mark_of(root, finding.field)
            finding = dataclasses.replace(finding, line=mark.line + 1, column=mark.column + 1)
        located.append(finding)
    return located


def _root(file: str) -> Node | None:
    """The node tree of the first non-empty document of `file`; None when unreadable."""
    try:
        text = read_text(Path(file), file)
        with warnings.catch_warnings():  # a redefined anchor is valid YAML 1.2
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            nodes = list(YAML(typ="safe", pure=True).compose_all(text))
    except Exception:  # the loader reports unreadable files; here they have no position
        return None
    empty = [isinstance(n, ScalarNode) and str(n.tag).endswith("null") for n in nodes]
    return next((node for node, blank in zip(nodes, empty, strict=True) if not blank), None)


def mark_of(root: Node, field: str) -> StreamMark:
    """Where `field` (a dotted/indexed path) starts under `root`: the key's mark for a
    mapping key, the item's for a list item; the nearest existing parent's otherwise."""
    node, rest, mark = root, field, root.start_mark
    while rest:
        if isinstance(node, SequenceNode) and (index := _INDEX.match(rest)):
            position = int(index[1])
            if position >= len(node.value):
                break
            node, rest = node.value[position], rest[index.end() :]
            mark = node.start_mark
        elif isinstance(node, MappingNode) and (pair := _longest_key(node, rest)):
            key, value = pair
            mark, node = key.start_mark, value
            rest = rest[len(key.value) :].removeprefix(".")
        else:
            break
    return mark


def _longest_key(node: MappingNode, rest: str) -> tuple[ScalarNode, Node] | None:
    """The key of `node` that `rest` starts with (longest first: keys may hold dots)."""
    matches = [
        (key, value)
        for key, value in node.value
        if isinstance(key, ScalarNode)
        and (rest == key.value or rest.startswith((f"{key.value}.", f"{key.value}[")))
    ]
    return max(matches, key=lambda pair: len(pair[0].value), default=None)
