"""One declaration feeds every face: the SDK's classes, the reference page and the package schema
are generated from it, stay current, and agree with each other."""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pulumi
import pytest
from pulumi import _types

import pulumi_northflank as northflank
from pulumi_northflank_provider import package_schema
from pulumi_northflank_provider.declaration import Declaration
from pulumi_northflank_provider.job_deployment import BODY, JOB_DEPLOYMENT
from pulumi_northflank_provider.job_settings import JOB_SETTINGS

from .conftest import load_file

ROOT = Path(__file__).resolve().parents[1]
METASCHEMA = ROOT / "tests" / "data" / "pulumi-package-metaschema.json"
RESOURCES: dict[str, Any] = {
    "JobDeployment": northflank.JobDeployment,
    "JobRun": northflank.JobRun,
    "JobSettings": northflank.JobSettings,
}


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))  # generate.py imports its neighbours
    try:
        return load_file(ROOT / "scripts" / "generate.py", "generate")
    finally:
        sys.path.remove(str(ROOT / "scripts"))


@pytest.fixture
def a_description_changed() -> Iterator[None]:
    """A field's description edited in its declaration, and not regenerated."""
    field = BODY.block("external").fields[0]
    before = field.description
    object.__setattr__(field, "description", before + " Changed.")  # declarations are frozen
    yield
    object.__setattr__(field, "description", before)


def test_every_generated_file_is_current(generate: ModuleType) -> None:
    assert generate.stale() == [], "run `make generate`"


def test_a_description_changed_without_regenerating_fails_saying_to_run_make_generate(
    generate: ModuleType, a_description_changed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--check"]) == 1
    said = capsys.readouterr().err
    for stale in ("sdk/pulumi_northflank/_inputs.py", "docs/reference.md", "provider/schema.json"):
        assert f"{stale} is out of date: run `make generate`" in said


def test_an_argument_without_a_description_stops_the_generator(generate: ModuleType) -> None:
    field = JOB_DEPLOYMENT.body.path_params[0]
    before = field.description
    object.__setattr__(field, "description", "")
    try:
        with pytest.raises(Exception, match="projectId: no description"):
            generate.rendered()
    finally:
        object.__setattr__(field, "description", before)


def python_patterns(node: Any) -> Any:
    """The metaschema with its ECMAScript named groups (``(?<name>``) in Python's spelling
    (``(?P<name>``): the only difference between the two dialects its patterns use."""
    if isinstance(node, dict):
        return {
            k: re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", v)
            if k == "pattern" and isinstance(v, str)
            else python_patterns(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [python_patterns(v) for v in node]
    return node


def test_the_schema_is_valid_against_pulumis_metaschema() -> None:
    schema = json.loads(package_schema.SCHEMA_FILE.read_text())
    metaschema = python_patterns(json.loads(METASCHEMA.read_text()))
    jsonschema.Draft202012Validator(metaschema).validate(schema)
    assert set(schema["resources"]) == {f"northflank:index:{name}" for name in RESOURCES}
    assert schema["config"]["variables"]["apiToken"]["secret"] is True
    assert set(schema["provider"]["inputProperties"]) == {
        "apiToken",
        "apiUrl",
        "teamId",
        "requestTimeout",
        "maxRetryWait",
    }


def sdk_arguments(cls: Any) -> dict[str, str]:
    """A resource's keyword arguments, by wire name (from its ``XxxArgs`` property names)."""
    args_class = getattr(northflank, f"{cls.__name__}Args")
    names = [
        n
        for n in inspect.signature(cls.__init__).parameters
        if n not in ("self", "resource_name", "args", "opts")
    ]
    wire = {python: wire for python, wire, _ in _types._py_properties(args_class)}
    return {wire.get(name, name): name for name in names}


def _input_wire_names(args_class: type) -> list[str]:
    return [wire for _, wire, _ in _types._py_properties(args_class)]


def sdk_outputs(cls: type) -> dict[str, type]:
    """A resource's typed outputs, by wire name, as the SDK's getters declare them."""
    return dict(_types.resource_types(cls))


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_the_schema_describes_every_sdk_argument_and_output(name: str) -> None:
    schema = json.loads(package_schema.SCHEMA_FILE.read_text())
    resource = schema["resources"][f"northflank:index:{name}"]
    cls = RESOURCES[name]
    arguments = sdk_arguments(cls)
    assert set(arguments) == set(resource["inputProperties"])
    assert set(sdk_outputs(cls)) == set(resource["properties"])
    for wire, spec in {**resource["inputProperties"], **resource["properties"]}.items():
        assert spec.get("description"), f"{name}.{wire} has no description"
    required = {w for w, python in arguments.items() if _required(cls, python)}
    assert required == set(resource["requiredInputs"])


def _required(cls: type, python: str) -> bool:
    args_class = getattr(northflank, f"{cls.__name__}Args")
    parameter = inspect.signature(args_class.__init__).parameters[python]
    return parameter.default is inspect.Parameter.empty


@pytest.mark.parametrize(
    ("type_name", "args_class"),
    [
        ("ExternalDeployment", northflank.ExternalDeploymentArgs),
        ("InternalDeployment", northflank.InternalDeploymentArgs),
        ("DockerRuntime", northflank.DockerRuntimeArgs),
        ("BuildpackRuntime", northflank.BuildpackRuntimeArgs),
        ("CronSettings", northflank.CronSettingsArgs),
    ],
)
def test_each_block_type_has_the_same_fields_in_the_sdk_and_the_schema(
    type_name: str, args_class: type
) -> None:
    schema = json.loads(package_schema.SCHEMA_FILE.read_text())
    spec = schema["types"][f"northflank:index:{type_name}"]
    assert set(_input_wire_names(args_class)) == set(spec["properties"])
    output_class = getattr(northflank.outputs, type_name)
    assert set(_input_wire_names(output_class)) == set(spec["properties"])


def test_closed_sets_are_str_enums_in_the_sdk_and_enums_in_the_schema() -> None:
    schema = json.loads(package_schema.SCHEMA_FILE.read_text())
    for enum in (
        northflank.DockerConfigType,
        northflank.BuildpackConfigType,
        northflank.JobRunStatus,
    ):
        values = [v["value"] for v in schema["types"][f"northflank:index:{enum.__name__}"]["enum"]]
        assert [member.value for member in enum] == values
        assert all(isinstance(member, str) for member in enum)


@pytest.mark.parametrize("declaration", [JOB_DEPLOYMENT, JOB_SETTINGS])
def test_each_argument_is_described_alike_in_the_keyword_and_the_args_forms(
    declaration: Declaration,
) -> None:
    cls: Any = RESOURCES[declaration.name]
    keywords = _param_docs(cls.__init__)
    args = _param_docs(getattr(northflank, f"{declaration.name}Args").__init__)
    assert args == {name: keywords[name] for name in args}


def _param_docs(function: Any) -> dict[str, str]:
    doc = inspect.getdoc(function) or ""
    found = re.findall(r":param (\w+):(.*?)(?=\n\s*:param |\n\s*\n|\Z)", doc, re.S)
    return {name: " ".join(text.split()) for name, text in found}


def test_the_sdk_names_things_one_way_for_every_resource() -> None:
    """Python names in the program, wire names in the state, for both resources alike: no
    resource translates names behind the engine's back."""
    for cls in RESOURCES.values():
        assert cls.translate_input_property is pulumi.Resource.translate_input_property
        assert cls.translate_output_property is pulumi.Resource.translate_output_property
