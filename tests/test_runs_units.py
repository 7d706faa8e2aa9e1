"""The pieces of JobRun's run handling, called directly: how a status reads, how the listing finds
the newest runs in few requests, how log lines are ordered and cleaned."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_northflank_provider.http.scrub import Scrubber
from pulumi_northflank_provider.runs.api import PER_PAGE, Page
from pulumi_northflank_provider.runs.listing import RunListing
from pulumi_northflank_provider.runs.logs import chronological, shown
from pulumi_northflank_provider.runs.model import Run


@pytest.mark.parametrize(
    ("data", "status", "concluded"),
    [
        ({"status": "SUCCESS"}, "SUCCESS", True),
        ({"status": "success", "concluded": True}, "SUCCESS", True),
        ({"status": " Failed "}, "FAILED", True),
        ({"status": "CANCELLED"}, "FAILED", True),
        ({"status": "RUNNING", "concluded": True}, "FAILED", True),
        ({"status": "running"}, "RUNNING", False),
        ({"status": "PENDING"}, "RUNNING", False),
        ({"status": "PENDING", "concluded": True}, "FAILED", True),
        ({}, "RUNNING", False),
    ],
)
def test_how_a_status_reads(data: dict[str, Any], status: str, concluded: bool) -> None:
    run = Run.parse({"id": "r1", **data}, "test")
    assert (run.status, run.concluded) == (status, concluded)
    if not concluded:
        assert run.concluded_at is None


class FakeRuns:
    """A job's runs over a fake API: ``total`` runs, oldest or newest first."""

    def __init__(self, total: int, newest_first: bool, honours_pages: bool = True) -> None:
        self.total = total
        self.newest_first = newest_first
        self.honours_pages = honours_pages
        self.target = "job 'j' in project 'p'"

    def runs(self) -> list[Run]:
        ordered = [
            Run(f"r{n}", f"run-{n}", "SUCCESS", True, f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z")
            for n in range(self.total)
        ]
        return ordered[::-1] if self.newest_first else ordered

    def page(self, number: int | None = None, cursor: str | None = None) -> Page:
        offset = int(cursor) if cursor else ((number or 1) - 1) * PER_PAGE
        if not self.honours_pages and cursor is None:
            offset = 0
        runs = self.runs()
        chunk, more = runs[offset : offset + PER_PAGE], offset + PER_PAGE < len(runs)
        return Page(chunk, more, str(offset + PER_PAGE) if more else None)


@pytest.mark.parametrize("total", [0, 5, 100, 101, 250, 2050, 9999])
@pytest.mark.parametrize("newest_first", [True, False])
def test_the_newest_runs_are_found_in_few_requests(total: int, newest_first: bool) -> None:
    api = FakeRuns(total, newest_first)
    listing = RunListing(api)  # type: ignore[arg-type]
    newest = {run.id for run in listing.newest()}
    if total:
        assert f"r{total - 1}" in newest
    assert listing.requests <= (
        1 if newest_first else 2 + 2 * max(1, (total // PER_PAGE)).bit_length()
    )
    before = listing.requests
    api.total += 1  # a run started: the next look finds it at once
    assert f"r{total}" in {run.id for run in listing.newest()}
    assert listing.requests - before <= 3


def test_a_server_that_ignores_page_numbers_is_walked_with_cursors() -> None:
    api = FakeRuns(450, newest_first=False, honours_pages=False)
    listing = RunListing(api)  # type: ignore[arg-type]
    assert "r449" in {run.id for run in listing.newest()}
    assert listing.requests == 2 + 4  # page 1, page "2" (page 1 again), then 4 cursor pages


def entry(n: int, ts: Any = None) -> dict[str, Any]:
    return {"log": f"line {n}", **({"ts": ts} if ts is not None else {})}


def test_log_entries_are_ordered_by_their_timestamps_whatever_the_server_sent() -> None:
    stamps = [f"2026-01-01T00:00:0{n}.{n}Z" for n in range(5)]
    newest_first = [entry(n, stamps[n]) for n in reversed(range(5))]
    oldest_first = [entry(n, stamps[n]) for n in range(5)]
    shuffled = [oldest_first[i] for i in (3, 0, 4, 1, 2)]
    for entries in (newest_first, oldest_first, shuffled):
        assert [e["log"] for e in chronological(entries)] == [f"line {n}" for n in range(5)]


def test_without_timestamps_a_server_that_ignored_the_limit_is_read_oldest_first() -> None:
    many = [entry(n) for n in range(30)]  # more than asked for: the server's own order
    assert chronological(many)[-1]["log"] == "line 29"
    few = [entry(n) for n in reversed(range(5))]  # as asked: newest first
    assert chronological(few)[-1]["log"] == "line 4"


def test_a_line_is_scrubbed_before_it_is_cleaned_collapsed_and_cut() -> None:
    secret = "correct  horse\tbattery"
    scrub = Scrubber(None, [secret, " ".join(secret.split())])
    assert shown(f"pw={secret} ok", scrub) == "pw=<redacted> ok"
    assert shown("pw=correct horse battery", scrub) == "pw=<redacted>"
    assert shown("pw=\x1b[1mcorrect  horse\x1b[0m\tbattery", scrub) == "pw=<redacted>"
    cut = shown("x" * 495 + " zqsecret", Scrubber(None, ["zqsecret"]))
    assert "zqse" not in cut and cut.startswith("x" * 495 + " <red")


def test_a_message_starts_with_a_capital_and_keeps_the_case_of_its_ids() -> None:
    from pulumi_northflank_provider import log

    assert log.sentence("job 'ETL-Job' in project 'Shop'") == "Job 'ETL-Job' in project 'Shop'"
