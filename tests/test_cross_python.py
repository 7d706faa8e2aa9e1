"""A resource created under one Python version updates and deletes under another.

The provider is pickled by reference (a module path and a class name), so its state does not
depend on the Python that wrote it. `.ci/run` points NORTHFLANK_OTHER_PYTHON at the lowest supported
Python's virtualenv while it tests the highest.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from northflank_devtools.engine_driver import PROVIDER, Engine, Plugin

from .conftest import JobRef, start_plugin

OTHER_PYTHON = os.environ.get("NORTHFLANK_OTHER_PYTHON", "")
pytestmark = pytest.mark.skipif(
    not OTHER_PYTHON,
    reason="NORTHFLANK_OTHER_PYTHON is not set (a Python of another version with pulumi-northflank "
    "installed; .ci/run sets it)",
)

IMAGE = {"external": {"imagePath": "ghcr.io/acme/app:1.0.0"}}
BUMPED = {"external": {"imagePath": "ghcr.io/acme/app:1.1.0"}}


def version_of(python: str) -> str:
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_other_python_is_really_another_version() -> None:
    assert version_of(OTHER_PYTHON) != "{}.{}".format(*sys.version_info[:2])


def test_both_pythons_write_the_same_provider_state() -> None:
    code = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "from pulumi_northflank_provider import JobDeploymentProvider\n"
        "print(serialize_provider(JobDeploymentProvider()))"
    )
    other = subprocess.run([OTHER_PYTHON, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == PROVIDER


@pytest.mark.parametrize("direction", ["other-then-this", "this-then-other"])
def test_created_under_one_python_updated_refreshed_and_deleted_under_another(
    emulator, plugin: Plugin, job: JobRef, direction: str
) -> None:
    other = start_plugin(emulator.url, python=OTHER_PYTHON)
    try:
        creator, updater = (other, plugin) if direction == "other-then-this" else (plugin, other)
        state = Engine(creator).up("app", {**job.inputs, **IMAGE})
        refreshed = Engine(updater).refresh(state)
        assert refreshed is not None and refreshed.outputs["external"] == IMAGE["external"]
        updated = Engine(updater).up("app", {**job.inputs, **BUMPED}, refreshed)
        assert job.live()["external"]["imagePath"] == "acme/app:1.1.0"
        Engine(updater).destroy(updated)
        assert updated.outputs["__provider"] == PROVIDER
    finally:
        other.close()
