"""Quickstart: run a database migration image in a Northflank job, with a custom command."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()

migrate = northflank.JobDeployment(
    "db-migrate",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "db-migrate",
    external=northflank.ExternalDeploymentArgs(
        image_path=config.get("image") or "ghcr.io/acme/migrate:1.4.2",
        credentials="ghcr-creds",
    ),
    docker=northflank.DockerRuntimeArgs(
        config_type="customCommand", custom_command="python migrate.py"
    ),
)

pulumi.export("job", migrate.id)
pulumi.export("image", migrate.external.apply(lambda external: external and external.image_path))
