"""Calls to the Northflank API, and everything that keeps them safe: retries within a budget
(``retries``), a deadline for a whole answer (``deadline``), Northflank's rate-limit headers
(``rate_limit``), the token scrubbed out of every answer (``scrub``), and the errors a call ends
with (``errors``, about a ``call.Call``). ``client`` puts them together.

Only ``client``, ``retries`` and ``deadline`` import ``requests`` and ``urllib3`` (about 30 ms);
nothing imports them before the first request, so previews start without them.
"""
