"""Check that a release tag names the package's version, before anything is published.

    python scripts/check_release_tag.py v0.1.0   # exit 0 if _version.py says 0.1.0, else 1

The version is read from the file the build backend reads (provider/.../_version.py), without
importing the package, so the check runs before anything is installed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = ROOT / "provider" / "pulumi_northflank_provider" / "_version.py"


def package_version(path: Path = VERSION_FILE) -> str:
    """The string assigned to ``__version__`` in ``path``."""
    for node in ast.parse(path.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ValueError(f"{path} assigns no __version__ string")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_release_tag.py <tag>, e.g. v0.1.0", file=sys.stderr)
        return 2
    tag, version = argv[0], package_version()
    if tag != f"v{version}":
        print(
            f"error: the tag {tag} does not match the package version {version} "
            f"(__version__ in {VERSION_FILE.relative_to(ROOT)}): "
            f"tag the release v{version}, or set __version__ to the version you mean to publish",
            file=sys.stderr,
        )
        return 1
    print(f"the tag {tag} matches the package version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
