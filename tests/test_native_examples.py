"""The native provider's non-Python examples and the workflow that runs them with the Pulumi CLI,
checked statically (the CLI cannot run here): every resource type, property and nested property
the YAML and TypeScript programs set is in provider/schema.json, both projects record the plugin
directory as their `northflank` package, and the workflow runs gen-sdk for three languages and
up / refresh / destroy for both examples."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from northflank_emulator import Backend

ROOT = Path(__file__).resolve().parents[1]
SCHEMA: dict[str, Any] = json.loads((ROOT / "provider" / "schema.json").read_text())
YAML_EXAMPLE = ROOT / "examples" / "yaml-job-deployment"
TS_EXAMPLE = ROOT / "examples" / "typescript-job-deployment"
WORKFLOW = ROOT / ".github" / "workflows" / "native-provider.yml"
#: What `pulumi package add ../../provider` records, relative to each example's directory.
PROVIDER_PATH = "../../provider"
#: The emulator's seeded demo project and job (northflank_emulator.models.Backend.seed_demo).
SEEDED = ("demo-project", "db-migrate")

#: A YAML program's `${name}` or `${name.property...}`.
REFERENCE = re.compile(r"\$\{([A-Za-z_][\w-]*)((?:\.[A-Za-z_]\w*)*)\}")


# --- The schema --------------------------------------------------------------------------------


def resource(token: str) -> dict[str, Any]:
    found: dict[str, Any] = SCHEMA["resources"][token]
    return found


def ref_type(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The schema type a property's ``$ref`` names, or None for an inline type."""
    ref = spec.get("$ref", "")
    if not ref.startswith("#/types/"):
        return None
    found: dict[str, Any] = SCHEMA["types"][ref.removeprefix("#/types/")]
    return found


def object_properties(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """The properties and required ones of an object type with named properties (a ``$ref`` to
    one), or None for anything else (a map, a scalar, an enum, an array, Any)."""
    named = ref_type(spec)
    if named is not None and named.get("type") == "object" and "properties" in named:
        return named["properties"], named.get("required", [])
    return None


def is_map(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "object" and "additionalProperties" in spec


def enum_values(spec: dict[str, Any]) -> list[Any] | None:
    named = ref_type(spec)
    if named is not None and "enum" in named:
        return [e["value"] for e in named["enum"]]
    return None


# --- The YAML program ----------------------------------------------------------------------------


def is_interpolated(value: Any) -> bool:
    """A value only known at run time: an interpolation, or a `fn::` call."""
    if isinstance(value, str):
        return "${" in value
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("fn::")


SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def yaml_value_problems(spec: dict[str, Any], value: Any, where: str) -> Iterator[str]:
    """What is wrong with a YAML program's value for a property of this schema spec."""
    if is_interpolated(value):
        if isinstance(value, dict):  # fn::secret and the like: check what the function is given
            yield from yaml_value_problems(spec, next(iter(value.values())), where)
        return
    fields = object_properties(spec)
    enum = enum_values(spec)
    if fields is not None:
        if not isinstance(value, dict):
            yield f"{where}: an object is expected, not {value!r}"
            return
        yield from yaml_object_problems(*fields, value, where)
    elif enum is not None:
        if value not in enum:
            yield f"{where}: {value!r} is not one of {enum}"
    elif is_map(spec):
        if not isinstance(value, dict):
            yield f"{where}: a map is expected, not {value!r}"
            return
        for key, item in value.items():
            yield from yaml_value_problems(spec["additionalProperties"], item, f"{where}.{key}")
    elif spec.get("type") == "array":
        if not isinstance(value, list):
            yield f"{where}: a list is expected, not {value!r}"
            return
        for index, item in enumerate(value):
            yield from yaml_value_problems(spec.get("items", {}), item, f"{where}[{index}]")
    elif spec.get("type") in SCALARS:
        expected = SCALARS[spec["type"]]
        if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
            yield f"{where}: a {spec['type']} is expected, not {value!r}"


def yaml_object_problems(
    properties: dict[str, Any], required: list[str], given: dict[str, Any], where: str
) -> Iterator[str]:
    for key, value in given.items():
        if key not in properties:
            yield f"{where}.{key}: no such property (known: {sorted(properties)})"
        else:
            yield from yaml_value_problems(properties[key], value, f"{where}.{key}")
    for key in required:
        if key not in given:
            yield f"{where}: the required {key!r} is missing"


def yaml_program_problems(program: dict[str, Any]) -> list[str]:
    """Every resource type in the schema, its properties in the type's inputProperties (nested
    objects against their types), its required inputs present; every `${...}` names a config key
    or a resource, and a resource's property that the schema says it outputs."""
    problems: list[str] = []
    resources: dict[str, Any] = program.get("resources") or {}
    config: dict[str, Any] = program.get("config") or {}
    for name, declared in resources.items():
        token = declared.get("type")
        if token not in SCHEMA["resources"]:
            problems.append(f"{name}: {token!r} is not a resource of provider/schema.json")
            continue
        spec = resource(token)
        problems += yaml_object_problems(
            spec["inputProperties"],
            spec.get("requiredInputs", []),
            declared.get("properties") or {},
            name,
        )
    for match in REFERENCE.finditer(json.dumps(program)):
        name, path = match.group(1), match.group(2).lstrip(".")
        if name in config:
            if path:
                problems.append(f"${{{name}.{path}}}: config {name!r} is a plain value")
        elif name in resources:
            token = resources[name].get("type")
            outputs = SCHEMA["resources"].get(token, {}).get("properties", {})
            first = path.split(".")[0]
            if first and first not in outputs:
                problems.append(f"${{{name}.{path}}}: {token} has no output {first!r}")
        else:
            problems.append(f"${{{name}...}}: no config key or resource {name!r}")
    return problems


def load_yaml_program() -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load((YAML_EXAMPLE / "Pulumi.yaml").read_text())
    return program


def test_the_yaml_program_declares_the_three_resources_as_the_schema_has_them() -> None:
    program = load_yaml_program()
    assert program["runtime"] == "yaml"
    assert yaml_program_problems(program) == []
    types = sorted(r["type"] for r in program["resources"].values())
    assert types == sorted(SCHEMA["resources"])  # one of each


def test_the_yaml_program_runs_the_job_after_its_deployment_and_settings() -> None:
    program = load_yaml_program()
    by_type = {r["type"]: (name, r) for name, r in program["resources"].items()}
    deployment, declared = by_type["northflank:index:JobDeployment"]
    settings_name, settings = by_type["northflank:index:JobSettings"]
    run_name, run = by_type["northflank:index:JobRun"]

    assert declared["properties"]["docker"] == {
        "configType": "customCommand",
        "customCommand": "python migrate.py",
    }
    assert settings["properties"]["runOnSourceChange"] == "never"
    assert settings["properties"]["backoffLimit"] == 0
    assert run["properties"]["triggers"] == [f"${{{deployment}.external}}"]
    assert run["options"]["dependsOn"] == [f"${{{deployment}}}", f"${{{settings_name}}}"]
    secrets = [v for v in run["properties"]["environment"].values() if isinstance(v, dict)]
    assert len(secrets) == 1 and set(secrets[0]) == {"fn::secret"}
    assert f"${{{run_name}.status}}" in program["outputs"].values()


def test_the_yaml_programs_config_defaults_name_the_emulators_seeded_job() -> None:
    config = load_yaml_program()["config"]
    assert (config["projectId"]["default"], config["jobId"]["default"]) == SEEDED
    backend = Backend()
    backend.seed_demo()
    backend.job(*SEEDED)  # raises if the emulator no longer seeds it


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda p: p["resources"]["migrate"]["properties"]["external"].update(imagePth="x"),
         "migrate.external.imagePth: no such property"),
        (lambda p: p["resources"]["migrateSettings"]["properties"].update(backofLimit=0),
         "migrateSettings.backofLimit: no such property"),
        (lambda p: p["resources"]["migrateRun"]["properties"].pop("jobId"),
         "the required 'jobId' is missing"),
        (lambda p: p["resources"]["migrate"]["properties"]["docker"].pop("configType"),
         "the required 'configType' is missing"),
        (lambda p: p["resources"]["migrateSettings"]["properties"].update(runOnSourceChange="no"),
         "'no' is not one of"),
        (lambda p: p["resources"]["migrate"].update(type="northflank:index:Job"),
         "is not a resource of provider/schema.json"),
        (lambda p: p["outputs"].update(bad="${migrateRun.stats}"),
         "has no output 'stats'"),
        (lambda p: p["outputs"].update(bad="${migrat.external}"),
         "no config key or resource 'migrat'"),
    ],
)  # fmt: skip
def test_the_yaml_check_catches_a_misspelling(change: Any, problem: str) -> None:
    program = load_yaml_program()
    change(program)
    assert any(problem in found for found in yaml_program_problems(program)), problem


# --- The TypeScript program ----------------------------------------------------------------------

TS_CONSTRUCTOR = re.compile(r"\bnew\s+northflank\.(\w+)\s*\(")
TS_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
CLOSERS = {"(": ")", "[": "]", "{": "}"}


def without_comments(source: str) -> str:
    """The source with its comments blanked (strings kept: a `//` in one is not a comment)."""
    out, i = [], 0
    while i < len(source):
        if source[i] in "\"'`":
            end = string_end(source, i)
            out.append(source[i:end])
            i = end
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def string_end(source: str, start: int) -> int:
    """The index just past the string literal that opens at ``start``."""
    quote, i = source[start], start + 1
    while source[i] != quote:
        i += 2 if source[i] == "\\" else 1
    return i + 1


def skip_space(source: str, i: int) -> int:
    while i < len(source) and source[i].isspace():
        i += 1
    return i


def skip_value(source: str, i: int) -> int:
    """The index of the `,` or closing bracket that ends the expression starting at ``i``."""
    depth: list[str] = []
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            i = string_end(source, i)
            continue
        if char in CLOSERS:
            depth.append(CLOSERS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif not depth and char in ",)]}":
            return i
        i += 1
    raise ValueError("unterminated expression")


#: An object literal's keys: each with the object literal it is given, when it is one.
Entries = list[tuple[str, "Entries | None"]]


def parse_object(source: str, i: int) -> tuple[Entries, int]:
    """The keys of the object literal opening at ``i`` (nested literals too), and the index past
    it. Shorthand properties (`{ projectId, jobId }`) count as keys."""
    if source[i] != "{":
        raise ValueError(f"an object literal is expected at {source[i : i + 30]!r}")
    entries: Entries = []
    i = skip_space(source, i + 1)
    while source[i] != "}":
        if source[i] in "\"'":
            end = string_end(source, i)
            key = source[i + 1 : end - 1]
        else:
            found = TS_IDENTIFIER.match(source, i)
            if found is None:
                raise ValueError(f"a property name is expected at {source[i : i + 30]!r}")
            key, end = found.group(), found.end()
        i = skip_space(source, end)
        nested: Entries | None = None
        if source[i] == ":":
            i = skip_space(source, i + 1)
            if source[i] == "{":
                nested, i = parse_object(source, i)
                i = skip_space(source, i)
            else:
                i = skip_value(source, i)
        entries.append((key, nested))
        if source[i] == ",":
            i += 1
        elif source[i] != "}":
            raise ValueError(f"`,` or `}}` expected at {source[i : i + 30]!r}")
        i = skip_space(source, i)
    return entries, i + 1


def ts_constructor_calls(source: str) -> list[tuple[str, Entries]]:
    """Each `new northflank.X("name", { ... })`: X, and the keys of its argument object."""
    source = without_comments(source)
    calls = []
    for match in TS_CONSTRUCTOR.finditer(source):
        i = skip_value(source, match.end())  # the resource's name
        if source[i] != ",":
            raise ValueError(f"new northflank.{match.group(1)}: no argument object")
        args, _ = parse_object(source, skip_space(source, i + 1))
        calls.append((match.group(1), args))
    return calls


def ts_entries_problems(
    properties: dict[str, Any], required: list[str], entries: Entries, where: str
) -> Iterator[str]:
    for key, nested in entries:
        if key not in properties:
            yield f"{where}.{key}: no such property (known: {sorted(properties)})"
            continue
        if nested is None:
            continue
        spec = properties[key]
        fields = object_properties(spec)
        if fields is not None:
            yield from ts_entries_problems(*fields, nested, f"{where}.{key}")
        elif not is_map(spec):  # a map's keys are free; anything else takes no object literal
            yield f"{where}.{key}: an object literal for a property that takes none"
    given = {key for key, _ in entries}
    for key in required:
        if key not in given:
            yield f"{where}: the required {key!r} is missing"


def ts_program_problems(source: str) -> list[str]:
    """Only the schema's resources are constructed (and nothing else of the SDK is used), and
    each constructor's argument object has only their input properties, required ones included."""
    names = {token.split(":")[-1]: token for token in SCHEMA["resources"]}
    problems = [
        f"northflank.{used}: not a resource of provider/schema.json"
        for used in re.findall(r"\bnorthflank\.(\w+)", without_comments(source))
        if used not in names
    ]
    calls = ts_constructor_calls(source)
    for class_name, entries in calls:
        if class_name in names:
            spec = resource(names[class_name])
            problems += ts_entries_problems(
                spec["inputProperties"], spec.get("requiredInputs", []), entries, class_name
            )
    missing = set(names) - {class_name for class_name, _ in calls}
    problems += [f"northflank.{name} is never constructed" for name in sorted(missing)]
    return problems


def test_the_typescript_program_uses_the_schemas_resources_and_properties() -> None:
    source = (TS_EXAMPLE / "index.ts").read_text()
    assert ts_program_problems(source) == []
    package = SCHEMA["language"]["nodejs"]["packageName"]
    assert f'import * as northflank from "{package}";' in source
    assert "pulumi.secret(" in source and "new pulumi.Config()" in source
    assert re.search(r"dependsOn:\s*\[\s*migrate,\s*settings\s*\]", source)
    assert "triggers: [migrate.external]" in source


def test_the_typescript_program_has_the_yaml_programs_resources_and_defaults() -> None:
    source = (TS_EXAMPLE / "index.ts").read_text()
    for value in SEEDED:
        assert f'?? "{value}"' in source
    program = load_yaml_program()
    ts_keys = {name: {key for key, _ in entries} for name, entries in ts_constructor_calls(source)}
    for declared in program["resources"].values():
        assert set(declared["properties"]) == ts_keys[declared["type"].split(":")[-1]]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("imagePath:", "imagePth:", "JobDeployment.external.imagePth: no such property"),
        ("customCommand:", "customCmd:", "JobDeployment.docker.customCmd: no such property"),
        ("backoffLimit:", "backOffLimit:", "JobSettings.backOffLimit: no such property"),
        ("timeoutSeconds:", "timeout:", "JobRun.timeout: no such property"),
        ("triggers:", "trigger:", "JobRun.trigger: no such property"),
        ("    projectId,\n    jobId,\n    backoffLimit", "    projectId,\n    backoffLimit",
         "JobSettings: the required 'jobId' is missing"),
        ("new northflank.JobSettings(", "new northflank.JobSetting(",
         "northflank.JobSetting: not a resource"),
        ("runOnSourceChange:", "runOnSourceChange: {x: 1}, y:",
         "JobSettings.runOnSourceChange: an object literal for a property that takes none"),
    ],
)  # fmt: skip
def test_the_typescript_check_catches_a_misspelling(old: str, new: str, problem: str) -> None:
    source = (TS_EXAMPLE / "index.ts").read_text()
    assert old in source
    problems = ts_program_problems(source.replace(old, new, 1))
    assert any(problem in found for found in problems), (problem, problems)


def test_the_typescript_parser_reads_nested_and_shorthand_keys() -> None:
    source = (
        'new northflank.JobRun("r", {\n  projectId, // a comment: with, commas\n'
        '  environment: { A: "x,}", B: f(1, [2, 3]) },\n  "quoted": `t${1}`,\n}, { a: 1 });'
    )
    [(name, entries)] = ts_constructor_calls(source)
    assert name == "JobRun"
    assert entries == [("projectId", None), ("environment", [("A", None), ("B", None)]),
                       ("quoted", None)]  # fmt: skip


def test_package_json_links_the_generated_sdk_under_the_schemas_package_name() -> None:
    package = json.loads((TS_EXAMPLE / "package.json").read_text())
    name = SCHEMA["language"]["nodejs"]["packageName"]
    assert package["dependencies"][name] == "file:sdks/northflank"
    pulumi_range = package["dependencies"]["@pulumi/pulumi"]
    assert re.fullmatch(r"\^3\.(\d+)\.\d+", pulumi_range)
    assert int(pulumi_range.split(".")[1]) >= 230  # the native plugin's engine needs 3.230
    assert {"typescript", "@types/node"} <= set(package["devDependencies"])
    assert package["main"] == "index.ts"
    tsconfig = json.loads((TS_EXAMPLE / "tsconfig.json").read_text())
    assert tsconfig["files"] == ["index.ts"] and tsconfig["compilerOptions"]["strict"] is True
    ignored = (TS_EXAMPLE / ".gitignore").read_text().split()
    assert {"node_modules/", "sdks/", "bin/"} <= set(ignored)


@pytest.mark.parametrize(("example", "runtime"), [(YAML_EXAMPLE, "yaml"), (TS_EXAMPLE, "nodejs")])
def test_both_projects_record_the_plugin_directory_as_their_package(
    example: Path, runtime: str
) -> None:
    project = yaml.safe_load((example / "Pulumi.yaml").read_text())
    declared = project["runtime"]
    assert (declared if isinstance(declared, str) else declared["name"]) == runtime
    assert project["packages"] == {SCHEMA["name"]: PROVIDER_PATH}
    assert (example / PROVIDER_PATH / "PulumiPlugin.yaml").is_file()
    assert (example / PROVIDER_PATH / "schema.json").resolve() == ROOT / "provider" / "schema.json"


def test_the_examples_have_distinct_project_names() -> None:
    names = [
        yaml.safe_load(p.read_text())["name"] for p in sorted(ROOT.glob("examples/*/Pulumi.yaml"))
    ]
    assert len(names) == len(set(names))


# --- The workflow ---------------------------------------------------------------------------------


def load_workflow() -> dict[Any, Any]:  # keys are strings, but for a bare `on`, read as True
    workflow: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return workflow


def steps() -> list[dict[str, Any]]:
    [job] = load_workflow()["jobs"].values()
    found: list[dict[str, Any]] = job["steps"]
    return found


def runs_in(directory: str) -> list[str]:
    """The commands of the steps that run in ``directory``, in order, one line each."""
    return [
        line.strip()
        for step in steps()
        if step.get("working-directory") == directory
        for line in step.get("run", "").splitlines()
    ]


def test_the_workflow_runs_on_pushes_to_main_pull_requests_and_by_hand() -> None:
    workflow = load_workflow()
    triggers: dict[str, Any] = workflow.get("on", workflow[True])
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert "PULUMI_CONFIG_PASSPHRASE" in workflow["env"]
    assert "Pulumi CLI cannot be installed" in WORKFLOW.read_text().split("\nname:")[0]


def test_the_workflow_sets_up_every_toolchain_and_the_cli() -> None:
    uses = {str(step.get("uses", "")).split("@")[0]: step for step in steps()}
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.12"
    assert uses["actions/setup-node"]["with"]["node-version"] == "20"
    assert uses["actions/setup-go"]["with"]["go-version"] == "stable"
    assert uses["actions/setup-dotnet"]["with"]["dotnet-version"].startswith("8.")
    assert "command" not in uses["pulumi/actions"].get("with", {})  # install the CLI only
    commands = "\n".join(step.get("run", "") for step in steps())
    assert "pulumi login --local" in commands
    assert "pip install --disable-pip-version-check -e ./emulator" in commands
    assert "python -m northflank_emulator --host 127.0.0.1 --port 8080" in commands
    assert "-r provider/requirements.txt" in commands and "python -m venv provider/venv" in commands


@pytest.mark.parametrize("language", ["nodejs", "go", "dotnet"])
def test_the_workflow_generates_and_builds_an_sdk_per_language(language: str) -> None:
    schema_language = {"dotnet": "csharp"}.get(language, language)
    assert schema_language in SCHEMA["language"]
    [step] = [
        s
        for s in steps()
        if re.search(
            rf"pulumi package gen-sdk \./provider --language {language}\b", s.get("run", "")
        )
    ]
    build = {"nodejs": "tsc -p tsconfig.json", "go": "go build ./...", "dotnet": "dotnet build"}
    assert build[language] in step["run"]
    assert f'cd "$RUNNER_TEMP/sdk/{language}"' in step["run"]  # gen-sdk writes <out>/<language>


@pytest.mark.parametrize("example", [YAML_EXAMPLE, TS_EXAMPLE])
def test_the_workflow_runs_each_example_up_refresh_destroy(example: Path) -> None:
    commands = runs_in(example.relative_to(ROOT).as_posix())
    assert "pulumi stack init ci" in commands
    assert any(re.search(r"--secret northflank:apiToken", c) for c in commands)
    assert any(re.search(r"\bnorthflank:apiUrl\b", c) for c in commands)

    def first(pattern: str) -> int:
        return next(i for i, c in enumerate(commands) if re.search(pattern, c))

    up = first(r"^pulumi up --stack ci --yes\b")
    no_changes = first(r"^pulumi preview --stack ci --expect-no-changes\b")
    refresh = first(r"^pulumi refresh --stack ci --yes\b")
    destroy = first(r"^pulumi destroy --stack ci --yes\b")
    assert up < no_changes < refresh < destroy
    assert any(re.search(r"stack output --stack ci migration\)\" = SUCCESS", c) for c in commands)


def test_the_workflow_installs_the_typescript_examples_recorded_package() -> None:
    commands = runs_in(TS_EXAMPLE.relative_to(ROOT).as_posix())
    install = next(
        i for i, c in enumerate(commands) if c.startswith(("pulumi install", "pulumi package add"))
    )
    assert install < commands.index("npm install --no-audit --no-fund")
    assert install < next(i for i, c in enumerate(commands) if c.startswith("pulumi up"))


def test_the_workflow_checks_what_package_add_records_for_yaml_and_typescript() -> None:
    [step] = [s for s in steps() if 'pulumi package add "$' in s.get("run", "")]
    lines = [line.strip() for line in step["run"].splitlines()]
    assert lines.count('pulumi package add "$GITHUB_WORKSPACE/provider"') == 2
    assert any("runtime: yaml" in line for line in lines)
    assert any("runtime: nodejs" in line for line in lines)
    assert any('endswith("sdks/northflank")' in line for line in lines)


def test_the_workflow_imports_the_deployed_job_in_a_fresh_stack() -> None:
    commands = runs_in(YAML_EXAMPLE.relative_to(ROOT).as_posix())
    text = "\n".join(commands)
    assert "pulumi stack init ci-import" in commands
    assert re.search(
        r'pulumi import northflank:index:JobDeployment imported "\$PROJECT_ID/\$JOB_ID" \\\n'
        r"--stack ci-import --yes --skip-preview --protect=false",
        text,
    )
    env = load_workflow()["env"]
    assert (env["PROJECT_ID"], env["JOB_ID"]) == SEEDED
    assert env["IMAGE"] == load_yaml_program()["config"]["image"]["default"]
    assert env["SECRET_VALUE"] in (YAML_EXAMPLE / "Pulumi.yaml").read_text()
    assert env["SECRET_VALUE"] in (TS_EXAMPLE / "index.ts").read_text()
