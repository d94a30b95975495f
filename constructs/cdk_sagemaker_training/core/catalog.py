"""Every finding code of the library, registered by importing the modules that raise them."""

from __future__ import annotations

from cdk_sagemaker_training.core import (  # noqa: F401  (each registers its codes)
    changes,
    images,
    loader,
    options,
    parsing,
    request,
    rules,
)
from cdk_sagemaker_training.core.codes import Code, registered


def library_codes() -> list[Code]:
    """The core's codes (loader, images, rendering, rules), ordered by code."""
    return registered()
