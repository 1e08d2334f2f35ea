"""The chaos run's figures: one table per connector, a summary row, and the same as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    name: str
    value: int | float | str
    # A "must be 0" figure: any other value fails the run.
    must_be_zero: bool = False

    @property
    def failed(self) -> bool:
        return self.must_be_zero and self.value != 0


@dataclass
class FamilyResult:
    family: str
    figures: list[Figure] = field(default_factory=list)
    # Why the family did not apply to the connector (a snapshot-only book has no gap to inject).
    skipped: str | None = None
    # Why the family could not finish: the connector did not do what must hold, or could not be driven.
    error: str | None = None
    seconds: float = 0.0

    def add(self, name: str, value: int | float | str, must_be_zero: bool = False) -> None:
        self.figures.append(Figure(name, value, must_be_zero))

    @property
    def failures(self) -> list[str]:
        failed = [f"{self.family}: {f.name} = {f.value}" for f in self.figures if f.failed]
        if self.error is not None:
            failed.append(f"{self.family}: {self.error}")
        return failed


@dataclass
class ConnectorResult:
    connector_id: str
    suite: str | None
    families: list[FamilyResult] = field(default_factory=list)
    # Why the connector could not be driven at all (no conformance suite found for a registered id).
    error: str | None = None

    @property
    def failures(self) -> list[str]:
        failed = [f for family in self.families for f in family.failures]
        if self.error is not None:
            failed.append(self.error)
        return failed


@dataclass
class ChaosReport:
    seed: int
    quick: bool
    commit: str
    connectors: list[ConnectorResult] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f"{c.connector_id}: {f}" for c in self.connectors for f in c.failures]

    def write_json(self, path: Path) -> None:
        data: dict[str, Any] = asdict(self)
        data["failures"] = self.failures
        path.write_text(json.dumps(data, indent=2) + "\n")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) of the samples, by the nearest rank; 0 for no samples."""
    if not samples:
        return 0.0
    if len(samples) == 1:
        return samples[0]
    ranks = statistics.quantiles(samples, n=100, method="inclusive")
    return ranks[min(max(int(p) - 1, 0), len(ranks) - 1)]


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def connector_table(result: ConnectorResult) -> str:
    lines = [f"== {result.connector_id} ({result.suite or 'no conformance suite'})"]
    if result.error is not None:
        lines.append(f"   FAILED: {result.error}")
    for family in result.families:
        if family.skipped is not None:
            lines.append(f"   {family.family:<13} skipped: {family.skipped}")
            continue
        figures = ", ".join(f"{f.name} {f.value}{' !!' if f.failed else ''}" for f in family.figures)
        lines.append(f"   {family.family:<13} {figures}  ({family.seconds:.1f}s)")
        if family.error is not None:
            lines.append(f"   {'':<13} FAILED: {family.error}")
    return "\n".join(lines)


def summary(report: ChaosReport) -> str:
    totals: dict[str, int] = {}
    for connector in report.connectors:
        for family in connector.families:
            for figure in family.figures:
                if figure.must_be_zero and isinstance(figure.value, int):
                    totals[figure.name] = totals.get(figure.name, 0) + figure.value
    failed = {c.connector_id for c in report.connectors if c.failures}
    head = (f"== summary: {len(report.connectors)} connectors, {len(failed)} failing"
            f"{' (' + ', '.join(sorted(failed)) + ')' if failed else ''}; seed {report.seed}"
            f"{', quick' if report.quick else ''}; commit {report.commit}")
    must_be_zero = ", ".join(f"{name} {value}" for name, value in sorted(totals.items()))
    return f"{head}\n   must be 0: {must_be_zero}"
