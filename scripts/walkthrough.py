"""`make demo` where the Pulumi CLI cannot run: the quickstart, walked through the real provider.

    python scripts/walkthrough.py --api-url http://127.0.0.1:8080 --token <token>

This is NOT the Pulumi engine and not a replacement for the CLI: it declares the quickstart's
resources by running its program (``Pulumi.yaml``'s ``main``) under the Python SDK, then drives
the real provider plugin (``python -m pulumi.dynamic``) over gRPC with the calls the engine makes,
in its order, for ``pulumi up``, ``pulumi refresh`` and, after a change of the stack's ``image``
config, ``pulumi up`` again; it prints what ``pulumi up`` would show.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml

from northflank_devtools.engine_driver import (
    JOB_DEPLOYMENT,
    JOB_RUN,
    Engine,
    Kind,
    Plugin,
    State,
    secret,
)
from pulumi_northflank_provider.job_deployment import JobDeploymentProvider
from pulumi_northflank_provider.job_run import JobRunProvider

ROOT = Path(__file__).resolve().parents[1]
STACK = "demo"
KINDS = {kind.type: kind for kind in (JOB_DEPLOYMENT, JOB_RUN)}
#: Each type's properties in the order its declaration lists them (for display).
ORDER = {
    JOB_DEPLOYMENT.type: JobDeploymentProvider.declaration.properties,
    JOB_RUN.type: JobRunProvider.declaration.properties,
}
NEW_IMAGE = "ghcr.io/acme/migrate:1.5.0"
LABEL = (
    "Walk-through WITHOUT the Pulumi engine: the quickstart's program runs under the Python SDK, "
    "and the real provider plugin is driven over gRPC with the calls `pulumi up` and `pulumi "
    "refresh` make. It shows what the provider does; it is not a replacement for the CLI."
)


@dataclass
class Declared:
    kind: Kind
    name: str
    inputs: dict[str, Any]


class _Recorder(pulumi.runtime.Mocks):
    """Stands in for the engine while the program runs: records what it declares."""

    def __init__(self) -> None:
        self.declared: list[Declared] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.declared.append(Declared(KINDS[args.typ], args.name, inputs))
        return f"{args.name}-id", inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


class Quickstart:
    """The root ``Pulumi.yaml`` project: its name, its program and its config defaults."""

    def __init__(self, root: Path) -> None:
        project = yaml.safe_load((root / "Pulumi.yaml").read_text())
        self.name: str = project["name"]
        self.main = root / project.get("main", ".") / "__main__.py"
        self.config = {
            f"{self.name}:{key}": str(spec["default"])
            for key, spec in (project.get("config") or {}).items()
            if isinstance(spec, dict) and "default" in spec
        }

    def declare(self, config: dict[str, str]) -> list[Declared]:
        """Run the program as `pulumi up` would, and return the resources it declares."""
        recorder = _Recorder()
        pulumi.runtime.set_mocks(recorder, project=self.name, stack=STACK, preview=False)
        pulumi.runtime.set_all_config({**self.config, **config})

        def program() -> None:
            runpy.run_path(str(self.main), run_name="__main__")

        # pulumi.runtime.test runs it and waits for every resource it registers (it is untyped).
        cast(Any, pulumi.runtime).test(program)()
        return recorder.declared


def show(value: Any) -> str:
    return json.dumps(value, sort_keys=False)


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = [k for k in dict.fromkeys([*old, *new]) if not k.startswith("__")]
    return [k for k in keys if old.get(k) != new.get(k)]


class Walkthrough:
    def __init__(self, api_url: str, token: str, root: Path) -> None:
        self.quickstart = Quickstart(root)
        self.plugin = Plugin(cwd=root, env={"PULUMI_PROJECT": self.quickstart.name})
        self.engine = Engine(self.plugin)
        self.api_url, self.token = api_url, token
        self.states: dict[str, State] = {}

    def run(self, new_image: str) -> None:
        print(LABEL)
        self._step("Configure", "the provider gets the stack's northflank:* config")
        self.plugin.configure(
            {"northflank:apiUrl": self.api_url, "northflank:apiToken": secret(self.token)}
        )
        self._calls()
        self.up("pulumi up", {})
        self.refresh()
        config = {f"{self.quickstart.name}:image": new_image}
        self.up(f"pulumi config set image {new_image} && pulumi up", config)

    def up(self, title: str, config: dict[str, str]) -> None:
        self._step(title, "the program declares its resources; the engine calls the provider")
        for resource in self.quickstart.declare(config):
            before = self.states.get(resource.name)
            after = self.engine.up(resource.name, resource.inputs, before, kind=resource.kind)
            self.states[resource.name] = after
            if before is None:
                print(f" +  {resource.kind.type}  {resource.name}  create")
                for key in ORDER[resource.kind.type]:
                    if key in resource.inputs:
                        print(f"      + {key}: {show(resource.inputs[key])}")
            elif keys := changed_keys(before.inputs, after.inputs):
                diff = ",".join(f"~{key}" for key in keys)
                print(f" ~  {resource.kind.type}  {resource.name}  update  [diff: {diff}]")
                for key in keys:
                    old, new = show(before.inputs.get(key)), show(after.inputs.get(key))
                    print(f"      ~ {key}: {old} => {new}")
            else:
                print(f"    {resource.kind.type}  {resource.name}  (no change)")
            self._calls()

    def refresh(self) -> None:
        self._step("pulumi refresh", "each resource is read back from Northflank")
        for name, state in list(self.states.items()):
            refreshed = self.engine.refresh(state)
            if refreshed is None:
                print(f" -  {state.kind.type}  {name}  deleted outside Pulumi")
                del self.states[name]
                continue
            keys = changed_keys(state.inputs, refreshed.inputs)
            what = f"changed outside Pulumi: {', '.join(keys)}" if keys else "no drift"
            print(f"    {state.kind.type}  {name}  {what}")
            extra = {k: v for k, v in refreshed.outputs.items() if k not in refreshed.inputs}
            for key, value in extra.items():
                print(f"      read back: {key} = {show(value)}")
            self.states[name] = refreshed
            self._calls()

    def _step(self, title: str, what: str) -> None:
        print(f"\n--- {title}  ({what})")

    def _calls(self) -> None:
        print(f"    engine calls: {', '.join(self.plugin.rpcs)}")
        self.plugin.rpcs.clear()

    def close(self) -> None:
        self.plugin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--api-url", required=True, help="the emulator's address")
    parser.add_argument("--token", required=True, help="a token the emulator accepts")
    parser.add_argument("--new-image", default=NEW_IMAGE, help="the image of the second `up`")
    args = parser.parse_args(argv)
    walkthrough = Walkthrough(args.api_url, args.token, ROOT)
    try:
        walkthrough.run(args.new_image)
    finally:
        walkthrough.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
