"""The pull-request workflow example is valid YAML with what pulumi/actions expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / "examples" / "github-actions" / "pulumi.yml"


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(action + "@")]


def test_the_workflow_previews_pull_requests_and_applies_merges() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]

    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert up["if"] == "github.event_name == 'push'"
    assert preview["permissions"]["pull-requests"] == "write"  # to post the comment

    [preview_step] = steps_using(preview, "pulumi/actions")
    assert preview_step["with"]["command"] == "preview"
    assert preview_step["with"]["comment-on-pr"] is True
    assert preview_step["with"]["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    [up_step] = steps_using(up, "pulumi/actions")
    assert up_step["with"]["command"] == "up"
    for step in (preview_step, up_step):
        assert step["with"]["stack-name"] and step["with"]["work-dir"]
        assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"

    # previews call no Northflank API: the token is given to the `up` job only
    assert "NORTHFLANK_API_TOKEN" not in str(preview)
    assert up_step["env"]["NORTHFLANK_API_TOKEN"] == "${{ secrets.NORTHFLANK_API_TOKEN }}"
    # the action runs natively: each job installs the program's dependencies first
    for job in (preview, up):
        assert steps_using(job, "actions/setup-python")
        assert any("pip install -r requirements.txt" in str(s.get("run", "")) for s in job["steps"])
