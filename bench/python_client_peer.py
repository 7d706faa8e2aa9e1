"""Peer (a): the updates done with Northflank's official Python client, as people script them.

Run by ``bench.peers`` in a process of its own, with the client installed in ``bench/.peers`` on
``PYTHONPATH``. Reads ``{"url": ..., "project": ..., "updates": [[jobId, body], ...]}`` on stdin
and the token from ``NF_API_TOKEN``; prints ``{"import_s": ..., "updates_s": ...}``: the time to
import the client, and the time for the updates (one client, one after the other in a loop).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    job = json.load(sys.stdin)
    start = time.perf_counter()
    from northflank import ApiClient  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415

    imported = time.perf_counter()
    client = ApiClient(api_token=os.environ["NF_API_TOKEN"], base_url=job["url"])
    for job_id, body in job["updates"]:
        client.update.job.deployment(project_id=job["project"], job_id=job_id, data=body)
    done = time.perf_counter()
    print(json.dumps({"import_s": imported - start, "updates_s": done - imported}))


if __name__ == "__main__":
    main()
