"""A failed run's last log lines, as the error shows them: the last lines whatever the server
does with ``lineLimit`` and ``direction``, cleaned of what a terminal would interpret, and with no
secret in them however the line is later normalised or cut."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from itertools import pairwise
from typing import Any

from ..errors import quoted
from ..http.errors import UnexpectedAnswer, shape
from ..http.scrub import Scrubber
from .api import JobRuns
from .model import Run

LOG_LINES = 20  # of a failed run, in the error

#: Container log lines keep the runtime's prefix: "<timestamp> stdout F " (or "stdout F ").
_CRI_PREFIX = re.compile(r"^(?:\S+ )?(?:stdout|stderr) [FP] ")
#: Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links), and the rest.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
#: Control characters other than tab, and lone surrogates (a line cut in the middle of a
#: character): nothing a message can carry.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]|[\ud800-\udfff]")
#: A fraction of a second, as Python 3.10's ``fromisoformat`` takes it: exactly six digits.
_FRACTION = re.compile(r"\.(\d+)")


def last_lines(runs: JobRuns, run: Run, scrubber: Scrubber) -> list[str]:
    """The run's last ``LOG_LINES`` lines, oldest first, ready to show."""
    call = runs.logs_call(run)
    params: dict[str, str | int] = {
        "queryType": "range",
        "runId": run.id,
        "lineLimit": LOG_LINES,
        "direction": "backward",  # the last lines, newest first
    }
    data = runs.send(call, params=params)
    entries = data if isinstance(data, list) else None
    if isinstance(data, Mapping):  # shapes the official Python client also accepts
        entries = data.get("logs") or data.get("data")
    if not isinstance(entries, list):
        raise UnexpectedAnswer(f"the answer is not a list of log lines (its data is {shape(data)})")
    ordered = chronological([entry for entry in entries if isinstance(entry, Mapping)])
    return [shown(_log_text(entry), scrubber) for entry in ordered[-LOG_LINES:]]


def chronological(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The entries oldest first. Their timestamps decide when every entry has one; otherwise the
    order asked for (newest first) is trusted only if the server also kept to ``lineLimit``: one
    that ignored the limit sends its default order, oldest first."""
    stamps = [_timestamp(entry.get("ts")) for entry in entries]
    known = [stamp for stamp in stamps if stamp is not None]
    if entries and len(known) == len(entries):
        if all(a >= b for a, b in pairwise(known)):
            return list(reversed(entries))  # newest first, as asked: ties keep their order
        if all(a <= b for a, b in pairwise(known)):
            return list(entries)
        order = sorted(range(len(entries)), key=lambda i: (known[i], i))
        return [entries[i] for i in order]
    return list(reversed(entries)) if len(entries) <= LOG_LINES else list(entries)


def shown(text: str, scrubber: Scrubber) -> str:
    """A log line for a message. Scrubbed before each step that could join a secret back
    together (removing escapes, collapsing whitespace) and before it is cut."""
    text = scrubber.text(text)
    text = _UNSHOWABLE.sub(" ", _ESCAPES.sub("", text)).replace("\t", " ")
    text = scrubber.text(text)
    text = scrubber.text(" ".join(text.split()))
    return quoted(text)


def _log_text(entry: Mapping[str, Any]) -> str:
    text = entry.get("log")
    text = text if isinstance(text, str) else json.dumps(text)
    return _CRI_PREFIX.sub("", text.rstrip("\n"))


def _timestamp(value: Any) -> float | None:
    """An entry's ``ts``: ISO 8601 (any precision, ``Z`` or an offset) or Unix seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
