"""Build and push an image, then deploy exactly that build (by digest) to a Northflank job."""

import pulumi
import pulumi_docker_build as docker_build

import pulumi_northflank as northflank

config = pulumi.Config()
repository = config.get("repository") or "ghcr.io/acme/migrate"

image = docker_build.Image(
    "migrate-image",
    context=docker_build.BuildContextArgs(location="./app"),
    platforms=[docker_build.Platform.LINUX_AMD64],
    tags=[f"{repository}:{pulumi.get_stack()}"],
    push=True,
    registries=[
        docker_build.RegistryArgs(
            address=repository.split("/")[0],
            username=config.require("registryUser"),
            password=config.require_secret("registryPassword"),
        )
    ],
)

northflank.JobDeployment(
    "db-migrate",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "db-migrate",
    external=northflank.ExternalDeploymentArgs(
        # image.ref is "<repository>:<tag>@<digest>"; Northflank takes a tag or a digest, not both,
        # so deploy by digest: it pins exactly the image this stack built.
        image_path=pulumi.Output.concat(repository, "@", image.digest),
        credentials=config.get("registryCredentials") or "ghcr-creds",
    ),
)

pulumi.export("image", image.ref)
