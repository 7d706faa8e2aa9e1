"""Override only the entrypoint and command of a job: its image or build source stays as it is."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()

northflank.JobDeployment(
    "cache-warmer-command",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "cache-warmer",
    # No `external` and no `internal`: Northflank's "don't modify the deployment" variant.
    docker={
        "config_type": "customEntrypointCustomCommand",
        "custom_entrypoint": "/bin/sh",
        "custom_command": "-c 'warm-cache --all'",
    },
)
