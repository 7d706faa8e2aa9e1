"""The distribution builds, holds what it should, and installs cleanly in a fresh virtualenv."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from northflank_devtools.engine_driver import PROVIDER
from pulumi_northflank_provider import __version__

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An sdist, and a wheel built from that sdist (as `python -m build` does)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def test_the_wheel_holds_both_typed_packages_and_nothing_else(dists: tuple[Path, Path]) -> None:
    wheel, _ = dists
    assert wheel.name == f"pulumi_northflank-{__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "pulumi_northflank",
        "pulumi_northflank_provider",
        f"pulumi_northflank-{__version__}.dist-info",
    }
    assert "pulumi_northflank/py.typed" in names
    assert "pulumi_northflank_provider/py.typed" in names
    metadata = Parser().parsestr(
        zipfile.ZipFile(wheel).read(f"pulumi_northflank-{__version__}.dist-info/METADATA").decode()
    )
    assert metadata["Version"] == __version__  # single-sourced from _version.py
    assert metadata["Requires-Python"] == ">=3.10"
    assert set(metadata.get_all("Requires-Dist") or []) >= {
        "pulumi<4,>=3.216",
        "requests<3,>=2.31",
        "urllib3<3,>=2.6",
    }
    assert {
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.13",
    } <= set(metadata.get_all("Classifier") or [])


def test_the_sdist_holds_the_sources(dists: tuple[Path, Path]) -> None:
    _, sdist = dists
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "sdk/pulumi_northflank/py.typed",
        "provider/pulumi_northflank_provider/job_deployment.py",
    } <= names


def test_the_wheel_installs_and_works_in_a_fresh_virtualenv(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, _ = dists
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "import importlib.resources, pulumi_northflank, pulumi_northflank_provider\n"
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        "print(pulumi_northflank.__version__)\n"
        "print(importlib.resources.files('pulumi_northflank').joinpath('py.typed').is_file())\n"
        "print(serialize_provider(pulumi_northflank_provider.JobDeploymentProvider()))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [__version__, "True", PROVIDER]
