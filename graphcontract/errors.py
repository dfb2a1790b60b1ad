"""Errors the harness raises about itself (never about the target).

``UsageError`` is anything the person running the harness can fix (exit 2, one line);
``TargetUnhealthy`` means the target could not be judged (exit 2).
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base class: a problem of the harness run, not a contract violation."""


class UsageError(HarnessError):
    """Bad configuration or arguments: the message says what and what to do."""


class TargetUnhealthy(HarnessError):
    """The target could not be reached or answered in a way no clause can judge."""


class ContractDataError(HarnessError):
    """contracts/ is missing or inconsistent."""
