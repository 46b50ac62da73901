"""A PDF render worker (started by services.documents.render): reads invoice HTML from stdin, writes
each PDF to stdout, until stdin closes (its portal process ended). Each message is preceded by its
length (8 bytes, big-endian); an answer starts with 1 and the PDF, or 0 and the reason it failed."""

from __future__ import annotations

import os
import struct
import sys
from typing import BinaryIO

from services.documents.render import WARM_UP_HTML, RenderError, render_html


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    render_html(WARM_UP_HTML)  # fonts and caches loaded before the first real invoice
    while True:
        head = _read_exactly(source, 8)
        if head is None:
            return
        html = _read_exactly(source, struct.unpack(">Q", head)[0])
        if html is None:
            return
        try:
            ok, payload = 1, render_html(html.decode("utf-8"))
        except RenderError as error:
            ok, payload = 0, str(error).encode("utf-8")
        except Exception as error:  # noqa: BLE001 - reported to the portal as a failed render
            ok, payload = 0, f"the PDF could not be rendered ({type(error).__name__})".encode()
        sink.write(bytes([ok]) + struct.pack(">Q", len(payload)) + payload)
        sink.flush()


if __name__ == "__main__":
    # The answers get the real stdout to themselves; anything a library prints goes to stderr (the
    # portal's log) instead of into a PDF.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)
