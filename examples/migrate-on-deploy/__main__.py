"""Deploy a database migration image to a Northflank job, then run the job once, wait for it, and
stop the rollout if it fails: each new image (or target) runs the migration exactly once."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()
project_id = config.get("projectId") or "demo-project"
job_id = config.get("jobId") or "db-migrate"

migrate = northflank.JobDeployment(
    "db-migrate",
    project_id=project_id,
    job_id=job_id,
    external=northflank.ExternalDeploymentArgs(
        image_path=config.get("image") or "ghcr.io/acme/migrate:1.5.0",
        credentials="ghcr-creds",
    ),
    docker=northflank.DockerRuntimeArgs(
        config_type="customCommand", custom_command="python migrate.py"
    ),
)

# Northflank must not run the job itself when its image changes: the JobRun below runs it, once.
settings = northflank.JobSettings(
    "db-migrate-settings",
    project_id=project_id,
    job_id=job_id,
    backoff_limit=0,
    run_on_source_change="never",
)

run = northflank.JobRun(
    "db-migrate-run",
    project_id=project_id,
    job_id=job_id,
    # A new image (or a new target) starts a new run; an unchanged program starts none.
    triggers=[migrate.external, migrate.docker],
    environment={
        "MIGRATE_TARGET": config.get("target") or "head",
        # A secret from the stack's config stays secret in the state.
        "DATABASE_URL": config.get_secret("databaseUrl") or "postgres://localhost/shop",
    },
    timeout_seconds=1800,
    opts=pulumi.ResourceOptions(depends_on=[migrate, settings]),
)

pulumi.export("migration", run.status)
pulumi.export("migrationRun", run.run_name)
