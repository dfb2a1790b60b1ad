"""--metadata FILE|URL: a missing file, a document that is not CSDL or lacks the facet, and an
unreachable URL are one line and exit 2; a file or a served $metadata becomes the process's
contract, which then lacks what that metadata lacks."""

from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from graphcontract.cli import main
from graphcontract.contract import METADATA_ENV, contracts_dir, load_contract
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA
from graphcontract.errors import UsageError
from graphcontract.metadata_option import (
    keep_metadata_selection,
    resolve_metadata,
    select_metadata,
)

USNAT = contracts_dir() / NATIONAL_CLOUD_METADATA
NO_FACET = b"""<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
<edmx:DataServices>
<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="microsoft.graph">
<EntityType Name="entity"><Key><PropertyRef Name="id"/></Key>
<Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
</Schema></edmx:DataServices></edmx:Edmx>"""


@pytest.fixture(autouse=True)
def _no_selection(monkeypatch):
    """No selection during the test, and none left after it: setenv first, so monkeypatch
    records the variable's state and undoes what the code under test sets too."""
    monkeypatch.setenv(METADATA_ENV, "")
    monkeypatch.delenv(METADATA_ENV)


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server answering files of tmp_path (404 otherwise)."""
    (tmp_path / "$metadata").write_bytes(USNAT.read_bytes())
    handler = type(
        "Quiet",
        (http.server.SimpleHTTPRequestHandler,),
        {"log_message": lambda *a: None},
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "page.html").write_text("<html><body>not metadata</body></html>")
    (tmp_path / "broken.xml").write_text("<edmx:Edmx")
    (tmp_path / "no-facet.xml").write_bytes(NO_FACET)
    return {
        "missing": str(tmp_path / "missing.xml"),
        "html": str(tmp_path / "page.html"),
        "broken": str(tmp_path / "broken.xml"),
        "no-facet": str(tmp_path / "no-facet.xml"),
    }


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("missing", "no such file"),
        ("html", "is not a CSDL document: its root element is 'html'"),
        ("broken", "is not a CSDL document: XML error"),
        ("no-facet", "no entity type 'workPosition'"),
    ],
    ids=["missing", "html", "broken-xml", "no-facet"],
)
@pytest.mark.parametrize("command", ["run", "mock", "fuzz", "doc-lint"])
def test_bad_metadata_is_one_line_and_exit_2(tmp_path, capsys, command, which, message):
    value = _files(tmp_path)[which]
    pages = [str(tmp_path)] if command == "doc-lint" else []
    assert main([command, *pages, "--metadata", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"graphcontract: error: --metadata {value}")
    assert message in err
    assert err.count("\n") == 1


def test_an_unreachable_or_failing_url_is_one_line(served):
    with pytest.raises(UsageError, match=r"answered 404, not a CSDL document"):
        resolve_metadata(served + "/nothing")
    with pytest.raises(UsageError, match=r"cannot fetch it"):
        resolve_metadata("http://127.0.0.1:9/$metadata", timeout_s=2.0)


def test_a_served_metadata_document_becomes_the_contract(served):
    path = select_metadata(served + "/$metadata")
    assert path is not None
    assert path.read_bytes() == USNAT.read_bytes()
    contract = load_contract()
    assert "isSearchable" not in contract.entity.properties
    assert "layer" not in contract.types["positionDetail"].properties
    assert "layer" not in contract.request_schema["$defs"]["positionDetail"]["properties"]


def test_the_seed_keeps_only_what_the_metadata_declares():
    contract = load_contract(metadata=USNAT)
    for position in contract.seed["positions"]:
        assert contract.response_errors(position) == []
        assert "isSearchable" not in position
    assert "userId" not in contract.seed["positions"][0]["manager"]
    assert "userId" in load_contract().seed["positions"][0]["manager"]


@pytest.mark.parametrize("before", [None, "/some/metadata.xml"], ids=["none", "a-selection"])
def test_a_session_leaves_the_selection_as_it_found_it(monkeypatch, before):
    """What pytest's in-process session (the plugin's cleanup) puts back: a later mock of the
    same worker must not inherit a --gc-metadata it never asked for."""
    if before is not None:
        monkeypatch.setenv(METADATA_ENV, before)
    restore = keep_metadata_selection()
    monkeypatch.setenv(METADATA_ENV, "/another/metadata.xml")
    restore()
    assert os.environ.get(METADATA_ENV) == before


def test_metadata_target_reads_the_targets_own_metadata(served, capsys, monkeypatch):
    """``run --metadata target``: <base-url>/$metadata becomes the contract (a dry run
    fetches the document and sends nothing else)."""
    from graphcontract.runner import dryrun

    monkeypatch.setenv("GRAPH_TOKEN", "unit-token")
    seen: list[str | None] = []
    describe = dryrun.describe_run

    def describe_and_note(*args: Any) -> str:
        seen.append(os.environ.get(METADATA_ENV))  # the selection while the command runs
        return describe(*args)

    monkeypatch.setattr(dryrun, "describe_run", describe_and_note)
    before = os.environ.get(METADATA_ENV)
    code = main(
        ["run", "--base-url", served, "--position-id", "p1", "--metadata", "target", "--dry-run"]
    )
    assert code == 0, capsys.readouterr().err
    assert len(seen) == 1
    assert seen[0] is not None
    assert Path(seen[0]).read_bytes() == USNAT.read_bytes()
    assert os.environ.get(METADATA_ENV) == before  # main() puts the selection back


def test_metadata_target_of_the_bundled_mock_is_the_bundled_document():
    from argparse import Namespace

    from graphcontract.runner.cli import target_metadata_url

    assert (
        target_metadata_url(Namespace(base_url="http://h:1/beta/")) == "http://h:1/beta/$metadata"
    )
    assert target_metadata_url(Namespace(base_url=None)) is None
