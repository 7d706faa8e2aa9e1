"""A local emulator of the Northflank API endpoints used by pulumi-northflank, laid out as moto's.

* ``models``: the state (teams, projects, jobs and their deployments, runs and their logs, tokens,
  rate limits, recorded requests, scripted faults);
* ``routes``: the URL patterns of the API and of the test-control API, each naming its handler;
* ``handlers``: the API over HTTP (auth, rate limit, one thin method per route, the envelopes);
* ``control``: the test-control API under ``/_emulator/``;
* ``faults``: the scripted fault kinds and how each is played on the wire;
* ``exceptions``: the typed errors and Northflank's error envelope;
* ``schema``: request-body validation with Northflank's own schemas;
* ``server``: the HTTP server, and the dispatch of each request to the modules above.

How a job's runs go is scripted per job with ``Backend.script_runs`` and a ``RunScript``.
"""

from .models import DEFAULT_TOKEN, Backend, Grant, Run, RunScript
from .server import EmulatorServer

__all__ = ["DEFAULT_TOKEN", "Backend", "EmulatorServer", "Grant", "Run", "RunScript"]
