"""The native face: the same resources served as a native Pulumi provider plugin, which every
Pulumi language uses through ``pulumi package add`` (see the README, "From TypeScript, Go, C# or
YAML").

It is a thin adapter over the resources' providers (``job_deployment``, ``job_run``,
``job_settings``): the same declarations, checks, request bodies, read-back rules, retries,
scrubbing and run-following as the dynamic provider, reached through
``pulumi.provider.experimental``. What only this face does: values as ``PropertyValue``s
(``values``), field-level diffs, import by ID, secret outputs, Cancel, and messages sent to the
engine's log (``engine_log``).
"""
