"""A job's newest runs, found in a bounded number of requests whatever the listing's order.

Northflank does not document the order of ``GET .../runs``. Newest first, the first page holds
the newest runs. Oldest first, they are on the last page: it is found by galloping and bisecting
over page numbers (about 2 log2(pages) requests: 11 for 2,050 runs) and remembered, so that each
later look costs one or two requests. A server that ignores ``page`` is walked with cursors, up to
``CURSOR_PAGES_MAX`` pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import log
from .api import PER_PAGE, JobRuns, Page
from .model import Run

#: Fewer runs than this on the last page: the page before is read too, so that "the newest runs"
#: never means one or two (a run still going may sit just before the page break).
NEWEST_AT_LEAST = 10
#: Pages followed at most when the server ignores ``page`` and only cursors work.
CURSOR_PAGES_MAX = 20


class RunListing:
    """The newest runs of one job, as one create looks at them again and again."""

    def __init__(self, runs: JobRuns) -> None:
        self._api = runs
        #: Oldest first: the page number the newest runs were last found on.
        self._last_page: int | None = None
        self._pages_ignored = False
        #: Requests made so far (the tests and the README count them).
        self.requests = 0

    def newest(self) -> list[Run]:
        """At least the newest page's worth of the job's runs (every run when there are few)."""
        if self._pages_ignored:
            return self._walk_with_cursors()
        if self._last_page is not None:
            return self._tail(self._last_page, None)
        first = self._page(1)
        if not first.has_next or _newest_first(first.runs):
            return first.runs
        return self._tail(1, first)

    def _page(self, number: int | None = None, cursor: str | None = None) -> Page:
        self.requests += 1
        return self._api.page(number, cursor)

    def _tail(self, start: int, start_page: Page | None) -> list[Run]:
        """The runs of the last page (and the one before, if the last holds few), searching from
        page ``start``."""
        found = self._find_last(start, start_page)
        if found is None:
            self._pages_ignored = True
            return self._walk_with_cursors(start_page)
        number, last = found
        self._last_page = number
        runs = last.runs
        if len(runs) < NEWEST_AT_LEAST and number > 1:
            runs = self._page(number - 1).runs + runs
        return runs

    def _find_last(self, start: int, start_page: Page | None) -> tuple[int, Page] | None:
        """The last page and its number; None if the server answers every page alike."""
        page = start_page if start_page is not None else self._page(start)
        if not page.runs and start > 1:
            return self._find_last(1, None)  # fewer runs than when the page was remembered
        if not page.has_next:
            return start, page
        first_id = page.runs[0].id if page.runs and start == 1 else None
        # Invariant: page ``low`` has runs and a next page; page ``high`` (once known) has none.
        low, low_page = start, page
        high: int | None = None
        step = 1
        while high is None:
            probe = self._page(low + step)
            if first_id is not None and probe.runs and probe.runs[0].id == first_id:
                return None  # page 2 is page 1 again: ``page`` is ignored
            first_id = None
            if not probe.runs:
                high = low + step
            elif not probe.has_next:
                return low + step, probe
            else:
                low, low_page, step = low + step, probe, step * 2
        while high - low > 1:
            middle = (low + high) // 2
            probe = self._page(middle)
            if not probe.runs:
                high = middle
            elif not probe.has_next:
                return middle, probe
            else:
                low, low_page = middle, probe
        # ``low`` says a page follows, and none does (runs went away meanwhile): ``low`` is last.
        return low, low_page

    def _walk_with_cursors(self, first: Page | None = None) -> list[Run]:
        page = first if first is not None else self._page(1)
        runs = list(page.runs)
        for _ in range(CURSOR_PAGES_MAX - 1):
            if not page.has_next or page.cursor is None:
                return runs[-PER_PAGE:] if not _newest_first(runs) else runs[:PER_PAGE]
            page = self._page(cursor=page.cursor)
            runs += page.runs
        log.warn_once(
            f"runs-cut:{self._api.target}",
            f"{self._api.target} has more than {PER_PAGE * CURSOR_PAGES_MAX} runs, listed oldest "
            "first, and the API ignores page numbers: only those were looked at.",
        )
        return runs[-PER_PAGE:]


def _newest_first(page: Sequence[Run]) -> bool:
    starts = [run.started_at for run in page if run.started_at]
    return len(starts) < 2 or starts[0] >= starts[-1]
