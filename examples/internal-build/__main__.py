"""Deploy the newest build of a branch from a Northflank build service, with a buildpack command."""

import pulumi

import pulumi_northflank as northflank

config = pulumi.Config()

report = northflank.JobDeployment(
    "nightly-report",
    project_id=config.get("projectId") or "demo-project",
    job_id=config.get("jobId") or "nightly-report",
    internal=northflank.InternalDeploymentArgs(
        id=config.get("buildService") or "report-builder",
        branch="main",
        # "latest" keeps deploying the branch's newest commit; a 40-character SHA pins one.
        build_sha=config.get("buildSha") or "latest",
    ),
    buildpack=northflank.BuildpackRuntimeArgs(
        config_type="customCommand", custom_command="python report.py --nightly"
    ),
)

pulumi.export("branch", report.internal.apply(lambda internal: internal and internal.branch))
pulumi.export("deployedSha", report.deployed_sha)  # known after `pulumi refresh`
