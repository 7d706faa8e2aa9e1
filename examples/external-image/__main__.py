"""Deploy an image from a container registry (here ghcr.io, with saved credentials)."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()

worker = northflank.JobDeployment(
    "queue-worker",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "cache-warmer",
    external=northflank.ExternalDeploymentArgs(
        image_path=config.get("image") or "ghcr.io/acme/queue-worker:2.3.0",
        # The ID of registry credentials saved in Northflank (Team > Registry credentials).
        credentials=config.get("registryCredentials") or "ghcr-creds",
    ),
    docker=northflank.DockerRuntimeArgs(config_type="default"),
)

pulumi.export("image", worker.external.apply(lambda external: external and external.image_path))
