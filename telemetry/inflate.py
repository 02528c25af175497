"""Compressed request bodies, as device software sends them: gzip (Telegraf, the InfluxDB clients),
deflate, and emonhub's bare zlib stream. Inflated with a bound on the *inflated* size, so a small
body that would inflate to gigabytes (a gzip bomb) is refused after at most `limit` bytes of work."""
from __future__ import annotations

import zlib

GZIP_WBITS = 16 + zlib.MAX_WBITS
ZLIB_WBITS = zlib.MAX_WBITS
RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
CONTENT_ENCODINGS = {"gzip": GZIP_WBITS, "x-gzip": GZIP_WBITS, "deflate": ZLIB_WBITS}
"""The Content-Encoding values we inflate, with their zlib window bits."""


class InflatedTooLarge(ValueError):
    """The body inflates to more than the limit."""


class NotInflatable(ValueError):
    """The body is not a valid (or a complete) compressed stream; the message says why."""


def _looks_like_zlib(data: bytes) -> bool:
    """Whether `data` starts with a zlib header (RFC 1950), not raw deflate (RFC 1951)."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def wbits_for(content_encoding: str, data: bytes) -> int | None:
    """The window bits to inflate a body of this Content-Encoding with, or None when we do not know
    the encoding. HTTP's "deflate" is a zlib stream, but some clients send raw deflate: both work."""
    wbits = CONTENT_ENCODINGS.get(content_encoding.strip().lower())
    if wbits == ZLIB_WBITS and not _looks_like_zlib(data):
        return RAW_DEFLATE_WBITS
    return wbits


def inflate(data: bytes, wbits: int, limit: int) -> bytes:
    """`data` inflated (several gzip members one after another too); raises InflatedTooLarge once the
    output would pass `limit` bytes and NotInflatable for a corrupt or truncated stream."""
    output = bytearray()
    pending = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            while True:
                output += inflater.decompress(pending, limit + 1 - len(output))
                if len(output) > limit:
                    raise InflatedTooLarge(f"the body inflates to more than {limit} bytes")
                pending = inflater.unconsumed_tail
                if inflater.eof or not pending:
                    break
        except zlib.error as exc:
            raise NotInflatable(f"the compressed body is not valid: {exc}") from None
        if not inflater.eof:
            raise NotInflatable("the compressed body is cut short")
        pending = inflater.unused_data
        if wbits != GZIP_WBITS or not pending.strip(b"\0"):
            return bytes(output)
