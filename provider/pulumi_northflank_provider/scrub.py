"""Remove the API token from anything that came back from the network.

An answer is not always Northflank's: a proxy or a debug page that reflects the request's headers
puts ``Bearer <token>`` into an error message, an error id, a header or a redirect. Every answer
passes through a :class:`Scrubber` before any of it reaches an error, a log line or the state.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"

#: Any bearer credential, ours or not, whole or cut short by whoever echoed it.
_BEARER = re.compile(r"(?i)(bearer)(\s|%20|\+)+[^\s\"'<>,;&]+")


class Scrubber:
    """Replaces the token in each form it can take in an echo of the request: as sent, URL-encoded
    (a query string or a ``Location``) and JSON-escaped (``/`` optionally as ``\\/``)."""

    def __init__(self, token: str) -> None:
        escaped = json.dumps(token)[1:-1]
        forms = {
            token,
            quote(token, safe=""),
            quote_plus(token),
            escaped,
            escaped.replace("/", "\\/"),
        }
        # Longest first, so that no form is left half-replaced by a shorter one.
        self._forms = sorted((f for f in forms if f), key=len, reverse=True)

    def text(self, value: str) -> str:
        for form in self._forms:
            value = value.replace(form, REDACTED)
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)

    def data(self, value: bytes) -> bytes:
        """An answer's body, before it is parsed. Bytes that are not UTF-8 are left to the parser
        (which rejects them), but are scrubbed as Latin-1 so no form survives either way."""
        try:
            return self.text(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return self.text(value.decode("latin-1")).encode("latin-1")
