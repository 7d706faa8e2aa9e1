"""Releases: a version tag builds, checks and publishes with PyPI trusted publishing, and a tag
that is not the package's version stops the release before anything is built."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from pulumi_northflank_provider import __version__

from .conftest import load_file

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
SCRIPT = ROOT / "scripts" / "check_release_tag.py"


def load() -> Any:
    return yaml.safe_load(WORKFLOW.read_text())


def check_tag(*args: str) -> subprocess.CompletedProcess[str]:
    """The script as the workflow runs it: before anything is installed (-S: no site-packages,
    so it cannot lean on an installed package) and from another directory."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        check=False,
    )


def load_script() -> ModuleType:
    return load_file(SCRIPT, "check_release_tag")


def test_the_tag_of_the_package_version_is_accepted() -> None:
    result = check_tag(f"v{__version__}")
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


@pytest.mark.parametrize(
    "tag", ["v0.0.0-other", __version__, f"v{__version__}.1", f"release-{__version__}"]
)
def test_any_other_tag_is_refused_with_a_clear_message(tag: str) -> None:
    result = check_tag(tag)
    assert result.returncode == 1
    assert f"the tag {tag} does not match the package version {__version__}" in result.stderr
    assert "provider/pulumi_northflank_provider/_version.py" in result.stderr
    assert f"v{__version__}" in result.stderr  # the tag that would have matched


def test_a_missing_tag_is_a_usage_error() -> None:
    result = check_tag()
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_the_version_is_read_from_the_file_the_build_backend_reads(tmp_path: Path) -> None:
    script = load_script()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'path = "{script.VERSION_FILE.relative_to(ROOT).as_posix()}"' in pyproject
    assert script.package_version() == __version__
    other = tmp_path / "_version.py"
    other.write_text(
        '"""Doc."""\n\nimport os\n\n__all__ = ["__version__"]\n__version__ = "2.0.0rc1"\n'
    )
    assert script.package_version(other) == "2.0.0rc1"
    other.write_text("version = '1.0'\n")
    with pytest.raises(ValueError, match="assigns no __version__"):
        script.package_version(other)


def test_a_version_tag_builds_checks_and_publishes() -> None:
    workflow = load()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}

    build = workflow["jobs"]["build"]
    assert "permissions" not in build  # no OIDC token where the build runs
    runs = [str(step.get("run", "")) for step in build["steps"]]

    def first(text: str) -> int:
        return next(i for i, run in enumerate(runs) if text in run)

    check = first("scripts/check_release_tag.py")
    assert '"$GITHUB_REF_NAME"' in runs[check]  # the tag, quoted, from the environment
    assert check < first("python -m build") < first("twine check --strict dist/*")
    [upload] = [
        s for s in build["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert upload["with"]["path"] == "dist/"


def test_publishing_uses_trusted_publishing_and_no_token() -> None:
    workflow = load()
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    [download] = [
        s
        for s in publish["steps"]
        if str(s.get("uses", "")).startswith("actions/download-artifact@")
    ]
    [upload] = [
        s
        for s in workflow["jobs"]["build"]["steps"]
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert download["with"]["name"] == upload["with"]["name"]
    assert download["with"]["path"] == "dist/"  # where the publish action looks
    [pypi] = [
        s
        for s in publish["steps"]
        if str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish@")
    ]
    assert not {"password", "user"} & set(pypi.get("with") or {})
    assert "secrets." not in WORKFLOW.read_text()


@pytest.mark.slow
def test_the_built_distributions_pass_twine_check(tmp_path: Path) -> None:
    """What the release workflow checks before it publishes: the metadata and the README."""
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_changelog_has_an_unreleased_section_and_a_dated_section_for_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", changelog, re.M)
    assert headings[0] == ("Unreleased", "")  # where the next changes go
    versions = {name: rest for name, rest in headings[1:]}
    assert re.fullmatch(r" - \d{4}-\d\d-\d\d", versions[__version__]), (
        f"CHANGELOG.md needs a dated section for {__version__}"
    )
