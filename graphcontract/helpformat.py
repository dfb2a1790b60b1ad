"""How every ``--help`` of the ``graphcontract`` command shows option defaults.

argparse's ``ArgumentDefaultsHelpFormatter`` appends ``(default: None)`` to options whose
absence means something ("the bundled mock", "every clause") and ``(default: False)`` to
flags. This formatter appends ``(default: VALUE)`` only where the value is the default; an
option whose default needs words says it in its own help (any help that mentions "default"
is left as written), and one without a value says ``(default: none)``.
"""

from __future__ import annotations

import argparse

__all__ = ["DefaultsHelpFormatter", "shown_default"]


def shown_default(action: argparse.Action) -> str | None:
    """The ``(default: …)`` text argparse's help should carry for ``action``, or None when
    it needs none (a flag, a required option, a positional, help that already says it)."""
    help_text = action.help or ""
    if (
        action.help == argparse.SUPPRESS
        or not action.option_strings
        or action.nargs == 0
        or action.required
        or action.default is argparse.SUPPRESS
        or "default" in help_text
    ):
        return None
    value = action.default
    if value is None or value == [] or value == "":
        return "(default: none)"
    if isinstance(value, list | tuple):
        value = " ".join(map(str, value))
    return f"(default: {value})"


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Adds each option's default to its help, as ``shown_default`` decides."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        shown = shown_default(action)
        if shown is None:
            return help_text
        return f"{help_text} {shown.replace('%', '%%')}" if help_text else shown.replace("%", "%%")
