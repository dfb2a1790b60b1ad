"""graphcontract.profiles: the Hypothesis profiles, and where the command keeps Hypothesis's
caches."""

from __future__ import annotations

from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

from graphcontract.profiles import (
    EXAMPLES_DIRECTORY,
    STORAGE_ENV,
    register_profiles,
    share_hypothesis_storage,
)


def test_storage_goes_to_the_per_user_cache(tmp_path):
    environ = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    chosen = share_hypothesis_storage(environ)
    expected = tmp_path / "cache" / "graphcontract" / "hypothesis"
    assert chosen == expected
    assert environ[STORAGE_ENV] == str(expected)
    assert expected.is_dir()


def test_storage_defaults_to_dot_cache_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    environ: dict[str, str] = {}
    assert share_hypothesis_storage(environ) == tmp_path / ".cache" / "graphcontract" / "hypothesis"


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    environ = {"XDG_CACHE_HOME": "relative/cache"}
    assert share_hypothesis_storage(environ) == tmp_path / ".cache" / "graphcontract" / "hypothesis"


def test_no_home_directory_leaves_hypothesis_default(monkeypatch):
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    environ: dict[str, str] = {}
    assert share_hypothesis_storage(environ) is None
    assert STORAGE_ENV not in environ


def test_a_storage_the_caller_chose_stands(tmp_path):
    environ = {STORAGE_ENV: str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert share_hypothesis_storage(environ) is None
    assert environ[STORAGE_ENV] == str(tmp_path / "mine")
    assert not (tmp_path / "cache").exists()


def test_an_unusable_cache_home_leaves_hypothesis_default(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    environ = {"XDG_CACHE_HOME": str(blocker)}
    assert share_hypothesis_storage(environ) is None
    assert STORAGE_ENV not in environ


def test_dev_profile_keeps_failures_in_the_working_directory():
    register_profiles()
    database = settings.get_profile("dev").database
    assert isinstance(database, DirectoryBasedExampleDatabase)
    assert Path(database.path) == EXAMPLES_DIRECTORY
