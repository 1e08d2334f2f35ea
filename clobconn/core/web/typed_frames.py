"""Typed decoding of a stream's hot messages: straight from the frame's text into a msgspec ``Struct``.

A connector whose book stream is hot declares the messages worth it (a depth diff) as ``Struct`` types,
each known by how its frame opens (Binance's ``{"e":"depthUpdate",``), and passes a ``TypedFrames`` as
its ``ConnectSpec.text_decoder``. A frame that opens so is decoded by msgspec in one pass, its types
checked as it goes, about half the time of ``orjson.loads`` and a dict's lookups; every other frame
(subscription answers, other channels, the same message written another way) goes through orjson as
before, and the connector's parser reads a dict. The opening is only a selector: a frame it misses
takes the ordinary path and loses nothing but speed.

A frame the typed decode refuses (a string where the venue sends a number, a field missing, an id
beyond 64 bits) is decoded again by orjson and takes the ordinary path, so a malformed frame meets
exactly the checks it met without a typed decoder: refused by orjson, logged and skipped by the
stream, or refused by the book's level checks, which resync the book it was for. Typed decoding
checks types only; every value still goes through ``check_book_message`` before it touches a book.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
import orjson


class TypedFrames:
    """A ``ConnectSpec.text_decoder``: ``Struct`` types for the frames that open with a given text, orjson
    for the rest (and for a frame its ``Struct`` refuses)."""

    __slots__ = ("_decoders",)

    def __init__(self, structs: Mapping[str, type[msgspec.Struct]]) -> None:
        if not structs:
            raise ValueError("TypedFrames needs at least one frame opening and its Struct")
        self._decoders = tuple((opening, msgspec.json.Decoder(struct).decode) for opening, struct in structs.items())

    def __call__(self, text: str) -> Any:
        for opening, decode in self._decoders:
            if text.startswith(opening):
                try:
                    return decode(text)
                except msgspec.DecodeError:  # a type refused, or no JSON at all: orjson's path decides
                    break
        return orjson.loads(text)
