"""The benchmark: ``python -m bench`` (or ``make bench``) from the repository root.

It starts the Northflank API emulator on loopback, drives the real plugin process over gRPC as
the Pulumi engine does (with ``northflank_devtools.engine_driver``), measures it side by side with
a plain ``requests`` floor and with the ways people script the same updates today (Northflank's
Python client and CLI), and prints one table, also written to ``bench/results.json`` (and a plot to
``bench/results.png`` when matplotlib is installed). See ``python -m bench --help``.
"""
