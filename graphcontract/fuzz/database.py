"""The Hypothesis example database campaigns share, and replaying it from ``run``.

A database is named by a directory (one machine; any number of worker processes) or by a
``redis://HOST:PORT/DB`` URL (Hypothesis's RedisExampleDatabase: workers on many machines).
``--gc-database`` (a pytest option of graphcontract.plugin, what ``graphcontract run
--database`` passes) re-registers the chosen Hypothesis profile with that database: the
reuse phase replays every stored failing example first, then generation goes on. Hypothesis
forbids a database together with ``derandomize``, so a profile that derandomizes (ci,
staging) generates randomly while it uses a database.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hypothesis import Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from graphcontract.errors import UsageError
from graphcontract.profiles import EXAMPLES_DIRECTORY
from graphcontract.runner.config import check_report_dir

REDIS_SCHEMES = ("redis", "rediss")
REDIS_KEY_PREFIX = b"graphcontract-example:"
DEFAULT_DIRECTORY = EXAMPLES_DIRECTORY
"""The dev profile's database, so ``pytest tests/contract`` (dev profile) replays too."""


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
ACCEPTED_FORMS = "a directory or a redis://HOST:PORT/DB URL"


def is_redis(spec: str) -> bool:
    return bool(_URL.match(spec)) and spec.split(":", 1)[0].lower() in REDIS_SCHEMES


def check_spec(spec: str) -> str:
    """``spec`` when it names a directory or a well-formed Redis URL; a value that looks like
    any other URL (``unix://…``, ``http://…``) is refused, not taken for a folder name."""
    if not spec.strip():
        raise UsageError(f"--database {spec!r} is empty: give {ACCEPTED_FORMS}")
    if not _URL.match(spec):
        return spec
    if not is_redis(spec):
        scheme = spec.split(":", 1)[0]
        raise UsageError(
            f"--database {scheme}://… is not a database this harness can use: give {ACCEPTED_FORMS}"
        )
    try:
        urlsplit(spec).port  # noqa: B018 - raises ValueError on a bad host or port
    except ValueError as exc:
        raise UsageError(
            f"--database {_masked(spec)} is not a valid Redis URL ({exc}); give {ACCEPTED_FORMS}"
        ) from None
    return spec


def _masked(spec: str) -> str:
    """``spec`` with whatever sits between ``//`` and ``@`` hidden (it may hold a password)."""
    scheme, _, rest = spec.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}" if "@" in rest else spec


def check_database(spec: str, *, create: bool = True) -> str:
    """The database ``spec`` names, checked, as a plugin option value (a directory made
    absolute); UsageError when it cannot be used. With ``create=False`` (dry runs) nothing is
    created: the nearest existing folder must be writable (a Redis server is still pinged)."""
    spec = check_spec(spec)
    if is_redis(spec):
        _redis_client(spec).close()
        return spec
    path = Path(spec).expanduser().resolve()
    if not create:
        check_report_dir(path, create=False, option="--database", what="example database")
        return str(path)
    open_database(str(path))
    return str(path)


def describe(spec: str) -> str:
    """``spec`` fit for reports: a Redis password is masked, a directory made absolute."""
    if not is_redis(spec):
        return str(Path(spec).expanduser().resolve())
    parts = urlsplit(spec)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return spec


def _redis_client(spec: str) -> Any:
    import redis

    try:
        client = redis.Redis.from_url(spec, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except (ValueError, redis.RedisError) as exc:
        raise UsageError(
            f"--database {describe(spec)}: cannot reach Redis ({exc}); start the server or "
            "name a directory instead"
        ) from None
    return client


def open_database(spec: str) -> ExampleDatabase:
    """The example database ``spec`` names; UsageError when it cannot be used."""
    spec = check_spec(spec)
    if is_redis(spec):
        from hypothesis.extra.redis import RedisExampleDatabase

        return RedisExampleDatabase(_redis_client(spec), key_prefix=REDIS_KEY_PREFIX)
    path = Path(spec).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError("not writable")
    except OSError as exc:
        raise UsageError(
            f"--database {str(path)!r} cannot be used ({getattr(exc, 'strerror', None) or exc}); "
            "choose another directory"
        ) from None
    return DirectoryBasedExampleDatabase(str(path))


def count_entries(spec: str) -> int:
    """How many stored examples (directory files, or Redis keys under our prefix) there are."""
    if is_redis(spec):
        client = _redis_client(spec)
        try:
            return sum(1 for _ in client.scan_iter(match=REDIS_KEY_PREFIX + b"*", count=500))
        finally:
            client.close()
    path = Path(spec).expanduser()
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def use_database(profile: str, spec: str) -> None:
    """Re-register Hypothesis profile ``profile`` to read and write ``spec``, with the reuse
    phase on (and reload it when it is the current one)."""
    base = settings.get_profile(profile)
    phases = sorted({*base.phases, Phase.reuse}, key=lambda phase: phase.value)
    settings.register_profile(
        profile, parent=base, database=open_database(spec), derandomize=False, phases=phases
    )
    if settings.get_current_profile_name() == profile:
        settings.load_profile(profile)


def run_arguments(spec: str | None) -> list[str]:
    """What ``graphcontract run --database SPEC`` passes to pytest (``[]`` without one);
    UsageError now when the database cannot be used."""
    return ["--gc-database", check_database(spec)] if spec else []


def configure_pytest(config: Any, *, default_profile: str = "dev") -> None:
    """Apply ``--gc-database`` (called from graphcontract.plugin's pytest_configure, before
    Hypothesis's pytest plugin loads the profile named by ``--hypothesis-profile``)."""
    spec = config.getoption("--gc-database", None)
    if not spec:
        return
    profile = (
        config.getoption("hypothesis_profile", None)
        or os.environ.get("HYPOTHESIS_PROFILE")
        or default_profile
    )
    use_database(profile, spec)
