"""The `pulumi new` template: rendered as the CLI renders it, it is a complete project whose program
deploys what the prompts collected."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from pulumi_northflank_provider.job_deployment import BODY

from .test_sdk import TYPE, Recorder

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "northflank-python"
PROMPTS = {"projectId", "jobId", "image"}
#: What `pulumi new` accepts under `template:` and in each config entry (the project schema).
TEMPLATE_KEYS = {"description", "quickstart", "important", "config", "displayName", "metadata"}
PROMPT_KEYS = {"description", "default", "secret"}


def render(target: Path, project: str, description: str) -> Path:
    """Lay the template down as `pulumi new` does: every file, with ${PROJECT} and ${DESCRIPTION}
    replaced (the only substitutions the CLI makes)."""
    for source in TEMPLATE.rglob("*"):
        if source.is_file() and not {"venv", "__pycache__"} & set(source.parts):
            text = source.read_text()
            text = text.replace("${PROJECT}", project).replace("${DESCRIPTION}", description)
            destination = target / source.relative_to(TEMPLATE)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text)
    return target


def project_file(directory: Path) -> Any:
    return yaml.safe_load((directory / "Pulumi.yaml").read_text())


def test_the_template_is_laid_down_with_no_placeholder_left(tmp_path: Path) -> None:
    raw = (TEMPLATE / "Pulumi.yaml").read_text()
    assert "name: ${PROJECT}" in raw and "description: ${DESCRIPTION}" in raw
    rendered = render(tmp_path, "nightly-jobs", "Our nightly jobs")
    files = {p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file()}
    assert files == {"Pulumi.yaml", "__main__.py", "requirements.txt", ".gitignore"}
    for name in files:
        leftover = re.findall(r"\$\{[^}]*\}", (rendered / name).read_text())
        assert leftover == [], f"{name} still holds {leftover}"
    project = project_file(rendered)
    assert (project["name"], project["description"]) == ("nightly-jobs", "Our nightly jobs")


def test_the_project_file_declares_a_python_project_and_every_prompt(tmp_path: Path) -> None:
    project = project_file(render(tmp_path, "jobs", "Jobs"))
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": "venv"},
    }
    template = project["template"]
    assert set(template) <= TEMPLATE_KEYS
    assert set(template["config"]) == PROMPTS
    for key, prompt in template["config"].items():
        assert set(prompt) <= PROMPT_KEYS, key
        assert prompt["description"] and prompt["default"], key
    # the defaults alone make a deployment the provider accepts
    defaults = {key: prompt["default"] for key, prompt in template["config"].items()}
    body = {
        "projectId": defaults["projectId"],
        "jobId": defaults["jobId"],
        "external": {"imagePath": defaults["image"]},
    }
    assert defaults["image"] == "ghcr.io/acme/migrate:1.4.2"
    assert BODY.validate(body) == []
    # what comes next: the token, kept encrypted in the stack's config
    assert "pulumi config set --secret northflank:apiToken" in template["quickstart"]


def test_the_dependencies_and_ignores_suit_a_project_outside_this_repository() -> None:
    lines = (TEMPLATE / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == ["pulumi>=3.216,<4", "pulumi-northflank"]  # no path into a checkout
    comments = "\n".join(line for line in lines if line.startswith("#"))
    assert (
        "pulumi-northflank @ git+https://github.com/pulumi-northflank/pulumi-northflank" in comments
    )
    ignored = (TEMPLATE / ".gitignore").read_text().split()
    assert {"venv/", "__pycache__/"} <= set(ignored)  # the virtualenv Pulumi.yaml names


ANSWERS = {
    "defaults": {},  # Enter at every prompt
    "answered": {
        "projectId": "acme-prod",
        "jobId": "nightly-report",
        "image": "ghcr.io/acme/report@sha256:" + "ab" * 32,
    },
    "private image": {"registryCredentials": "ghcr-creds"},  # set after `pulumi new`
}


@pytest.mark.parametrize("case", ANSWERS)
def test_the_program_deploys_what_the_prompts_collected(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = render(tmp_path, "nightly-jobs", "Our nightly jobs")
    project = project_file(rendered)
    # `pulumi new` saves each prompt's answer, or its default, in the new stack's config
    config = {key: prompt["default"] for key, prompt in project["template"]["config"].items()}
    config.update(ANSWERS[case])

    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project=project["name"], stack="dev", preview=False)
    pulumi.runtime.set_all_config({f"{project['name']}:{k}": v for k, v in config.items()})
    exports: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", exports.__setitem__)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:  # returns once every registration and export has resolved
        runpy.run_path(str(rendered / "__main__.py"), run_name="__main__")
        return pulumi.Output.all(**exports).apply(exported.update)

    try:
        program()
    finally:
        pulumi.runtime.set_all_config({})

    [resource] = recorder.resources
    assert resource.typ == TYPE
    assert resource.name == config["jobId"]
    external = {"imagePath": config["image"]}
    if "registryCredentials" in config:
        external["credentials"] = config["registryCredentials"]
    inputs = recorder.inputs()
    assert inputs == {
        "projectId": config["projectId"],
        "jobId": config["jobId"],
        "external": external,
    }
    assert BODY.validate(inputs) == []
    assert exported == {
        "deployment": f"{config['projectId']}/{config['jobId']}",
        "image": config["image"],
    }


def test_a_renamed_prompt_breaks_the_program(tmp_path: Path) -> None:
    """The program requires each prompt's key: a prompt renamed in Pulumi.yaml alone would leave a
    freshly created stack without the value the program asks for."""
    rendered = render(tmp_path, "jobs", "Jobs")
    pulumi.runtime.set_mocks(Recorder(), project="jobs", stack="dev", preview=False)
    pulumi.runtime.set_all_config(
        {"jobs:projectId": "p", "jobs:jobId": "j", "jobs:imagePath": "nginx:1"}
    )

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(str(rendered / "__main__.py"), run_name="__main__")

    try:
        with pytest.raises(pulumi.ConfigMissingError, match="jobs:image"):
            program()
    finally:
        pulumi.runtime.set_all_config({})
