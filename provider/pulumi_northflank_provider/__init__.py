"""The provider side of pulumi-northflank: what the Pulumi engine's plugin process runs.

Programs import :mod:`pulumi_northflank` instead; this package holds the wire format, the HTTP
client and each resource's lifecycle.
"""

from ._version import __version__
from .job_deployment import JobDeploymentProvider

__all__ = ["JobDeploymentProvider", "__version__"]
