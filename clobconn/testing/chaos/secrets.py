"""The secrets scan: every log record at DEBUG, every repr and every exception text the run produced must
hold no API key, secret or passphrase, and no signature the connector sent."""

from __future__ import annotations

from typing import Any

from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suite_base import API_KEY, API_SECRET, PASSPHRASE

FAMILY = "secrets"
# Shorter values named like a signature (a "sign" flag, a method name) are no secret worth scanning for.
MIN_SIGNATURE_LENGTH = 16


def _named_like_a_signature(key: object) -> bool:
    # Not a "signer" (an address: public) nor a "sign method" (a name).
    return isinstance(key, str) and "sign" in key.lower() and not any(
        word in key.lower() for word in ("method", "signer"))


def _signature_values(value: Any, depth: int = 0) -> set[str]:
    found: set[str] = set()
    if depth > 4:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            if _named_like_a_signature(key) and isinstance(item, str) and len(item) >= MIN_SIGNATURE_LENGTH:
                found.add(item)
            else:
                found |= _signature_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            found |= _signature_values(item, depth + 1)
    return found


def _form(request: RecordedRequest) -> Any:
    return request.form


def _json(request: RecordedRequest) -> Any:
    return request.json


def signatures_sent(venue: MockVenue) -> set[str]:
    """Every value the connector sent under a name like a signature: headers, query, form or JSON body,
    and the messages on its sockets (a login frame's signature)."""
    found: set[str] = set()
    for request in venue.requests:
        found |= _signature_values(dict(request.headers)) | _signature_values(dict(request.query))
        for read_body in (_form, _json):
            try:
                found |= _signature_values(read_body(request))
            except Exception:  # a body that is not of this kind carries no signature in it
                continue
    for endpoint in venue.endpoints.values():
        for session in endpoint.sessions:
            found |= _signature_values(session)
    return found


def signatures_in(values: dict[str, Any]) -> set[str]:
    """The values named like a signature in a request's query or form (a venue the run does not script,
    the sandbox, reports them from its edge)."""
    return _signature_values(values)


def scan(ctx: ChaosContext, named: dict[str, str] | None = None) -> FamilyResult:
    """``named``: the credentials to look for, by what they are (by default the conformance kit's, and
    whatever else the connector's suite calls secret). A secret is found in any letter case."""
    result = FamilyResult(FAMILY)
    texts = ctx.log_texts + ctx.exception_texts + ctx.reprs
    folded = [text.lower() for text in texts]
    named = named or {"API key": API_KEY, "API secret": API_SECRET, "passphrase": PASSPHRASE}
    known = set(named.values())
    extra = [("the venue's secret", value) for value in sorted(ctx.secret_values - known)]
    hits: dict[str, int] = {}
    for what, secret in [*named.items(), *extra, *(("signature", s) for s in sorted(ctx.signatures))]:
        lowered = secret.lower()
        found = sum(1 for text, low in zip(texts, folded, strict=True) if secret in text or lowered in low)
        if found:
            hits[what] = hits.get(what, 0) + found
    result.add("texts scanned", len(texts))
    result.add("signatures checked", len(ctx.signatures))
    result.add("hits", sum(hits.values()), must_be_zero=True)
    if hits:
        # Which kind leaked and how often; never the value.
        result.error = "found in the run's texts: " + ", ".join(f"{what} x{n}" for what, n in sorted(hits.items()))
    return result
