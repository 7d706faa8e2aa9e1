"""Deploy the image tag published by a build stack, unless this stack's config pins one.

pulumi config set imageTag 1.5.0            # pin a tag here, or
pulumi config set buildStack acme/app/prod  # follow the "imageTag" output of another stack
"""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()

tag: pulumi.Input[str]
pinned = config.get("imageTag")
if pinned:
    tag = pinned
else:
    build = pulumi.StackReference(config.get("buildStack") or "acme/migrate-build/prod")
    tag = build.require_output("imageTag").apply(str)

northflank.JobDeployment(
    "db-migrate",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "db-migrate",
    external=northflank.ExternalDeploymentArgs(
        image_path=pulumi.Output.concat("ghcr.io/acme/migrate:", tag),
        credentials="ghcr-creds",
    ),
)
