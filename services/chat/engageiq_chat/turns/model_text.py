"""`ModelText`: what the model writes (or the offline responder quotes from a document), made
unable to pose as one of the service's citation markers. Only the service writes markers
(`[1]`, after the claim it cites: decision 0109); a `[1]` or `[<file id>]` in the model's own
text, perhaps planted in a document it read, would otherwise render as a link to a source the
answer never cited.

A `[` that opens a marker-shaped run (`[` + 1-64 of `A-Za-z0-9_-` + `]`, not followed by `(`:
what the web app's renderer reads as a marker, `web/src/lib/markdown.ts`) is written `\\[`:
markdown shows a plain `[`, and no renderer reads it as a marker. A streamed delta can end
inside such a run, so a trailing run that is not yet decided is held until the next delta or
the end."""

from __future__ import annotations

import re
from typing import Final

_MARKER_SHAPED: Final = re.compile(r"\[(?=[A-Za-z0-9_-]{1,64}\](?!\())")
# Held: a `[` the rest of the run may follow, or a whole run whose next character decides
# (a markdown link, `[text](url)`, is no marker).
_OPEN_AT_END: Final = re.compile(r"\[[A-Za-z0-9_-]{0,64}\]?$")


class ModelText:
    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        """The part of the text so far that can be shown, marker-shaped runs escaped."""
        text = self._held + text
        tail = _OPEN_AT_END.search(text)
        if tail is None:
            self._held = ""
        else:
            self._held, text = text[tail.start() :], text[: tail.start()]
        return _MARKER_SHAPED.sub(r"\\[", text)

    def flush(self) -> str:
        """What is held back, escaped as the end of the text."""
        held, self._held = self._held, ""
        return _MARKER_SHAPED.sub(r"\\[", held)
