"""Container image references, split the way registries (and Northflank's read-back) see them."""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB_HOSTS = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)

_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class ImageRef:
    """``host`` is ``None`` for Docker Hub; ``name`` is the repository plus its tag or digest."""

    host: str | None
    name: str

    @property
    def on_docker_hub(self) -> bool:
        return self.host is None

    def qualified(self) -> str:
        return self.name if self.host is None else f"{self.host}/{self.name}"


def parse(reference: str) -> ImageRef:
    """Split a reference as Docker does: the first component is a host when it has a dot, a port
    or is ``localhost``; Docker Hub's official images live under ``library/``, which is dropped."""
    rest = _SCHEME.sub("", reference.strip()).lstrip("/")
    host: str | None = None
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        host, rest = first.lower(), remainder
        if rest.startswith("v1/"):  # Northflank's pattern allows a legacy "/v1" after the host
            rest = rest[3:]
    if host in DOCKER_HUB_HOSTS:
        host = None
    if host is None and rest.startswith("library/") and rest.count("/") == 1:
        rest = rest[len("library/") :]
    return ImageRef(host, rest)


#: Digest lengths of the registered OCI algorithms (hex characters).
_DIGEST_LENGTHS = {"sha256": 64, "sha512": 128}
_DIGEST = re.compile(r"([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([0-9a-f]+)")


class Digest:
    """An image digest, when there is one, is ``<algorithm>:<hex>`` as OCI defines it:
    ``nginx@sha256:abc`` matches Northflank's pattern and only fails when the image is pulled."""

    words = (
        "pinned, if by digest, with <algorithm>:<lower-case hex> (sha256 takes 64 hex "
        "characters, as in app@sha256:<64 hex>)"
    )

    def accepts(self, value: str) -> bool:
        _, at, digest = value.rpartition("@")
        if not at:
            return True
        found = _DIGEST.fullmatch(digest)
        if found is None:
            return False
        wanted = _DIGEST_LENGTHS.get(found.group(1))
        return len(found.group(2)) == wanted if wanted else len(found.group(2)) >= 32
