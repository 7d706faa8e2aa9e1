"""Remove the API token from anything that came back from the network.

An answer is not always Northflank's: a proxy or a debug page that reflects the request's headers
puts ``Bearer <token>`` into an error message, an error id, a header or a redirect, whole or cut
short, upper-cased, JSON-escaped or percent-encoded. Every answer is parsed first and passes
through a :class:`Scrubber` string by string before any of it reaches an error, a log line or the
state: scrubbing the raw bytes missed what only decoding reveals (``\\u006e...`` escapes, UTF-16).
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus, unquote

REDACTED = "<redacted>"

#: Any bearer credential, ours or not, whole or cut short by whoever echoed it.
_BEARER = re.compile(r"(?i)(bearer)(\s|%20|\+)+[^\s\"'<>,;&]+")

#: Any piece of the token this long is redacted wherever it appears: 12 random characters never
#: turn up by chance, while an echo cut short, or split over two fields, still holds such a piece.
TOKEN_FRAGMENT = 12

#: Values only guessed to be secret (see :func:`guessed_secrets`) shorter than this are not
#: scrubbed: "1" or "yes" would blank out every answer, and cannot be a credential.
MIN_SECRET_LENGTH = 4

#: How many layers of percent-encoding are undone to look for the token (``%2541`` is two).
_MAX_DECODINGS = 3

#: The length of the shortest bearer credential ``_BEARER`` finds, ``Bearer x``.
_SHORTEST_BEARER = 8

_SURROGATES = re.compile("[\ud800-\udfff]")

#: A scrubber remembers strings it found nothing in, up to this length and this many: header
#: values, an answer's keys and most of its values come back in every answer, and a lookup costs a
#: fraction of the searches.
_REMEMBERED_LENGTH = 256
_REMEMBERED_COUNT = 4096


def guessed_secrets(values: Iterable[str], min_length: int = MIN_SECRET_LENGTH) -> list[str]:
    """The values worth scrubbing among those a caller only guesses are secret (as opposed to
    values marked secret, which :class:`Scrubber` takes whatever their length)."""
    return [value for value in values if len(value.strip()) >= min_length]


def clean(text: str) -> str:
    """A decoded string without lone surrogates (from a ``\\ud800`` escape or a UTF-16 body):
    they cannot be encoded for gRPC or the state, and would fail the whole call there."""
    # isascii() is a flag lookup: most strings have nothing to search for.
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


def parse(content: bytes) -> tuple[Any, bool]:
    """An answer's JSON (UTF-8, -16 or -32, as ``json`` detects it) and whether it was JSON.

    A byte that is not valid in its encoding becomes U+FFFD: one bad byte in a log line must not
    lose the whole answer. Nesting too deep to parse counts as not JSON.
    """
    try:
        return json.loads(content), True
    except UnicodeDecodeError:  # a ValueError too: caught first
        text = content.decode(json.detect_encoding(content), errors="replace")
    except (ValueError, RecursionError):
        return None, False
    try:
        return json.loads(text), True
    except (ValueError, RecursionError):
        return None, False


class Scrubber:
    """Replaces the token, and other ``secrets`` sent (a run's secret environment values).

    The token is redacted in any piece of :data:`TOKEN_FRAGMENT` characters or more, in any
    letter case, as sent, URL-encoded or JSON-escaped; a text whose percent-decoding still shows
    a piece is redacted whole. ``secrets`` are matched exactly (they may be short and common, so a
    piece of one proves nothing), as a whole and line by line, as sent, URL-encoded and
    JSON-escaped. Callers that only guess which values are secret filter them first with
    :func:`guessed_secrets`.
    """

    def __init__(self, token: str | None, secrets: Iterable[str] = ()) -> None:
        self._token = _token_finder(token) if token else None
        #: A shorter string holds neither a piece of the token nor a bearer credential.
        self._shortest = min(
            self._token.size if self._token else _SHORTEST_BEARER, _SHORTEST_BEARER
        )
        forms = _forms(_secret_values(secrets))
        self._secrets = re.compile("|".join(map(re.escape, forms))) if forms else None
        #: Strings :meth:`text` returned as they came (see ``_REMEMBERED_LENGTH``). Nothing in
        #: them is secret, so keeping them keeps nothing secret.
        self._unchanged: dict[str, None] = {}

    def text(self, value: str) -> str:
        """Text to show: an error's message, a header, a log line. Call it before the text is
        flattened or cut short (``errors.quoted``), which would break up a multi-line secret."""
        if self._known_unchanged(value):
            return value
        shown = self._text(value)
        if shown == value:
            self._remember_unchanged(value)
        return shown

    def _text(self, value: str) -> str:
        value = clean(value)
        token = self._token_spans(value)
        if token is None:
            return REDACTED
        # The token's and the secrets' places are all found in the text as it came, then replaced
        # together: replacing one first would split the other, or match inside a marker.
        secrets = [m.span() for m in self._secrets.finditer(value)] if self._secrets else []
        return _without_bearer(_redact(value, token + secrets))

    def data(self, value: Any) -> Any:
        """A parsed answer with the token out of every string, keys too. Only the token: a
        secret as short as ``1`` would rewrite ids and statuses (messages go through ``text``)."""
        return _each_string(value, self._without_token)

    def deep(self, value: Any) -> Any:
        """A parsed value with every string, keys too, as :meth:`text` shows it."""
        return _each_string(value, self.text)

    def _without_token(self, value: str) -> str:
        if len(value) < self._shortest:
            return clean(value)  # most strings of an answer: skipped, as they are many
        if self._known_unchanged(value):
            return value
        cleaned = clean(value)
        token = self._token_spans(cleaned)
        shown = REDACTED if token is None else _without_bearer(_redact(cleaned, token))
        if shown == value and self._secrets is None:  # without secrets, as text() would have it
            self._remember_unchanged(value)
        return shown

    def _known_unchanged(self, value: str) -> bool:
        return len(value) <= _REMEMBERED_LENGTH and value in self._unchanged

    def _remember_unchanged(self, value: str) -> None:
        if len(value) > _REMEMBERED_LENGTH:
            return
        if len(self._unchanged) >= _REMEMBERED_COUNT:
            self._unchanged.clear()  # answers have moved on: start again
        self._unchanged[value] = None

    def _token_spans(self, value: str) -> list[tuple[int, int]] | None:
        """Where the token is in ``value``; None when only percent-decoding the rest of it shows
        the token, so that it cannot be cut out and the whole value has to go."""
        if self._token is None:
            return []
        spans = self._token.spans(value)
        if "%" in value and self._token.in_percent_decoding(_redact(value, spans)):
            return None
        return spans


def _without_bearer(value: str) -> str:
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)


class _TokenFinder:
    """The token's forms and pieces, compiled once per token (see :func:`_token_finder`)."""

    def __init__(self, token: str) -> None:
        self.size = min(TOKEN_FRAGMENT, len(token))
        lowered = token.lower()
        pieces = {lowered[i : i + self.size] for i in range(len(lowered) - self.size + 1)}
        # Searched case-sensitively in lower-cased text: the regex engine then skips ahead on
        # the first characters alone, ten times faster than with IGNORECASE on a 4 MB answer.
        self._pieces = re.compile(_trie_pattern(pieces))
        self._forms = re.compile(
            "|".join(map(re.escape, _forms([token]))), re.IGNORECASE | re.ASCII
        )

    def __reduce__(self) -> Any:
        raise TypeError("a scrubber holds the API token and must never be pickled")

    def __repr__(self) -> str:
        return "_TokenFinder(<redacted>)"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the token is in ``text``: each form, and every window that is a piece of it."""
        found = [match.span() for match in self._forms.finditer(text)]
        return found + [(start, start + self.size) for start in self._starts(_lower(text))]

    def _starts(self, lowered: str) -> Iterator[int]:
        """Every position where a piece starts, overlapping ones included: a search finds the
        next one, then each following position is tried until one is not a piece."""
        found = self._pieces.search(lowered)
        while found is not None:
            at = found.start()
            while self._pieces.match(lowered, at):
                yield at
                at += 1
            found = self._pieces.search(lowered, at)

    def in_percent_decoding(self, text: str) -> bool:
        """Whether undoing percent-encoding (up to a few layers) shows the token or a piece."""
        for _ in range(_MAX_DECODINGS):
            decoded = unquote(text) if "%" in text else text
            if decoded == text:
                return False
            if self._forms.search(decoded) or self._pieces.search(_lower(decoded)):
                return True
            text = decoded
        return False


@functools.lru_cache(maxsize=4)
def _token_finder(token: str) -> _TokenFinder:
    # Cached: every API call makes a Scrubber, and compiling a token's pieces takes a while.
    return _TokenFinder(token)


def _lower(text: str) -> str:
    """``text`` lower-cased, character for character (positions must stay those of ``text``)."""
    lowered = text.lower()
    # A few characters lower-case to two ("\u0130"); never to none, so equal lengths align.
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, as a tree of shared prefixes: the engine tries one
    character class per position instead of every word."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branches(tree)


def _branches(node: dict[str, Any]) -> str:
    alternatives = [
        re.escape(char) + _branches(child) if char else "" for char, child in sorted(node.items())
    ]
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def _redact(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each run of overlapping or touching ``spans`` replaced by one marker."""
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    kept = 0  # text[:kept] is already in parts
    for start, end in merged:
        parts += [text[kept:start], REDACTED]
        kept = end
    parts.append(text[kept:])
    return "".join(parts)


def _secret_values(secrets: Iterable[str]) -> list[str]:
    """Each secret whole, and each non-blank line of it stripped (a multi-line secret, such as a
    key file, is echoed line by line as often as whole)."""
    values: list[str] = []
    for secret in secrets:
        if not secret.strip():
            continue  # blank: it would match every gap between words
        values.append(secret)
        values.extend(line.strip() for line in secret.splitlines() if line.strip())
    return values


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
    # Longest first, so that a regex alternation never stops at a shorter form inside a longer.
    return sorted((f for f in forms if f), key=len, reverse=True)


def _each_string(value: Any, change: Callable[[str], str]) -> Any:
    """A parsed JSON value with ``change`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_each_string(item, change) for item in value]
    if isinstance(value, dict):
        return {change(key): _each_string(item, change) for key, item in value.items()}
    return value
