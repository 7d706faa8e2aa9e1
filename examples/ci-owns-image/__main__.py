"""CI deploys each new image tag of the migration job (see ci_deploy.py); Pulumi declares the job's
command and settings. With source_managed_by="ci", no `pulumi up` puts the declared image back:
it is only the job's first deployment, when nothing is deployed yet."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()
project_id = config.get("projectId") or "demo-project"
job_id = config.get("jobId") or "db-migrate"

migrate = northflank.JobDeployment(
    "db-migrate",
    project_id=project_id,
    job_id=job_id,
    source_managed_by="ci",
    # The bootstrap: deployed only if the job has no image yet. CI deploys every later one.
    external=northflank.ExternalDeploymentArgs(image_path="ghcr.io/acme/migrate:bootstrap"),
    docker=northflank.DockerRuntimeArgs(
        config_type="customCommand", custom_command=config.get("command") or "python migrate.py"
    ),
)

northflank.JobSettings(
    "db-migrate-settings",
    project_id=project_id,
    job_id=job_id,
    backoff_limit=0,
    active_deadline_seconds=3600,
    run_on_source_change="never",
)

pulumi.export("deployedImage", migrate.live_source)
