"""graphcontract: contract tests for Microsoft Graph's Update workPosition API.

The package owns the runtime: the contract model (``contract``), the HTTP client, the
oracles, the reference mock, reports, the pytest plugin and the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
