"""Development tools for this repository, never shipped in the pulumi-northflank wheel.

``engine_driver`` drives the real dynamic-provider plugin as the Pulumi engine does, for the
tests, the benchmark and the demo's walk-through without the CLI.
"""
