"""The admin token stays with the Waline it belongs to: a redirect to another
origin never carries it, and a server that echoes it back in an error gets it
redacted from everything printed or stored. A recording server stands in
front of the real local Waline."""
from __future__ import annotations

import json

from click.testing import CliRunner

from migrator import api
from migrator.cli import cli
from migrator.pipeline import Options

from recorder import Recorder
from waline_service import raw_comments
from wxr_builder import C, P, write


def export(tmp_path) -> str:
    return write(tmp_path, [P(1, [C(1, author="Ann", content="one"),
                                  C(2, parent=1, author="Bob", content="two")], slug="p")])


def test_a_redirect_to_another_origin_never_carries_the_token(waline, tmp_path):
    with Recorder() as other:
        def respond(method, path, headers, body):
            if method == "POST" and path.startswith("/api/db"):
                return 307, [("Location", other.url + path)], b""
            return None  # everything else goes on to the real Waline

        with Recorder(upstream=waline["url"], respond=respond) as front:
            result = api.push([export(tmp_path)], "waline+" + front.url, Options(),
                              token=waline["token"], state=str(tmp_path / "s.db"),
                              backoff=0.01)
            assert front.saw(waline["token"])  # the login and the reads went to --to
        assert other.requests, "the redirect was followed"
        assert not other.saw(waline["token"]) and not other.saw("Bearer")
    assert result.ledger.totals()["written"] == 0 and raw_comments() == []


def test_a_token_echoed_in_an_error_is_redacted_everywhere(waline, tmp_path):
    token = waline["token"]

    def respond(method, path, headers, body):
        if method == "POST" and path.startswith("/api/db"):
            echo = {"errno": 1001, "errmsg": "bad row; Authorization: "
                    + headers.get("Authorization", "") + " token=" + token}
            return 200, [("Content-Type", "application/json")], json.dumps(echo).encode()
        return None

    report = tmp_path / "report.json"
    state = tmp_path / "s.db"
    with Recorder(upstream=waline["url"], respond=respond) as front:
        r = CliRunner(env={"MIGRATOR_WALINE_TOKEN": token}).invoke(cli, [
            "push", export(tmp_path), "--to", "waline+" + front.url, "--state", str(state),
            "--report", str(report), "--json"], catch_exceptions=False)
    assert r.exit_code == 1  # refused: errno 1001 on HTTP 200 is a refusal, not a success
    out = json.loads(r.stdout)
    assert out["totals"]["rejected"] == 2
    reasons = [c["reason"] for c in json.loads(report.read_text())["comments"]]
    assert any("errno 1001" in x and "***" in x for x in reasons), reasons
    sig = token.split(".")[-1]
    for blob in (r.output, report.read_text(), state.read_bytes().decode("latin-1")):
        assert token not in blob and sig not in blob
    assert raw_comments() == []
