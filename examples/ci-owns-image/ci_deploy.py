"""What CI does after it pushes an image: deploy that tag to the job, as Northflank's GitHub
action or CLI would, with the deployment endpoint and a token from CI's secrets.

    NORTHFLANK_API_TOKEN=... python ci_deploy.py ghcr.io/acme/migrate:1.7.3 \\
        [--api-url https://api.northflank.com] [--project demo-project] [--job db-migrate]

Only the source is sent: the command and settings stay Pulumi's.
"""

from __future__ import annotations

import argparse
import os
import sys

import requests


def deploy(api_url: str, token: str, project: str, job: str, image: str) -> None:
    answer = requests.post(
        f"{api_url.rstrip('/')}/v1/projects/{project}/jobs/{job}/deployment",
        json={"external": {"imagePath": image}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    if answer.status_code != 200:
        raise SystemExit(f"deploying {image} failed: HTTP {answer.status_code}")
    print(f"deployed {image} to job {job} in project {project}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument(
        "--api-url", default=os.environ.get("NORTHFLANK_API_URL") or "https://api.northflank.com"
    )
    parser.add_argument("--project", default="demo-project")
    parser.add_argument("--job", default="db-migrate")
    args = parser.parse_args(argv)
    token = os.environ.get("NORTHFLANK_API_TOKEN")
    if not token:
        raise SystemExit("set NORTHFLANK_API_TOKEN (CI's secret)")
    deploy(args.api_url, token, args.project, args.job, args.image)


if __name__ == "__main__":
    main(sys.argv[1:])
