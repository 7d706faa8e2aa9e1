"""A local emulator of the Northflank API endpoints used by pulumi-northflank.

``models`` holds the state (jobs, their deployments, their runs and the runs' logs), ``responses``
speaks HTTP, ``schema`` validates request bodies with Northflank's own schemas, ``server`` runs it
all. How a job's runs go is scripted per job with ``Backend.script_runs`` and a ``RunScript``.
"""

from .models import DEFAULT_TOKEN, Backend, Grant, Run, RunScript
from .server import EmulatorServer

__all__ = ["DEFAULT_TOKEN", "Backend", "EmulatorServer", "Grant", "Run", "RunScript"]
