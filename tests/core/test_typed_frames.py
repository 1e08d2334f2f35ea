"""TypedFrames: a stream's hot frames decoded straight into a Struct, every other frame by orjson."""

from __future__ import annotations

import msgspec
import orjson
import pytest

from clobconn.core.web.typed_frames import TypedFrames


class Tick(msgspec.Struct):
    s: str
    u: int
    b: list[tuple[str, str]]


FRAMES = TypedFrames({'{"e":"tick",': Tick})


def test_a_frame_that_opens_as_declared_is_decoded_into_its_struct() -> None:
    frame = '{"e":"tick","s":"BTCUSDT","u":7,"b":[["100.5","2"]],"unread":{"x":[1]}}'
    assert FRAMES(frame) == Tick("BTCUSDT", 7, [("100.5", "2")])


def test_every_other_frame_is_decoded_by_orjson() -> None:
    for frame in ('{"result":null,"id":1}', '[1,2]', '{"e":"trade","p":"1"}',
                  # The same message written another way misses the opening: still decoded, as a dict.
                  '{"e": "tick", "s": "BTCUSDT", "u": 7, "b": []}'):
        assert FRAMES(frame) == orjson.loads(frame)


def test_a_frame_its_struct_refuses_is_decoded_by_orjson_for_the_ordinary_checks() -> None:
    # The venue's documented types are the Struct's; a frame breaking them is no longer the hot message,
    # and the parser's dict path with the book's checks (not the Struct) must decide what it is.
    for frame in ('{"e":"tick","s":"BTCUSDT","u":"7","b":[]}',
                  '{"e":"tick","s":"BTCUSDT","u":7,"b":[["100.5",true]]}',
                  '{"e":"tick","s":null}'):
        assert FRAMES(frame) == orjson.loads(frame)


def test_a_frame_that_is_no_json_still_raises_for_the_stream_to_skip() -> None:
    with pytest.raises(orjson.JSONDecodeError):
        FRAMES('{"e":"tick","s":')


def test_a_decoder_needs_a_declared_frame() -> None:
    with pytest.raises(ValueError, match="at least one"):
        TypedFrames({})
