"""Run configuration: what to check, where, with which credentials and policies.

One ``RunConfig`` is built from command-line values (pytest ``--gc-*`` options or
``graphcontract run`` flags) layered over ``[tool.graphcontract]`` in pyproject.toml.
Every problem is a ``UsageError`` whose message names the setting and what to do.
"""

from __future__ import annotations

import ipaddress
import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from graphcontract.clientpolicy import DEFAULT_TOKEN_ENV as DEFAULT_TOKEN_ENV
from graphcontract.errors import UsageError

POLICY_CHOICES: dict[str, tuple[str, ...]] = {
    "nested": ("merge", "replace"),
    "unknown_properties": ("observe", "reject", "ignore"),
    "read_only": ("either", "ignore", "reject"),
    "response_extra": ("fail", "observe"),
    "read_lag": ("wait", "none"),
}
"""Gray zones a run may pin (first choice = default). ``response_extra``: a 200 answer's
properties the metadata does not declare on a non-open type fail response.shape, or (observe)
are recorded on it, for services newer than the metadata snapshot. ``read_lag``: a GET that
disagrees with the write just answered is read again for up to 1.55 s, and the lag learned
there waited out before later reads after writes (wait; recorded on ``persisted``), or judged
at once (none: read-your-writes required)."""
DEFAULT_POLICY = {key: choices[0] for key, choices in POLICY_CHOICES.items()}
DISCOVERED_POSITION = "the last position GET /me/profile/positions lists"
"""The position a run without --position-id modifies (loopback targets only): the last one
listed, so a write that lands on the first listed position whatever id it names shows up.
Chosen by ``graphcontract.plugin``; said in these words by --help and --dry-run."""
ALWAYS_JUDGED = "server.no-5xx"
"""Judged on every answer of every run, whatever ``--clause`` selected: a crash never
passes because another clause was chosen."""


def pinned_clauses(policy: dict[str, str]) -> frozenset[str]:
    """Observe-level clauses the policy turns into must clauses (they fail the run)."""
    pinned = policy.get("unknown_properties", "observe") != "observe"
    return frozenset({"properties.unknown"} if pinned else ())


DEFAULT_LIVE_RATE = 5.0
"""Requests per second on a non-loopback target unless configured otherwise."""


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs to know about its target and its rules."""

    base_url: str | None = None
    position_id: str | None = None
    users: tuple[str, ...] = ()
    token_env: str = DEFAULT_TOKEN_ENV
    readonly_token_env: str | None = None
    report_dir: Path = Path("reports")
    run_id: str | None = None
    clauses: tuple[str, ...] = ()
    policy: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    timeout_s: float = 10.0
    rate_limit: float | None = None
    target_label: str | None = None

    @property
    def is_loopback(self) -> bool:
        return self.base_url is None or is_loopback_url(self.base_url)

    @property
    def effective_rate_limit(self) -> float | None:
        if self.rate_limit is not None:
            return self.rate_limit or None
        return None if self.is_loopback else DEFAULT_LIVE_RATE

    def token(self) -> str | None:
        return (os.environ.get(self.token_env) or "").strip() or None

    def readonly_token(self) -> str | None:
        if not self.readonly_token_env:
            return None
        return (os.environ.get(self.readonly_token_env) or "").strip() or None

    def with_target(self, **changes: Any) -> RunConfig:
        return replace(self, **changes)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, what: str = "--base-url") -> str:
    """The URL without a trailing slash, or a UsageError saying what is wrong with it.
    ``what`` names where the URL came from (an option, or a journal's field)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # an unbalanced or invalid [IPv6] host
        parts, hostname = None, None
    if parts is None or parts.scheme not in {"http", "https"} or not hostname:
        raise UsageError(
            f"{what} {url!r} is not an http(s) URL; give e.g. http://127.0.0.1:8000 or "
            "https://graph.microsoft.com/beta"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{what} {url!r} must not carry a query or fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError(f"{what} {url!r} has an invalid port") from None
    return url.rstrip("/")


def is_path_segment(value: str) -> bool:
    """A single URL path segment: the id can never address another resource."""
    return bool(value) and value not in {".", ".."} and not any(c in value for c in "/\\?# \t\r\n")


def check_position_id(value: str, *, what: str = "--position-id") -> str:
    """``value`` when it is a single path segment (never another resource's path)."""
    if not isinstance(value, str) or not is_path_segment(value):
        raise UsageError(
            f"{what} {value!r} is not a position id (empty, or contains '/', '?', '#' or spaces)"
        )
    return value


def check_users(users: Any, *, what: str = "--user") -> tuple[str, ...]:
    """The user ids / userPrincipalNames, each a single path segment of /users/{user}."""
    for user in users:
        if not isinstance(user, str) or not is_path_segment(user):
            raise UsageError(
                f"{what} {user!r} is not a user id or userPrincipalName (empty, or contains "
                "'/', '?', '#' or spaces)"
            )
    return tuple(users)


def check_timeout(value: Any, *, what: str = "--timeout") -> float:
    """A finite number of seconds > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{what} must be a number of seconds; got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{what} must be positive and finite (seconds); got {value!r}")
    return float(value)


def parse_policy(
    items: list[str] | tuple[str, ...], base: dict[str, str] | None = None
) -> dict[str, str]:
    """Apply ``key=value`` policy settings over ``base``."""
    policy = dict(base or DEFAULT_POLICY)
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in POLICY_CHOICES:
            raise UsageError(
                f"policy setting {item!r}: use KEY=VALUE with KEY one of "
                + ", ".join(POLICY_CHOICES)
            )
        if value not in POLICY_CHOICES[key]:
            raise UsageError(
                f"policy {key}={value!r}: choose one of {', '.join(POLICY_CHOICES[key])}"
            )
        policy[key] = value
    return policy


PYPROJECT_KEYS = (
    "base_url", "position_id", "users", "token_env", "readonly_token_env", "report_dir",
    "clauses", "policy", "timeout", "rate_limit", "metadata", "api",
)  # fmt: skip
"""The keys ``[tool.graphcontract]`` may hold (the pytest plugin reads them)."""


def load_pyproject_settings(start: Path) -> dict[str, Any]:
    """``[tool.graphcontract]`` of the nearest pyproject.toml at or above ``start``, each value
    checked; a key it does not know or a value of the wrong type is an error, not silently
    ignored."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"cannot read {candidate}: {_one_line(exc)}") from None
            tool = data.get("tool", {})
            if not isinstance(tool, dict):
                raise UsageError(f"{candidate}: [tool] must be a table; got {tool!r}")
            settings = tool.get("graphcontract", {})
            if not isinstance(settings, dict):
                raise UsageError(
                    f"{candidate}: [tool.graphcontract] must be a table; got {settings!r}"
                )
            unknown = sorted(set(settings) - set(PYPROJECT_KEYS))
            if unknown:
                raise UsageError(
                    f"{candidate}: unknown [tool.graphcontract] key {', '.join(unknown)}; "
                    f"known keys: {', '.join(PYPROJECT_KEYS)}"
                )
            for key, value in settings.items():
                _check_pyproject_value(key, value, f"{candidate}: [tool.graphcontract] {key}")
            return settings
    return {}


def pyproject_folder(start: Path) -> Path:
    """The folder of the nearest pyproject.toml at or above ``start`` (``start`` if none):
    what a relative path in ``[tool.graphcontract]`` is relative to."""
    return next((f for f in (start, *start.parents) if (f / "pyproject.toml").is_file()), start)


def _check_pyproject_value(key: str, value: Any, what: str) -> None:
    """UsageError naming ``what`` when ``value`` is not what ``key`` takes."""
    strings = {
        "base_url", "position_id", "token_env", "readonly_token_env", "report_dir", "metadata",
        "api",
    }  # fmt: skip
    if key in strings and (not isinstance(value, str) or not value):
        raise UsageError(f"{what} must be a non-empty string; got {value!r}")
    if key == "base_url":
        check_base_url(value, what=what)
    elif key == "position_id":
        check_position_id(value, what=what)
    elif key in {"token_env", "readonly_token_env"}:
        check_token_env(value, what=what)
    elif key in {"users", "clauses"}:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise UsageError(f'{what} must be a list of strings, e.g. ["a"]; got {value!r}')
        if key == "users":
            check_users(value, what=what)
    elif key == "policy":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise UsageError(
                f'{what} must be a table of strings, e.g. {{nested = "merge"}}; got {value!r}'
            )
        parse_policy([f"{k}={v}" for k, v in value.items()])
    elif key == "timeout":
        check_timeout(value, what=what)
    elif key == "rate_limit":
        check_rate_limit(value, what=what)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def check_clauses(selected: tuple[str, ...], known: list[str]) -> tuple[str, ...]:
    unknown = [c for c in selected if c not in known]
    if unknown:
        raise UsageError(f"unknown clause id {unknown[0]!r}; known ids: {', '.join(known)}")
    return selected


def check_token(token: str, env_name: str) -> str:
    """The token without surrounding whitespace, or a UsageError when it cannot be sent in an
    Authorization header (the message never repeats the token)."""
    token = token.strip()
    if token.lower().startswith("bearer "):
        raise UsageError(f"environment variable {env_name} must hold the token without 'Bearer '")
    if not token or any(not ("!" <= char <= "~") for char in token):
        raise UsageError(
            f"environment variable {env_name} does not hold a bearer token (it contains spaces, "
            "control or non-ASCII characters); export just the token"
        )
    return token


MIN_RATE_LIMIT = 0.01
"""Slowest rate a run may be throttled to (one request per 100 s); below it a run seems to hang."""


def check_rate_limit(value: Any, *, what: str = "--rate-limit") -> float | None:
    """None (the default), 0 (no limit) or a finite number of requests per second >= 0.01."""
    if value is None:
        return None
    numeric = not isinstance(value, bool) and isinstance(value, int | float)
    if not numeric or not math.isfinite(value) or (value != 0 and not value >= MIN_RATE_LIMIT):
        raise UsageError(
            f"{what} must be a number of requests per second >= {MIN_RATE_LIMIT:g} "
            f"(0 = none); got {value!r}"
        )
    return float(value)


def check_token_env(name: str, *, what: str = "--token-env") -> str:
    """The name of an environment variable (not empty)."""
    if not isinstance(name, str) or not name.strip() or "=" in name or "\0" in name:
        raise UsageError(
            f"{what} needs the name of an environment variable (e.g. GRAPH_TOKEN); got {name!r}"
        )
    return name


def require_token(env_name: str, *, option: str = "--token-env") -> str:
    """The bearer token held by ``env_name``, checked; UsageError when unset or unusable."""
    value = os.environ.get(env_name, "")
    if not value.strip():
        raise UsageError(
            f"environment variable {env_name} is empty or unset: export the target's bearer "
            f"token in it (or name another variable with {option})"
        )
    return check_token(value, env_name)


def check_report_dir(
    path: Path, *, create: bool = True, option: str = "--report-dir", what: str = "report directory"
) -> Path:
    """Create the output folder or say why it cannot be written. With ``create=False`` (dry
    runs) nothing is created: the nearest existing folder must be writable. ``option`` and
    ``what`` name the folder in the error (``bench --out`` uses them)."""
    if not create:
        existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise UsageError(
                f"{what} {str(path)!r} is not writable ({str(existing)!r} is not a "
                f"writable folder); choose another with {option}"
            )
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".graphcontract-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"{what} {str(path)!r} is not writable ({exc.strerror or exc}); "
            f"choose another with {option}"
        ) from None
    return path


def add_token_env_argument(parser: Any) -> None:
    """``--token-env``: where the bearer token is (run, fuzz and restore)."""
    parser.add_argument(
        "--token-env",
        default=DEFAULT_TOKEN_ENV,
        metavar="NAME",
        help=f"environment variable holding the bearer token (default: {DEFAULT_TOKEN_ENV})",
    )


def add_target_arguments(parser: Any, *, what: str = "run") -> None:
    """The options ``graphcontract run`` and ``graphcontract fuzz`` share: who the target is,
    which position and users, which tokens, which clauses and gray-zone pins."""
    parser.add_argument(
        "--position-id",
        help=f"the one position the {what} may modify (required for non-loopback targets; "
        f"default: {DISCOVERED_POSITION})",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID_OR_UPN",
        help="user id and/or userPrincipalName owning the position (repeatable; a value with @ "
        "is the userPrincipalName; default: none, so paths.users is skipped, except on the "
        "bundled mock, whose users are known)",
    )
    add_token_env_argument(parser)
    parser.add_argument(
        "--readonly-token-env",
        metavar="NAME",
        help="environment variable holding a token without write scope (default: none, so "
        "auth.scope is skipped, except on the bundled mock)",
    )
    parser.add_argument(
        "--clause",
        action="append",
        default=[],
        metavar="ID",
        help=f"{what} only the tests judging these clauses (repeatable; server.no-5xx is "
        "judged on every answer whatever is chosen; default: every clause)",
    )
    parser.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="pin a gray zone or strictness (repeatable): "
        + ", ".join(f"{key}={'|'.join(values)}" for key, values in POLICY_CHOICES.items())
        + " (default: the first of each: "
        + ", ".join(f"{key}={value}" for key, value in DEFAULT_POLICY.items())
        + ")",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout (s)")


def target_config(args: Any, *, what: str, known_clauses: list[str]) -> RunConfig:
    """The checks ``graphcontract run`` and ``graphcontract fuzz`` share (the options of
    ``add_target_arguments`` plus --base-url and --rate-limit), as a RunConfig without report
    folder or run id; UsageError naming the first problem. Nothing is created or sent."""
    base_url = check_base_url(args.base_url) if args.base_url else None
    timeout_s = check_timeout(args.timeout)
    rate_limit = check_rate_limit(args.rate_limit)
    clauses = check_clauses(tuple(args.clause), known_clauses)
    policy = parse_policy(args.policy)
    position_id = None if args.position_id is None else check_position_id(args.position_id)
    users = check_users(args.user)
    token_env = check_token_env(args.token_env)
    if base_url:
        require_token(token_env)
    if base_url and not is_loopback_url(base_url) and not position_id:
        raise UsageError(
            f"{base_url} is not a loopback address: name the one position the {what} may "
            "modify with --position-id"
        )
    readonly_env = args.readonly_token_env
    if readonly_env is not None:
        check_token_env(readonly_env, what="--readonly-token-env")
        require_token(readonly_env, option="--readonly-token-env")
    return RunConfig(
        base_url=base_url,
        position_id=position_id,
        users=users,
        token_env=token_env,
        readonly_token_env=readonly_env,
        clauses=clauses,
        policy=policy,
        timeout_s=timeout_s,
        rate_limit=rate_limit,
    )


CONFIGURED_OPTIONS = (
    "base_url", "position_id", "token_env", "readonly_token_env", "report_dir", "timeout",
    "rate_limit",
)  # fmt: skip
"""``[tool.graphcontract]`` keys that are defaults of one-value options (each key is the
option's dest)."""


def configured_defaults(start: Path) -> dict[str, Any]:
    """``[tool.graphcontract]``'s one-value settings as defaults of ``run``'s and ``fuzz``'s
    options (so a flag on the command line wins, as it does over the file in the pytest
    plugin); a relative ``report_dir`` is relative to the file's folder."""
    settings = load_pyproject_settings(start)
    defaults = {key: settings[key] for key in CONFIGURED_OPTIONS if key in settings}
    if "report_dir" in defaults:
        defaults["report_dir"] = str(pyproject_folder(start) / defaults["report_dir"])
    return defaults


def apply_configured_lists(args: Any, start: Path) -> None:
    """``users`` and ``clauses`` of ``[tool.graphcontract]`` where the command line gave none;
    its ``policy`` table under the command line's ``--policy`` pins (a pin given wins)."""
    settings = load_pyproject_settings(start)
    if not args.user:
        args.user = list(settings.get("users", ()))
    if not args.clause:
        args.clause = list(settings.get("clauses", ()))
    table = settings.get("policy", {})
    args.policy = [f"{key}={value}" for key, value in table.items()] + list(args.policy)
