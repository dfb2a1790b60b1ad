"""``--metadata FILE|URL``: which CSDL document a run's or the mock's contract is read from.

Owns the option's checks and its effect: a file must exist and be CSDL that declares the
contract's facet; a URL (a target's ``$metadata``) is fetched once into a temporary file that
lives as long as the process. Every problem is one UsageError line (exit 2). The selection
is ``graphcontract.contract.METADATA_ENV``, so the mock's process and pytest-xdist's workers
read the same document.
"""

from __future__ import annotations

import argparse
import atexit
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from graphcontract.contract import METADATA_ENV, contracts_dir
from graphcontract.contract_source import BUNDLED_METADATA, facts_from_metadata
from graphcontract.csdl import read_csdl
from graphcontract.errors import ContractDataError, UsageError

METADATA_PATH = "/$metadata"
"""Where a service answers its CSDL document, relative to its root (OData 4.01 Part 1
section 11.1.2; Graph: ``/beta/$metadata``)."""
TARGET_METADATA = "target"
"""``--metadata target`` (run): the target's own ``<base-url>/$metadata``."""


def metadata_help(*, target: bool = False) -> str:
    """``--metadata``'s help; ``target``: the command also takes ``--metadata target``."""
    forms = "a file or an http(s) URL such as a service's /beta/$metadata"
    if target:
        forms = f"a file, an http(s) URL, or '{TARGET_METADATA}' for <base-url>/$metadata"
    return (
        f"CSDL document ($metadata) the contract is read from: {forms} (default: the bundled "
        "Graph beta (Prod) profile subset)"
    )


def add_metadata_argument(parser: argparse.ArgumentParser, *, target: bool = False) -> None:
    """``--metadata FILE|URL`` (and ``target`` where the command has a base URL: ``run``)."""
    metavar = f"FILE|URL|{TARGET_METADATA}" if target else "FILE|URL"
    parser.add_argument(
        "--metadata", metavar=metavar, default=None, help=metadata_help(target=target)
    )


def selected_metadata() -> Path:
    """The CSDL file this process's contract is read from (the selection, else the bundled
    Graph beta (Prod) profile subset)."""
    selected = os.environ.get(METADATA_ENV)
    return Path(selected) if selected else contracts_dir() / BUNDLED_METADATA


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _fetch(url: str, *, what: str, timeout_s: float) -> Path:
    import httpx

    try:
        answer = httpx.get(
            url, headers={"Accept": "application/xml"}, timeout=timeout_s, follow_redirects=True
        )
    except httpx.HTTPError as exc:
        raise UsageError(f"{what} {url}: cannot fetch it: {' '.join(str(exc).split())}") from None
    if answer.status_code != 200:
        raise UsageError(f"{what} {url}: answered {answer.status_code}, not a CSDL document")
    handle, name = tempfile.mkstemp(prefix="graphcontract-metadata-", suffix=".xml")
    with os.fdopen(handle, "wb") as out:
        out.write(answer.content)
    path = Path(name)
    atexit.register(path.unlink, missing_ok=True)
    return path


def resolve_metadata(
    value: str, *, what: str = "--metadata", base: Path | None = None, timeout_s: float = 10.0
) -> Path:
    """The checked CSDL file ``value`` names (relative paths against ``base``)."""
    if is_url(value):
        path = _fetch(value, what=what, timeout_s=timeout_s)
    else:
        path = Path(value).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise UsageError(f"{what} {value}: no such file")
    try:
        read_csdl(path, name=value)
        facts_from_metadata(contracts_dir(), path)
    except ContractDataError as exc:
        message = str(exc) if str(exc).startswith(value) else f"{value}: {exc}"
        raise UsageError(f"{what} {message}") from None
    return path.resolve()


def select_metadata(
    value: str | None, *, what: str = "--metadata", base: Path | None = None
) -> Path | None:
    """Check ``value`` and make it this process's (and its children's) metadata; None
    leaves the selection as it is."""
    if not value:
        return None
    path = resolve_metadata(value, what=what, base=base)
    os.environ[METADATA_ENV] = str(path)
    return path


def keep_metadata_selection(variable: str = METADATA_ENV) -> Callable[[], None]:
    """A cleanup that puts the metadata selection (or another ``variable``) back as it is
    now (an in-process pytest session, pytester's, must not leave its ``--gc-metadata``
    behind)."""
    saved = os.environ.get(variable)

    def restore() -> None:
        if saved is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = saved

    return restore
