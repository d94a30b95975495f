"""The SageMaker model read from its file is the one botocore's session loads, and the
rules' view of its shapes reads them as botocore does."""

from __future__ import annotations

import botocore.session
from botocore.model import Shape

from cdk_sagemaker_training.core.service_model import (
    METADATA_KEYS,
    ModelShape,
    create_training_job_model,
    input_shape,
)


def test_model_read_directly_is_botocores() -> None:
    loaded = botocore.session.get_session().get_service_model("sagemaker")
    ours = create_training_job_model()
    assert ours.service_model.api_version == loaded.api_version
    assert ours.service_model.shape_names == loaded.shape_names
    for name in loaded.shape_names:
        theirs, mine = loaded.shape_for(name), ours.service_model.shape_for(name)
        assert (mine.type_name, mine.metadata) == (theirs.type_name, theirs.metadata), name
        assert list(getattr(mine, "members", {})) == list(getattr(theirs, "members", {})), name


def test_shape_view_reads_every_input_shape_as_botocore_does() -> None:
    """`ModelShape` (what the rules read) equals botocore's `Shape` on every shape under
    the `CreateTrainingJob` input: type, metadata, members and item/key/value shapes."""
    assert tuple(Shape.METADATA_ATTRS) == METADATA_KEYS
    theirs_root = create_training_job_model().input_shape
    assert theirs_root is not None
    pending: list[tuple[ModelShape, Shape]] = [(input_shape(), theirs_root)]
    seen: set[str] = set()
    while pending:
        mine, theirs = pending.pop()
        if theirs.name in seen:
            continue
        seen.add(theirs.name)
        assert (mine.name, mine.type_name, mine.metadata) == (
            theirs.name,
            theirs.type_name,
            theirs.metadata,
        )
        assert mine.enum == getattr(theirs, "enum", [])  # only StringShape has one
        children = {
            "structure": lambda s: list(s.members.values()),
            "list": lambda s: [s.member],
            "map": lambda s: [s.key, s.value],
        }.get(theirs.type_name, lambda s: [])
        if theirs.type_name == "structure":
            assert list(mine.members) == list(theirs.members)  # type: ignore[attr-defined]
        pending.extend(zip(children(mine), children(theirs), strict=True))
    assert len(seen) > 100  # the walk reached the whole request, not just the top
