"""Remove the API token from anything that came back from the network.

An answer is not always Northflank's: a proxy or a debug page that reflects the request's headers
puts ``Bearer <token>`` into an error message, an error id, a header or a redirect. Every answer
passes through a :class:`Scrubber` before any of it reaches an error, a log line or the state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"

#: Any bearer credential, ours or not, whole or cut short by whoever echoed it.
_BEARER = re.compile(r"(?i)(bearer)(\s|%20|\+)+[^\s\"'<>,;&]+")


#: Secret values shorter than this are not scrubbed: "1" or "yes" would blank out every answer,
#: and cannot be a credential.
MIN_SECRET_LENGTH = 4


class Scrubber:
    """Replaces the token, and other ``secrets`` sent (a run's environment values), in each form
    it can take in an echo of the request: as sent, URL-encoded (a query string or a
    ``Location``) and JSON-escaped (``/`` optionally as ``\\/``)."""

    def __init__(self, token: str | None, secrets: Iterable[str] = ()) -> None:
        self._token_forms = _forms([token] if token else [])
        self._forms = _forms(
            [*([token] if token else []), *(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)]
        )

    def text(self, value: str) -> str:
        """Text to show: an error's message, a header, a log line."""
        for form in self._forms:
            value = value.replace(form, REDACTED)
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)

    def data(self, value: bytes) -> bytes:
        """An answer's body, before it is parsed: the token alone, which is long and random, so
        that replacing it never breaks the JSON around it (a secret as short as ``true`` would).
        Bytes that are not UTF-8 are left to the parser, which rejects them, but are scrubbed as
        Latin-1 so that no form survives either way."""
        try:
            text, encoding = value.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = value.decode("latin-1"), "latin-1"
        for form in self._token_forms:
            text = text.replace(form, REDACTED)
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text).encode(encoding)


def _forms(values: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for value in values:
        escaped = json.dumps(value)[1:-1]
        forms |= {
            value,
            quote(value, safe=""),
            quote_plus(value),
            escaped,
            escaped.replace("/", "\\/"),
        }
    # Longest first, so that no form is left half-replaced by a shorter one.
    return sorted((f for f in forms if f), key=len, reverse=True)
