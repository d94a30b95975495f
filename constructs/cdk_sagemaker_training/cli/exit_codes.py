"""The CLI's exit codes (a documented contract)."""

OK = 0
FINDINGS = 1
"""Error findings, quota shortfalls or unknown quotas."""
INPUT_ERROR = 2
"""Usage errors and unreadable or invalid input."""
AWS_ACCESS_ERROR = 3
"""Missing credentials or permissions."""
