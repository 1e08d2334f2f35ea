"""The conformance kit: a loopback mock venue and the shared scenario suites."""

from clobconn.testing.fixtures import FixtureSet, render
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

__all__ = ["FixtureSet", "MockResponse", "MockVenue", "RecordedRequest", "render"]
