"""Write every file generated from the provider's declarations (``make generate``).

    python scripts/generate.py          # rewrite them
    python scripts/generate.py --check  # exit 1, naming each file that is out of date

* the Python SDK's classes (``sdk/pulumi_northflank``: see ``sdk_codegen``),
* the reference page (``docs/reference.md``: see ``reference``),
* the Pulumi package schema (``provider/schema.json``: see
  ``pulumi_northflank_provider.package_schema``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import reference
import sdk_codegen

from pulumi_northflank_provider import package_schema

ROOT = Path(__file__).resolve().parents[1]
SDK = ROOT / "sdk" / "pulumi_northflank"


def formatted(source: str, path: Path) -> str:
    """Python as the project's linter leaves it: imports sorted, unused ones dropped (the
    templates import what any resource may need), and ``ruff format``'s layout."""
    fixed = _ruff(["check", "--fix", "--select", "I,F401", "--quiet", "--exit-zero"], source, path)
    return _ruff(["format"], fixed, path)


def _ruff(arguments: list[str], source: str, path: Path) -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is needed to format the generated SDK: pip install -e '.[test]'")
    done = subprocess.run(  # noqa: S603 - a fixed command
        [ruff, *arguments, "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"ruff failed on the generated {path}:\n{done.stderr}")
    return done.stdout


def rendered() -> dict[Path, str]:
    """Every generated file and what it should hold."""
    out = {SDK / name: formatted(text, SDK / name) for name, text in sdk_codegen.files().items()}
    out[reference.TARGET] = reference.render()
    out[package_schema.SCHEMA_FILE] = json.dumps(package_schema.schema(), indent=2) + "\n"
    return out


def stale() -> list[Path]:
    return [
        path for path, text in rendered().items() if not path.exists() or path.read_text() != text
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT)} is out of date: run `make generate`", file=sys.stderr)
        return 1 if old else 0
    for path, text in rendered().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
