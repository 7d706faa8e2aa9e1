"""A local emulator of the Northflank API endpoints used by pulumi-northflank.

``models`` holds the state, ``responses`` speaks HTTP, ``schema`` validates request bodies with
Northflank's own schemas, ``server`` runs it all.
"""

from .models import DEFAULT_TOKEN, Backend, Grant
from .server import EmulatorServer

__all__ = ["DEFAULT_TOKEN", "Backend", "EmulatorServer", "Grant"]
