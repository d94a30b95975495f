"""Descriptions of job-file keys, kept on the model's dataclass fields (the schema reads them)."""

DOC = "doc"
"""The field-metadata key of a key's description."""


def doc(text: str) -> dict[str, str]:
    """Field metadata describing a job-file key: `field(..., metadata=doc("..."))`."""
    return {DOC: text}
