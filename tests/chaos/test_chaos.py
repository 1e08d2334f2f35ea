"""The chaos suite (issue 18): its pieces, and its quick run on every registered connector.

The quick run is the short form of ``make chaos`` (a few seconds per connector); the full run and its
figures are in docs/reliability.md.
"""

from __future__ import annotations

import random

import orjson

from clobconn.core.registry import CONNECTORS
from clobconn.testing.chaos import runner, sandbox_target
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.frames import FrameBreaker
from clobconn.testing.chaos.report import ChaosReport, ConnectorResult, FamilyResult, percentile, summary
from clobconn.testing.chaos.secrets import scan, signatures_sent
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suite_base import API_SECRET, PASSPHRASE, WITHOUT_CONFORMANCE_SUITE

QUICK_SEED = 18


def test_every_registered_connector_has_a_conformance_suite() -> None:
    suites, broken = runner.discover_suites()
    assert not broken
    missing = {c for c in CONNECTORS if not c.startswith("_") and c not in suites}
    assert missing == set(WITHOUT_CONFORMANCE_SUITE), f"registered without a conformance suite: {missing}"
    assert suites["binance"].__name__ == "TestBinanceSpotConformance"


async def test_a_registered_connector_without_a_suite_is_a_failure(monkeypatch: object) -> None:
    lines: list[str] = []
    CONNECTORS["chaos_nowhere"] = "clobconn.exchange.nowhere:Nowhere"
    try:
        report = await runner.run(["chaos_nowhere"], seed=1, quick=True, out=lines.append)
    finally:
        del CONNECTORS["chaos_nowhere"]
    assert report.failures and "no conformance suite" in report.failures[0]


def test_the_frame_breaker_replays_from_its_seed() -> None:
    sample = {"e": "depthUpdate", "U": 1, "b": [["100.0", "1.0"]], "a": []}
    first = [FrameBreaker(random.Random(5))(sample) for _ in range(50)]
    again = [FrameBreaker(random.Random(5))(sample) for _ in range(50)]
    assert first == again
    assert sample == {"e": "depthUpdate", "U": 1, "b": [["100.0", "1.0"]], "a": []}  # never mutated


def test_the_secrets_scan_finds_a_planted_secret_and_a_signature() -> None:
    ctx = ChaosContext("binance", seed=1, quick=True)
    ctx.log_texts.append("DEBUG clean line")
    assert scan(ctx).figures[-1].value == 0
    ctx.log_texts.append(f"DEBUG leaked {PASSPHRASE}")
    ctx.exception_texts.append(f"ValueError('{API_SECRET}')")
    ctx.signatures.add("a" * 64)
    ctx.reprs.append("Auth(signature=" + "a" * 64 + ")")
    result = scan(ctx)
    assert result.figures[-1].value == 3 and result.failures
    assert PASSPHRASE not in (result.error or "")


def test_the_secrets_scan_looks_for_the_suites_own_secrets_in_any_case() -> None:
    # A wallet venue's key is no kit credential: the scan takes it from the suite (secret_values).
    ctx = ChaosContext("dexalot", seed=1, quick=True)
    wallet_key = "0x" + "ab12" * 16
    ctx.secret_values.add(wallet_key)
    ctx.log_texts.append("DEBUG signing with " + wallet_key.upper())
    result = scan(ctx)
    assert result.figures[-1].value == 1 and "the venue's secret x1" in (result.error or "")


def test_signatures_in_a_json_body_are_collected() -> None:
    venue = MockVenue()
    venue.requests.append(RecordedRequest("POST", "/orders", {}, {}, orjson.dumps({"signature": "f" * 64}), 0.0))
    assert signatures_sent(venue) == {"f" * 64}


def test_percentile_and_the_summary_row() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 99) >= 99.0
    family = FamilyResult("frames")
    family.add("crashes", 1, must_be_zero=True)
    report = ChaosReport(seed=3, quick=True, commit="abc", connectors=[ConnectorResult("x", "S", [family])])
    assert report.failures == ["x: frames: crashes = 1"]
    assert "crashes 1" in summary(report) and "1 failing (x)" in summary(report)


async def test_the_quick_chaos_run_passes_on_every_registered_connector() -> None:
    lines: list[str] = []
    # Every registered connector but those the kit lists as having no suite yet (their absence is checked above).
    connectors = sorted(c for c in CONNECTORS if not c.startswith("_") and c not in WITHOUT_CONFORMANCE_SUITE)
    report = await runner.run(connectors, seed=QUICK_SEED, quick=True, out=lines.append)
    assert {c.connector_id for c in report.connectors} == set(connectors)
    assert not report.failures, "\n".join(lines + report.failures)


async def test_the_quick_chaos_run_passes_on_the_sandbox() -> None:
    lines: list[str] = []
    report = await runner.run([sandbox_target.TARGET], seed=QUICK_SEED, quick=True, out=lines.append)
    assert [c.connector_id for c in report.connectors] == [f"sandbox:{c}" for c in sandbox_target.CONNECTORS]
    families = {f.family for c in report.connectors for f in c.families}
    assert families == {"sockets", "timeouts", "races", "soak", "secrets"}
    assert not report.failures, "\n".join(lines + report.failures)
