"""The native plugin at the engine's boundary: launched as the Python language host launches a
plugin directory (``python provider <engine-address>``, cwd elsewhere), driven over gRPC against
the emulator, beside the dynamic plugin whose core it shares."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from northflank_devtools.engine_driver import (
    JOB_DEPLOYMENT,
    JOB_RUN,
    JOB_SETTINGS,
    NATIVE_JOB_DEPLOYMENT,
    NATIVE_JOB_RUN,
    NATIVE_JOB_SETTINGS,
    PLUGIN_DIR,
    UNKNOWN,
    CheckFailed,
    Engine,
    Kind,
    Plugin,
    ProviderError,
    State,
    from_struct_keeping_secrets,
    installed_pulumi_version,
    is_secret,
    secret,
)
from northflank_emulator import Backend, EmulatorServer
from pulumi_northflank_provider import __version__
from pulumi_northflank_provider.declaration import is_unknown
from pulumi_northflank_provider.native.serve import NEEDS_PULUMI, engine_address
from pulumi_northflank_provider.package_schema import SCHEMA_FILE

from .conftest import CANARY_TOKEN, PROJECT, ApiCalls, JobRef, start_plugin
from .test_generated import METASCHEMA, python_patterns

pytestmark = pytest.mark.skipif(
    installed_pulumi_version() < NEEDS_PULUMI,
    reason=f"the native plugin needs pulumi >= {NEEDS_PULUMI}: the lowest-dependency run has less",
)

ROOT = Path(__file__).resolve().parents[1]
IMAGE = {"imagePath": "ghcr.io/acme/migrate:1.5.0"}
#: A value the program marks secret: it must come back marked, and show in no message.
SECRET = "hunter2-" + CANARY_TOKEN[-8:]


@pytest.fixture(scope="module")
def native(emulator: EmulatorServer) -> Iterator[Plugin]:
    plugin = start_plugin(emulator.url, native=True)
    yield plugin
    plugin.close()
    assert SECRET not in plugin.output


@pytest.fixture
def other_job(backend: Backend, job: JobRef) -> JobRef:
    """A second job, for the same steps through the other plugin."""
    backend.add_job(job.project_id, f"{job.job_id}-b")
    return JobRef(job.project_id, f"{job.job_id}-b", backend, job.emulator_url)


def sent(api_calls: ApiCalls, job: JobRef) -> list[tuple[str, str, str]]:
    """The writes sent about ``job``: method, the path after the job's, and the body's bytes."""
    prefix = f"/v1/projects/{job.project_id}/jobs/{job.job_id}"
    return [
        (r["method"], r["path"][len(prefix) :], r["raw"])
        for r in api_calls.all()
        if r["method"] != "GET" and (r["path"] + "/").startswith(prefix + "/")
    ]


def preview_changes(plugin: Plugin, name: str, news: dict[str, Any], state: State) -> str:
    diff = Engine(plugin).preview(name, news, state)
    assert diff is not None
    return diff.changes


# --- the plugin and its schema -----------------------------------------------------------------


def test_the_plugin_reports_the_package_version_and_serves_the_committed_schema(
    native: Plugin,
) -> None:
    assert native.plugin_info().version == __version__
    served = native.schema()
    assert served == SCHEMA_FILE.read_text(encoding="utf-8")
    schema = json.loads(served)
    metaschema = python_patterns(json.loads(METASCHEMA.read_text()))
    jsonschema.Draft202012Validator(metaschema).validate(schema)
    assert schema["name"] == "northflank" and schema["version"] == __version__
    assert set(schema["resources"]) == {
        "northflank:index:JobDeployment",
        "northflank:index:JobRun",
        "northflank:index:JobSettings",
    }


def test_the_plugin_directory_is_what_the_language_host_runs() -> None:
    """PulumiPlugin.yaml names the python runtime; requirements.txt asks for what pyproject
    asks for, with the pulumi that hands Cancel to the provider."""
    plugin_yaml = (PLUGIN_DIR / "PulumiPlugin.yaml").read_text()
    assert re.search(r"^runtime:\s*\n\s+name: python", plugin_yaml, re.M)
    assert (PLUGIN_DIR / "__main__.py").is_file()
    assert not (PLUGIN_DIR / "pulumi-resource-northflank").exists()  # it would win over the yaml
    requirements = [
        line.split("#")[0].strip()
        for line in (PLUGIN_DIR / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    pyproject = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.S | re.M)
    assert dependencies is not None
    declared = re.findall(r'^\s+"([^"]+)"', dependencies.group(1), re.M)
    wanted = ".".join(map(str, NEEDS_PULUMI))
    assert requirements == [
        f"pulumi>={wanted},<4" if d.startswith("pulumi>=") else d for d in declared
    ]


def test_configure_accepts_secrets_and_previews(native: Plugin, emulator: EmulatorServer) -> None:
    answer = native.configure(
        {"northflank:apiUrl": emulator.url, "northflank:apiToken": secret(CANARY_TOKEN)}
    )
    assert answer.acceptSecrets and answer.supportsPreview


def test_the_settings_fall_back_to_the_environment(emulator: EmulatorServer, job: JobRef) -> None:
    environment = {"NORTHFLANK_API_TOKEN": CANARY_TOKEN, "NORTHFLANK_API_URL": emulator.url}
    plugin = start_plugin("", token=None, env=environment, native=True)
    try:
        Engine(plugin).up("d", {**job.inputs, "external": IMAGE}, kind=NATIVE_JOB_DEPLOYMENT)
        assert job.live()["external"]["imagePath"] == "acme/migrate:1.5.0"
    finally:
        plugin.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["127.0.0.1:4242"],
        ["--logtostderr", "-v=9", "127.0.0.1:4242"],
        ["--tracing", "http://127.0.0.1:9411", "127.0.0.1:4242"],  # the SDK's parser errs here
    ],
)
def test_the_engines_address_is_the_last_argument(argv: list[str]) -> None:
    assert engine_address(argv) == "127.0.0.1:4242"


def test_the_plugin_needs_nothing_outside_its_directory_but_its_requirements() -> None:
    """`pulumi package add` installs requirements.txt beside the plugin, not this distribution:
    the plugin must not import the Python SDK (``pulumi_northflank``)."""
    probe = (
        "import sys\n"
        "import pulumi_northflank_provider.native.provider\n"
        "import pulumi_northflank_provider.native.serve\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi_northflank'))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=PLUGIN_DIR, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_check_config_names_a_bad_setting_and_marks_the_token_secret(native: Plugin) -> None:
    checked, failures = native.check_config(
        {"apiToken": secret(CANARY_TOKEN), "apiUrl": "http://example.com"}
    )
    assert [prop for prop, _ in failures] == ["apiUrl"]
    assert "plain http:// for example.com" in failures[0][1]
    assert is_secret(checked["apiToken"])  # and nowhere else (the driver checks the answer)


def test_a_missing_token_fails_the_first_call_that_needs_it(emulator: EmulatorServer, job: JobRef):
    plugin = start_plugin(emulator.url, token=None, native=True)
    try:
        with pytest.raises(ProviderError) as failure:
            Engine(plugin).up("d", {**job.inputs, "external": IMAGE}, kind=NATIVE_JOB_DEPLOYMENT)
        assert failure.value.message.startswith("No Northflank API token is configured")
        # The message first, then the few frames it passed through (none of the HTTP client's).
        frames = [line for line in failure.value.details.splitlines() if line.startswith("  File")]
        assert len(frames) <= 4 and "http" not in "".join(frames)
    finally:
        plugin.close()


# --- one core: the same bodies, byte for byte ---------------------------------------------------

DEPLOYMENT_STEPS: dict[str, list[dict[str, Any]]] = {
    "external": [{"external": {**IMAGE, "credentials": "ghcr-creds"}}],
    "internal": [
        {
            "internal": {"id": "migrate-builder", "branch": "main", "buildSHA": "latest"},
            "buildpack": {"configType": "customProcess", "customProcess": "migrate"},
        }
    ],
    "runtime-only": [{"docker": {"configType": "customCommand", "customCommand": "migrate"}}],
    "removed block": [
        {"external": IMAGE, "docker": {"configType": "customCommand", "customCommand": "up"}},
        {"external": IMAGE},
    ],
}


def walk(engine: Engine, kind: Kind, job: JobRef, steps: list[dict[str, Any]]) -> State:
    state = None
    for step in steps:
        state = engine.up("subject", {**job.inputs, **step}, state, kind=kind)
    assert state is not None
    return state


@pytest.mark.parametrize("variant", DEPLOYMENT_STEPS)
def test_a_deployment_sends_the_same_bytes_through_both_plugins(
    variant: str, plugin: Plugin, native: Plugin, job: JobRef, other_job: JobRef, api_calls
) -> None:
    walk(Engine(plugin), JOB_DEPLOYMENT, job, DEPLOYMENT_STEPS[variant])
    walk(Engine(native), NATIVE_JOB_DEPLOYMENT, other_job, DEPLOYMENT_STEPS[variant])
    dynamic, native_sent = sent(api_calls, job), sent(api_calls, other_job)
    assert dynamic and native_sent == dynamic
    assert job.live() == other_job.live()


def test_a_run_start_and_job_settings_send_the_same_bytes_through_both_plugins(
    plugin: Plugin, native: Plugin, job: JobRef, other_job: JobRef, api_calls
) -> None:
    job.script_runs(seconds=0.1)
    other_job.script_runs(seconds=0.1)
    run = {"triggers": [IMAGE], "environment": {"TARGET": "head", "MODE": "fast"}}
    settings = [
        {"backoffLimit": 2, "activeDeadlineSeconds": 600, "runOnSourceChange": "never"},
        {"backoffLimit": 0, "runOnSourceChange": "never"},  # a removed deadline is reset
    ]
    for engine, kinds, target in (
        (Engine(plugin), (JOB_RUN, JOB_SETTINGS), job),
        (Engine(native), (NATIVE_JOB_RUN, NATIVE_JOB_SETTINGS), other_job),
    ):
        walk(engine, kinds[0], target, [run])
        walk(engine, kinds[1], target, settings)
    dynamic, native_sent = sent(api_calls, job), sent(api_calls, other_job)
    assert [(m, p) for m, p, _ in dynamic] == [("POST", "/runs"), ("PATCH", ""), ("PATCH", "")]
    assert native_sent == dynamic
    assert '"activeDeadlineSeconds": null' in dynamic[2][2]


# --- diff, preview ------------------------------------------------------------------------------


def test_diff_names_each_changed_field_and_what_replaces(native: Plugin, job: JobRef) -> None:
    engine = Engine(native)
    state = walk(engine, NATIVE_JOB_DEPLOYMENT, job, [{"external": IMAGE}])
    same = native.diff(state, {**job.inputs, "external": IMAGE})
    assert (same.changes, same.detailed) == ("DIFF_NONE", {})
    changed = native.diff(
        state,
        {
            **job.inputs,
            "jobId": "another-job",
            "external": {"imagePath": "ghcr.io/acme/migrate:1.6.0"},
            "docker": {"configType": "default"},
        },
    )
    assert changed.changes == "DIFF_SOME"
    assert changed.replaces == ["jobId"] and changed.delete_before_replace
    assert changed.detailed == {
        "jobId": "UPDATE_REPLACE",
        "external.imagePath": "UPDATE",
        "docker": "ADD",
    }
    removed = native.diff(state, {**job.inputs, "docker": {"configType": "default"}})
    assert removed.detailed == {"external": "DELETE", "docker": "ADD"}


def test_a_preview_with_unknown_values_checks_plans_and_sends_nothing(
    native: Plugin, job: JobRef, api_calls: ApiCalls
) -> None:
    news = {**job.inputs, "external": {"imagePath": UNKNOWN}}
    checked, failures = native.check("d", news, kind=NATIVE_JOB_DEPLOYMENT)
    assert failures == [] and is_unknown(checked["external"]["imagePath"])
    planned = native.create("d", checked, NATIVE_JOB_DEPLOYMENT, preview=True)
    assert is_unknown(planned.outputs["liveSource"])
    state = walk(Engine(native), NATIVE_JOB_DEPLOYMENT, job, [{"external": IMAGE}])
    before = len(api_calls.all())
    diff = native.diff(state, checked)
    assert diff.detailed == {"external.imagePath": "UPDATE"}
    outputs = native.update(state, checked, preview=True)
    assert is_unknown(outputs["external"]["imagePath"]) and is_unknown(outputs["liveSource"])
    assert api_calls.all()[before:] == []


def test_a_resource_under_a_component_is_served_by_its_own_type(
    native: Plugin, job: JobRef
) -> None:
    """Its URN carries the qualified type ``Parent$northflank:index:JobDeployment``."""
    nested = Kind(f"acme:index:Stack${NATIVE_JOB_DEPLOYMENT.type}", "")
    state = Engine(native).up("nested", {**job.inputs, "external": IMAGE}, kind=nested)
    assert state.id == f"{PROJECT}/{job.job_id}" and "liveSource" in state.outputs


def test_check_fails_with_the_property_path_and_the_rule(native: Plugin, job: JobRef) -> None:
    with pytest.raises(CheckFailed) as failure:
        Engine(native).preview(
            "d", {**job.inputs, "external": {"imagePath": "nginx"}}, kind=NATIVE_JOB_DEPLOYMENT
        )
    [(path, reason)] = failure.value.failures
    assert path == "external.imagePath" and "with a tag or a digest" in reason


# --- import --------------------------------------------------------------------------------------


@pytest.mark.parametrize("team", [None, "acme"])
def test_import_by_id_returns_inputs_whose_next_diff_is_no_change(
    native: Plugin, backend: Backend, emulator: EmulatorServer, team: str | None
) -> None:
    job_id = f"imported-{team or 'plain'}-{time.monotonic_ns()}"
    backend.add_job(PROJECT, job_id)
    job = JobRef(PROJECT, job_id, backend, emulator.url)
    job.change_out_of_band(
        {"external": IMAGE, "docker": {"configType": "customCommand", "customCommand": "go"}}
    )
    id_ = "/".join(p for p in (team, PROJECT, job_id) if p)
    got_id, outputs, inputs = native.import_("adopted", id_, NATIVE_JOB_DEPLOYMENT)
    assert got_id == id_
    assert inputs == {
        **job.inputs,
        **({"teamId": team} if team else {}),
        "external": IMAGE,
        "docker": {"configType": "customCommand", "customCommand": "go"},
    }
    # As Northflank reports it (no host); the inputs above put the host back, so that the
    # program a `pulumi import` writes deploys from ghcr.io, not from Docker Hub.
    assert outputs["liveSource"]["external"] == {
        "imagePath": "acme/migrate:1.5.0",
        "registryProvider": "github",
        "privateImage": False,
    }
    # What the engine does next: Check the imported inputs, then the program's, then Diff.
    state = State("adopted", got_id, inputs, outputs, NATIVE_JOB_DEPLOYMENT)
    assert preview_changes(native, "adopted", inputs, state) == "DIFF_NONE"


def test_job_settings_import_with_what_northflank_reports(native: Plugin, job: JobRef) -> None:
    cron = {"schedule": "*/30 * * * *", "suspended": False, "concurrencyPolicy": "forbid"}
    job.change_settings_out_of_band({"backoffLimit": 4, "runOnSourceChange": "never", "cron": cron})
    id_, outputs, inputs = native.import_("s", f"{PROJECT}/{job.job_id}", NATIVE_JOB_SETTINGS)
    assert inputs["backoffLimit"] == 4
    # Northflank answers "Forbid": declared as the enum spells it. GET job reports neither
    # runOnSourceChange nor cron's suspended (docs/northflank-api.md): an import cannot know them.
    assert inputs["cron"] == {"schedule": "*/30 * * * *", "concurrencyPolicy": "forbid"}
    assert "runOnSourceChange" not in inputs
    state = State("s", id_, inputs, outputs, NATIVE_JOB_SETTINGS)
    assert preview_changes(native, "s", inputs, state) == "DIFF_NONE"


def test_a_past_run_is_imported_without_starting_one(
    native: Plugin, plugin: Plugin, job: JobRef, api_calls: ApiCalls
) -> None:
    job.script_runs(seconds=0.1)
    ran = walk(Engine(plugin), JOB_RUN, job, [{"triggers": [IMAGE]}])
    starts = len([r for r in api_calls.all() if r["method"] == "POST"])
    id_, outputs, inputs = native.import_("r", f"{PROJECT}/{job.job_id}/{ran.id}", NATIVE_JOB_RUN)
    assert id_ == ran.id  # the run's own ID: what later refreshes read by
    assert (outputs["runId"], outputs["status"]) == (ran.id, "SUCCESS")
    assert inputs == {**job.inputs, "wait": True, "timeoutSeconds": 1800}
    assert len([r for r in api_calls.all() if r["method"] == "POST"]) == starts
    assert len(job.runs()) == 1


def test_an_unknown_id_fails_clearly_and_a_malformed_one_says_the_form(
    native: Plugin, job: JobRef, api_calls: ApiCalls
) -> None:
    with pytest.raises(ProviderError) as missing:
        native.import_("x", f"{PROJECT}/no-such-job", NATIVE_JOB_DEPLOYMENT)
    assert missing.value.message.startswith(
        f"There is no job 'no-such-job' in project '{PROJECT}' to read: Northflank answered 404"
    )
    with pytest.raises(ProviderError) as unseen:
        native.import_("x", "no-such-project/job", NATIVE_JOB_DEPLOYMENT)
    assert "Could not tell whether" in unseen.value.message
    with pytest.raises(ProviderError) as malformed:
        native.import_("x", job.job_id, NATIVE_JOB_RUN)
    assert "'<projectId>/<jobId>/<runId>'" in malformed.value.message
    assert "no longer exists" not in native.output  # nothing is said to be removed
    assert not [r for r in api_calls.all() if r["method"] != "GET"]


# --- secrets, Cancel, the engine's log ----------------------------------------------------------


def test_a_secret_environment_value_comes_back_marked_secret_and_is_shown_nowhere(
    native: Plugin, job: JobRef
) -> None:
    job.script_runs(seconds=0.1, outcome="FAILED", logs=[f"connecting with {SECRET}", "head"])
    news = {**job.inputs, "environment": {"DB_PASSWORD": secret(SECRET), "TARGET": "head"}}
    checked, failures = native.check("r", news, kind=NATIVE_JOB_RUN)
    assert failures == [] and checked["secretEnvironmentNames"] == ["DB_PASSWORD"]
    # What the engine sends on: the checked inputs, each value's mark kept (the driver's decoding
    # of the answer, the Python SDK's, marks the whole object instead).
    checked["environment"] = news["environment"]
    with pytest.raises(ProviderError) as failure:
        native.create("r", checked, NATIVE_JOB_RUN)
    assert "connecting with <redacted>" in failure.value.message  # scrubbed; plain ones shown
    assert SECRET not in failure.value.details and "    head" in failure.value.message
    job.script_runs(seconds=0.1)
    answer = native.create_raw("r", checked, NATIVE_JOB_RUN)
    environment = from_struct_keeping_secrets(answer.properties)["environment"]
    assert is_secret(environment["DB_PASSWORD"]) and environment["TARGET"] == "head"


def test_cancel_ends_a_waiting_create_within_seconds_and_aborts_nothing(
    emulator: EmulatorServer, backend: Backend, job: JobRef
) -> None:
    plugin = start_plugin(emulator.url, native=True)  # Cancel is for the whole process
    try:
        job.script_runs(seconds=120)
        inputs = {**job.inputs, "triggers": [IMAGE], "wait": True, "timeoutSeconds": 600}
        create = ThreadPoolExecutor(1).submit(
            plugin.create, "run", plugin.check("run", inputs, kind=NATIVE_JOB_RUN)[0],
            NATIVE_JOB_RUN,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not backend.runs(job.project_id, job.job_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        [run] = backend.runs(job.project_id, job.job_id)
        cancelled_at = time.monotonic()
        plugin.cancel()
        with pytest.raises(ProviderError) as failure:
            create.result(timeout=10)
        assert time.monotonic() - cancelled_at < 10
        message = failure.value.message
        assert message.startswith("Pulumi cancelled the operation (Ctrl-C) while following its")
        assert f"{run.run_name} ({run.id})" in message and "not aborted" in message
        assert f"--runId {run.id}" in message
        assert run.status(time.monotonic()) == "RUNNING" and run.aborted is None
    finally:
        plugin.close()


def test_messages_go_to_the_engines_log_about_their_resource(native: Plugin, job: JobRef) -> None:
    assert native.engine_logs is not None
    before = len(native.engine_logs.messages)
    state = walk(Engine(native), NATIVE_JOB_DEPLOYMENT, job, [{"external": IMAGE}])
    said = native.engine_logs.messages[before:]
    message = (
        f"[northflank] Deployment of job '{job.job_id}' in project '{PROJECT}' set: "
        f"image {IMAGE['imagePath']}."
    )
    urn = "urn:pulumi:test::northflank-tests::northflank:index:JobDeployment::subject"
    assert ("INFO", message, urn) in said
    native.delete(state)
    assert native.engine_logs.messages[-1][1].startswith("[northflank] No longer managing")


# --- from the dynamic provider to the native one --------------------------------------------------


MIGRATED: list[tuple[Kind, Kind, Callable[[JobRef], dict[str, Any]]]] = [
    (JOB_DEPLOYMENT, NATIVE_JOB_DEPLOYMENT, lambda job: {"external": IMAGE}),
    (JOB_RUN, NATIVE_JOB_RUN, lambda job: {"triggers": [IMAGE], "environment": {"A": "1"}}),
    (JOB_SETTINGS, NATIVE_JOB_SETTINGS, lambda job: {"backoffLimit": 1}),
]


@pytest.mark.parametrize(("old", "new", "declared"), MIGRATED, ids=lambda k: getattr(k, "type", ""))
def test_a_dynamic_resources_state_is_no_change_to_the_native_plugin(
    old: Kind,
    new: Kind,
    declared: Callable[[JobRef], dict[str, Any]],
    plugin: Plugin,
    native: Plugin,
    job: JobRef,
    api_calls: ApiCalls,
) -> None:
    """With an alias to the old type, the engine hands the dynamic resource's state (its pickled
    provider included) to the native plugin's Check and Diff: no change, so no new run."""
    job.script_runs(seconds=0.1)
    # The Python SDK's own bookkeeping, which its JobRun sends with an environment.
    bookkeeping: dict[str, Any] = {"secretEnvironmentNames": []} if old is JOB_RUN else {}
    dynamic = walk(Engine(plugin), old, job, [{**declared(job), **bookkeeping}])
    program = {**job.inputs, **declared(job)}
    aliased = State(dynamic.name, dynamic.id, dynamic.inputs, dynamic.outputs, new)
    before = len(api_calls.all())
    assert preview_changes(native, "subject", program, aliased) == "DIFF_NONE"
    refreshed = Engine(native).refresh(aliased)
    assert refreshed is not None and refreshed.id == dynamic.id
    assert "__provider" not in refreshed.outputs
    assert [r["method"] for r in api_calls.all()[before:]] == ["GET"]
