"""The pull-request workflow example: valid YAML with what pulumi/actions expects, the policy pack
in both jobs, each token only where it is needed, and previews of forks that neither comment nor
fail for want of secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "pulumi.yml"
FORK_TEST = "github.event.pull_request.head.repo.full_name != github.repository"


def load() -> Any:  # keys are strings, but for a bare `on`, which YAML 1.1 reads as True
    return yaml.safe_load(WORKFLOW.read_text())


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(action + "@")]


def runs(step: dict[str, Any], env: dict[str, str]) -> bool:
    """Whether GitHub runs ``step`` given the job's evaluated ``env``. Only the condition forms
    the workflow uses are understood; any other fails the test rather than guess."""
    condition = step.get("if")
    if condition is None:
        return True
    match = re.fullmatch(r"env\.(\w+) (==|!=) '([^']*)'", condition)
    assert match, f"a condition this test does not evaluate: {condition}"
    name, operator, value = match.groups()
    return (env[name] == value) == (operator == "==")


def running(job: dict[str, Any], env: dict[str, str]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if runs(step, env)]


def secrets_named(value: Any) -> set[str]:
    return set(re.findall(r"secrets\.(\w+)", str(value)))


def test_the_workflow_previews_pull_requests_and_applies_merges() -> None:
    workflow = load()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]

    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert up["if"] == "github.event_name == 'push'"
    assert preview["permissions"]["pull-requests"] == "write"  # to post the comment
    assert {s["with"]["command"] for s in steps_using(preview, "pulumi/actions")} == {"preview"}
    [up_step] = steps_using(up, "pulumi/actions")
    assert up_step["with"]["command"] == "up"
    for step in [*steps_using(preview, "pulumi/actions"), up_step]:
        assert step["with"]["stack-name"] and step["with"]["work-dir"]
    # updates run one at a time and are never cancelled half way
    assert up["concurrency"]["cancel-in-progress"] is False


def test_the_stack_is_named_in_the_workflow_not_in_variables() -> None:
    workflow = load()
    # forks' runs get no variables: the stack would be missing from their previews
    assert "vars." not in WORKFLOW.read_text()
    assert workflow["env"]["PULUMI_STACK"].count("/") == 2  # org/project/stack


def test_both_jobs_run_the_policy_pack_of_this_repository() -> None:
    workflow = load()
    pack = workflow["env"]["POLICY_PACK"]
    assert pack == "policies/northflank"
    assert (ROOT / pack / "PulumiPolicy.yaml").is_file()
    policy_yaml = yaml.safe_load((ROOT / pack / "PulumiPolicy.yaml").read_text())
    virtualenv = policy_yaml["runtime"]["options"]["virtualenv"]
    for job in workflow["jobs"].values():
        # the pack's dependencies go where its PulumiPolicy.yaml tells the CLI to look
        install = f'python -m venv "$POLICY_PACK/{virtualenv}"'
        assert any(install in str(s.get("run", "")) for s in job["steps"])
        assert any(
            'install -r "$POLICY_PACK/requirements.txt"' in str(s.get("run", ""))
            for s in job["steps"]
        )
        for step in steps_using(job, "pulumi/actions"):
            # pulumi/actions passes each line as `--policy-pack`, resolved from the work dir
            assert step["with"]["policyPacks"] == "${{ github.workspace }}/${{ env.POLICY_PACK }}"
            config = step["with"]["policyPackConfigs"]
            assert config.endswith("${{ env.POLICY_PACK }}/policy-config.json")
    assert (ROOT / pack / "policy-config.json").is_file()


def test_pull_requests_from_this_repository_preview_the_stack_and_comment() -> None:
    preview = load()["jobs"]["preview"]
    steps = running(preview, {"FROM_FORK": "false"})
    [step] = steps_using({"steps": steps}, "pulumi/actions")
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    assert "cloud-url" not in step["with"]  # Pulumi Cloud, where the stack's state is
    assert not any("::notice" in str(s.get("run", "")) for s in steps)


def test_pull_requests_from_forks_preview_without_secrets_and_say_why_there_is_no_comment() -> None:
    preview = load()["jobs"]["preview"]
    assert preview["env"]["FROM_FORK"] == "${{ " + FORK_TEST + " }}"
    steps = running(preview, {"FROM_FORK": "true"})

    # nothing that runs needs a secret GitHub withholds from forks, so nothing fails for want of one
    assert secrets_named(steps) == set()
    [step] = steps_using({"steps": steps}, "pulumi/actions")
    assert step["with"]["command"] == "preview"
    assert not step["with"].get("comment-on-pr", False)
    # a throwaway local backend, not Pulumi Cloud (whose login needs PULUMI_ACCESS_TOKEN)
    assert step["with"]["cloud-url"].startswith("file://")
    assert step["with"]["upsert"] is True
    assert step["with"]["secrets-provider"] == "passphrase"
    assert step["env"]["PULUMI_CONFIG_PASSPHRASE"]
    assert "PULUMI_ACCESS_TOKEN" not in step.get("env", {})

    # the run says why there is no comment, and names the local stack the preview uses
    [notice] = [s for s in steps if "::notice" in str(s.get("run", ""))]
    assert re.search(r"::notice[^\n]*fork[^\n]*comment", notice["run"])
    assert step["with"]["stack-name"] == "${{ steps." + notice["id"] + ".outputs.stack }}"
    assert 'echo "stack=' in notice["run"] and '>> "$GITHUB_OUTPUT"' in notice["run"]
    # failures are not hidden: a broken program or a mandatory policy still fails the preview
    assert not any(s.get("continue-on-error") for s in preview["steps"])


def test_the_northflank_token_is_given_to_the_up_step_only() -> None:
    workflow = load()
    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    # previews call no Northflank API
    assert "NORTHFLANK_API_TOKEN" not in str(preview)
    assert "NORTHFLANK_API_TOKEN" not in str(workflow["env"]) and "env" not in up
    [up_step] = steps_using(up, "pulumi/actions")
    assert up_step["env"]["NORTHFLANK_API_TOKEN"] == "${{ secrets.NORTHFLANK_API_TOKEN }}"
    assert [s for s in up["steps"] if "NORTHFLANK_API_TOKEN" in str(s)] == [up_step]
    assert up["environment"] == "production"  # where the secret can be kept, limited to main
    # the Pulumi Cloud token only reaches the pulumi/actions steps, not `pip install`
    for job in (preview, up):
        for step in job["steps"]:
            if "PULUMI_ACCESS_TOKEN" in secrets_named(step):
                assert step["uses"].startswith("pulumi/actions@")
                assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    assert secrets_named(up_step) == {"PULUMI_ACCESS_TOKEN", "NORTHFLANK_API_TOKEN"}


def test_each_job_installs_the_program_as_a_user_outside_this_repository_would() -> None:
    for job in load()["jobs"].values():
        assert steps_using(job, "actions/setup-python")
        runs_ = [str(s.get("run", "")) for s in job["steps"]]
        assert any("venv/bin/pip install -r requirements.txt" in run for run in runs_)
        # from the requirements (which name pulumi-northflank), never from a path to this checkout
        assert not any(re.search(r"pip install (-e )?(\.|\.\./)", run) for run in runs_)
