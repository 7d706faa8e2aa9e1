"""Deploy an image to a Northflank job, with the values `pulumi new` asked for."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()
job_id = config.require("jobId")

deployment = northflank.JobDeployment(
    job_id,
    project_id=config.require("projectId"),
    job_id=job_id,
    external=northflank.ExternalDeploymentArgs(
        image_path=config.require("image"),
        # Only for a private image: the ID of registry credentials saved in Northflank.
        credentials=config.get("registryCredentials"),
    ),
)

pulumi.export("deployment", deployment.id)
pulumi.export("image", deployment.external.apply(lambda external: external and external.image_path))
