"""What every measurement works on: jobs, the deployment they are given, and the plugin."""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

from northflank_devtools.engine_driver import Plugin, secret

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "bench"
#: As many calls at once as the engine makes (the plugin serves 4 at a time).
CALLERS = 4

_batches = itertools.count(1)


def new_token() -> str:
    """A fake token, accepted by the emulator only; never printed."""
    return "nf-bench-" + secrets.token_hex(12)


def fresh_jobs(n: int, label: str) -> list[str]:
    """IDs of ``n`` jobs no measurement has used yet (the caller adds them to the emulator)."""
    batch = next(_batches)
    return [f"{label}-{batch}-{i}" for i in range(n)]


def inputs(job_id: str, version: int = 1) -> dict[str, Any]:
    """A JobDeployment's inputs: an external image with credentials and a custom command."""
    return {
        "projectId": PROJECT,
        "jobId": job_id,
        "external": {"imagePath": f"ghcr.io/acme/{job_id}:{version}", "credentials": "ghcr-creds"},
        "docker": {"configType": "customCommand", "customCommand": "python run.py"},
    }


def body(job_id: str, version: int = 1) -> dict[str, Any]:
    """The POST body for ``inputs(job_id, version)``: the floor and the peers send it, and
    ``http_counts`` checks that the provider sends exactly this one too."""
    return {k: v for k, v in inputs(job_id, version).items() if k not in ("projectId", "jobId")}


def deployment_url(api_url: str, job_id: str) -> str:
    """Northflank's endpoint for a job's deployment (IDs here need no quoting)."""
    return f"{api_url}/v1/projects/{PROJECT}/jobs/{job_id}/deployment"


def start_plugin(api_url: str, token: str, native: bool = False) -> Plugin:
    """A plugin process configured as ``pulumi config set northflank:...`` would configure it:
    the dynamic provider's, or the native plugin."""
    plugin = Plugin(
        env={"NORTHFLANK_API_TOKEN": "", "NORTHFLANK_API_URL": ""},
        cwd=REPO_ROOT,
        forbidden=(token,),  # the harness fails if the token shows up in any answer or output
        native=native,
    )
    try:
        plugin.configure({"northflank:apiUrl": api_url, "northflank:apiToken": secret(token)})
    except BaseException:
        plugin.close()
        raise
    return plugin
