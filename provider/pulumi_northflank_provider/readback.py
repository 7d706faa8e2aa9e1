"""Compare a job's declared deployment with the one Northflank reports, under the read-back rules.

``GET .../jobs/{jobId}/deployment`` does not echo the request (see ``docs/northflank-api.md``):

* ``external.imagePath`` comes back without the registry host, which becomes ``registryProvider``;
* ``external.credentials`` is never returned (only ``privateImage`` hints at it);
* ``docker`` and ``buildpack`` may both be present, and ``custom*`` fields linger after
  ``configType`` went back to ``default``;
* ``internal.buildSHA`` keeps ``latest`` while ``deployedSHA`` moves with each new commit.

``reconcile`` applies those rules once: a value equal under the rules keeps its declared form
(no drift); a different one is reported as Northflank has it, so the next diff proposes an update
back to the declaration. Where the read-back is not detailed enough to tell, it reports no drift
and says why through ``note`` (a debug log line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import image_ref, log
from .declaration import Block, Body, Computed, Field

#: Outputs read back from Northflank that are not inputs: they never take part in a diff.
READ_ONLY_OUTPUTS = (
    Computed(
        "registryProvider",
        "string",
        "Read back on refresh: the registry Northflank pulls the image from (`dockerhub`, "
        "`github`, `ecr`, `custom`...).",
    ),
    Computed(
        "privateImage",
        "boolean",
        "Read back on refresh: whether Northflank pulls the image with saved credentials.",
    ),
    Computed(
        "deployedSHA",
        "string",
        "Read back on refresh: the commit actually deployed, for an internal build (it moves "
        "with each new commit while {buildSHA} is `latest`).",
    ),
)

SOURCES = ("external", "internal")

Note = Callable[[str], None]
Bag = dict[str, Any]


def reconcile(
    body: Body,
    declared: Mapping[str, Any],
    live: Mapping[str, Any],
    note: Note,
    *,
    source_managed: bool = True,
) -> Bag:
    """Outputs for ``read()``: the declared deployment where it still holds, the live one where
    not. Only what is declared is compared: an undeclared block is not managed, and neither is
    the source when something outside the stack deploys it (``source_managed`` False): the
    declared one was only its first deployment."""
    outs: Bag = dict(declared)
    source = next((k for k in SOURCES if k in declared), None) if source_managed else None
    live_source, found = _live_source(body, live)
    if source is not None and live_source is None:
        note(f"the read-back has no deployment source; keeping the declared {source} block")
    elif source is not None and live_source != source:  # it now deploys another kind of source
        del outs[source]
        outs[str(live_source)] = found
    elif source == "external":
        outs["external"] = _external(declared["external"], live["external"], note)
    elif source == "internal":
        outs["internal"] = _internal(declared["internal"], found, note)
    for block in body.blocks:
        if block.selector is not None and block.key in declared:
            outs[block.key] = _runtime(block, declared[block.key], live.get(block.key), note)
    outs.update(read_only_outputs(live))
    return outs


def live_source(live: Mapping[str, Any]) -> Bag | None:
    """The deployed source as Northflank reports it: ``{"external": {...}}``,
    ``{"internal": {...}}``, or None when the job deploys nothing yet."""
    for key in SOURCES:
        if isinstance(live.get(key), Mapping):
            return {key: dict(live[key])}
    return None


def as_declared(body: Body, live: Mapping[str, Any]) -> Bag:
    """The live deployment in the form it would be declared in (for ``JobDeployment.get``): its
    source, and the runtime blocks that source allows. ``imagePath`` has the registry host back
    where its ``registryProvider`` names one (Northflank leaves it out); ``credentials`` is never
    returned."""
    source, found = _live_source(body, live)
    if source == "external" and isinstance(found.get("imagePath"), str):
        found["imagePath"] = _declarable_image(found["imagePath"], live["external"])
    out: Bag = {source: found} if source is not None else {}
    variant = body.variant_of(out)
    for block in body.blocks:
        settings = live.get(block.key)
        if block.key in variant.allows and isinstance(settings, Mapping):
            out[block.key] = _relevant(block, settings)
    return {**out, **read_only_outputs(live)}


def _live_source(body: Body, live: Mapping[str, Any]) -> tuple[str | None, Bag]:
    """Which source the job deploys now, and that block in request form."""
    if isinstance(live.get("external"), Mapping):
        return "external", _live_external(live["external"])
    if isinstance(live.get("internal"), Mapping):
        id_field = next(
            f for f in body.block("internal").fields if f.key == "id" and isinstance(f, Field)
        )
        return "internal", _live_internal(live["internal"], id_field)
    return None, {}


def _relevant(block: Block, settings: Mapping[str, Any]) -> Bag:
    """The fields a runtime block's configType uses, and only those that are set."""
    selected = settings.get(block.selector or "")
    return {k: settings[k] for k in block.relevant(selected) if settings.get(k) is not None}


def read_only_outputs(live: Mapping[str, Any]) -> Bag:
    out: Bag = {}
    external, internal = live.get("external"), live.get("internal")
    if isinstance(external, Mapping):
        if isinstance(external.get("registryProvider"), str):
            out["registryProvider"] = external["registryProvider"]
        if isinstance(external.get("privateImage"), bool):
            out["privateImage"] = external["privateImage"]
    if isinstance(internal, Mapping) and isinstance(internal.get("deployedSHA"), str):
        out["deployedSHA"] = internal["deployedSHA"]
    return out


def _external(declared: Mapping[str, Any], live: Mapping[str, Any], note: Note) -> Bag:
    live_path = live.get("imagePath")
    if not isinstance(live_path, str):
        note("the read-back has no external.imagePath; keeping the declared image")
        return dict(declared)
    wanted, found = image_ref.parse(declared["imagePath"]), image_ref.parse(live_path)
    provider = live.get("registryProvider")
    # Only "dockerhub" has a documented meaning; other providers are not compared with the host.
    registry_moved = isinstance(provider, str) and (provider == "dockerhub") != wanted.on_docker_hub
    host_moved = found.host is not None and found.host != wanted.host
    if found.name == wanted.name and not registry_moved and not host_moved:
        if provider not in (None, "dockerhub"):
            note(f"registryProvider {provider!r} is not compared with host {wanted.host!r}")
        return dict(declared)
    # Drift. Show the live image with the declared host when the registry evidently did not change,
    # else with the host its registryProvider implies, so that it never reads as the declaration.
    if found.host is not None:
        image = found.qualified()
    elif not registry_moved:
        image = image_ref.ImageRef(wanted.host, found.name).qualified()
    else:
        image = _with_registry(str(provider), found.name)
    out: Bag = {"imagePath": image}
    if "credentials" in declared:  # never returned, so it cannot have drifted visibly
        out["credentials"] = declared["credentials"]
    return out


#: Hosts of the registries whose registryProvider names one host (for showing drift only).
PROVIDER_HOSTS = {"github": "ghcr.io", "gitlab": "registry.gitlab.com", "dhi": "dhi.io"}


def _declarable_image(path: str, external: Mapping[str, Any]) -> str:
    """A live image as a program must declare it: with the registry host that Northflank leaves
    out, where its ``registryProvider`` names one host. (Declared without it, the image would be
    pulled from Docker Hub on the next deployment.)"""
    provider = external.get("registryProvider")
    if image_ref.parse(path).host is not None or provider in (None, "dockerhub"):
        return path
    if provider in PROVIDER_HOSTS:
        return _with_registry(str(provider), path)
    log.warn(
        f"Northflank reports the image {path!r} without its registry host, and its "
        f"registryProvider {provider!r} does not say which host that is: declare external."
        "imagePath with the full reference (host included) before the next `pulumi up`, or "
        "the image would be pulled from Docker Hub."
    )
    return path


def _with_registry(provider: str, name: str) -> str:
    if provider == "dockerhub":
        return name
    host = PROVIDER_HOSTS.get(provider, f"<{provider} registry>")
    return f"{host}/{name}"


def _live_external(live: Mapping[str, Any]) -> Bag:
    path = live.get("imagePath")
    return {"imagePath": path} if isinstance(path, str) else {}


def _internal(declared: Mapping[str, Any], found: Mapping[str, Any], note: Note) -> Bag:
    drifted: Bag = {}
    for key, wanted in declared.items():
        if key == "buildId" and declared.get("buildSHA") == "latest":
            note("buildId is not compared while buildSHA is 'latest': each new commit moves it")
            continue
        have = found.get(key)
        if have is None:
            note(f"the read-back has no internal.{key}; keeping the declared value")
        elif have != wanted:
            drifted[key] = have
    return {**declared, **drifted}


def _live_internal(live: Mapping[str, Any], id_field: Field) -> Bag:
    """The live build source in request form. The build service's ID is taken from ``nfObjectId``
    when it is a valid ``internal.id``: the mapping is not documented, and a value that could not
    have been submitted is not taken for one."""
    out: Bag = {}
    object_id = live.get("nfObjectId")
    if isinstance(object_id, str) and not id_field.problems("id", object_id):
        out["id"] = object_id
    for key in ("branch", "buildSHA", "buildId"):
        if isinstance(live.get(key), str):
            out[key] = live[key]
    return out


def _runtime(block: Block, declared: Any, live: Any, note: Note) -> Any:
    if not isinstance(live, Mapping) or not isinstance(live.get(block.selector or ""), str):
        note(f"the read-back has no {block.key} settings; keeping the declared ones")
        return declared
    found = _relevant(block, live)
    return declared if _relevant(block, declared) == found else found
