"""The SageMaker model read from its file is the one botocore's session loads."""

from __future__ import annotations

import botocore.session

from cdk_sagemaker_training.core.service_model import create_training_job_model


def test_model_read_directly_is_botocores() -> None:
    loaded = botocore.session.get_session().get_service_model("sagemaker")
    ours = create_training_job_model()
    assert ours.service_model.api_version == loaded.api_version
    assert ours.service_model.shape_names == loaded.shape_names
    for name in loaded.shape_names:
        theirs, mine = loaded.shape_for(name), ours.service_model.shape_for(name)
        assert (mine.type_name, mine.metadata) == (theirs.type_name, theirs.metadata), name
        assert list(getattr(mine, "members", {})) == list(getattr(theirs, "members", {})), name
