"""The native provider: each RPC of ``pulumi.provider.experimental`` handed to the resource's own
provider (the dynamic provider's classes, unchanged), in a worker thread.

Handlers share one asyncio loop, so the core's blocking HTTP calls and waits run in a pool of
threads of their own: a JobRun following its run never holds up another resource, or Cancel.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.rpc import UNKNOWN

from .. import config
from ..base_provider import NorthflankProvider
from ..declaration import contains_unknown, is_unknown
from ..errors import ConfigurationError, InputError, NorthflankError
from ..job_deployment import JobDeploymentProvider
from ..job_run import SECRET_NAMES, JobRunProvider
from ..job_settings import JobSettingsProvider
from ..package_schema import SCHEMA_FILE, SETTINGS, token
from ..runs import stopping
from . import engine_log
from .values import Path, plain, secret_names, wrapped

T = TypeVar("T")

#: Waiting JobRuns each hold a thread for as long as their run takes; the default pool (a few
#: per CPU) would make the next ones queue behind them.
WORKERS = 64


class NorthflankNativeProvider(Provider):
    """The ``northflank`` package: every resource the declarations describe."""

    def __init__(self) -> None:
        self._providers: dict[str, NorthflankProvider] = {
            token(p.declaration.name): p
            for p in (JobDeploymentProvider(), JobRunProvider(), JobSettingsProvider())
        }
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="northflank")

    # --- the package ---------------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        # Read per call (it is asked for once, by `package add` or codegen), never cached stale.
        return GetSchemaResponse(SCHEMA_FILE.read_text(encoding="utf-8"))

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """A setting that can never work fails here, named by its key. The engine strips secrets
        before this call: the token is marked secret again in the answer."""
        news, _ = plain(request.new_inputs)
        failures = []
        known = {k: v for k, v in news.items() if not contains_unknown(v)}  # checked once known
        try:
            config.settings_from(_stack_config(known))
        except ConfigurationError as problem:
            failures.append(CheckFailure(_schema_key(problem.setting), str(problem)))
        secrets: set[Path] = {(s.key,) for s in SETTINGS if s.secret}
        return CheckResponse(wrapped(news, secrets), failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        settings, _ = plain(request.args)
        stack_config = _stack_config(settings)
        for provider in self._providers.values():
            provider.use_config(stack_config)
        # ConfigureResponse() says False to everything: secrets must arrive marked, and Create
        # and Update are called during previews (with preview=True) to plan the outputs.
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def cancel(self) -> None:
        stopping.cancel()

    # --- resources -----------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        provider = self._provider(request.type)
        news, secrets = plain(request.new_inputs)
        olds, _ = plain(request.old_inputs)
        if provider.declaration.name == "JobRun" and "environment" in news:
            news[SECRET_NAMES] = _secret_names_kept(news, secrets, olds)
        result = await self._run(request.urn, provider.check, olds, news)
        failures = [CheckFailure(f.property, f.reason) for f in result.failures or []]
        return CheckResponse(wrapped(result.inputs or {}, secrets), failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Field by field: which input is added, deleted or updated, and whether it replaces."""
        provider = self._provider(request.type)
        olds, _ = plain(request.old_state)
        news, _ = plain(request.new_inputs)
        result = await self._run(request.urn, provider.diff, request.resource_id, olds, news)
        body = provider.declaration.body
        old_inputs, new_inputs = body.inputs_of(olds), body.inputs_of(news)
        changed = provider.changed_inputs(olds, news)
        replaces = set(result.replaces or [])
        detailed = {
            path: PropertyDiff(_kind(change, top in replaces), input_diff=True)
            for top in changed
            for path, change in field_changes((top,), old_inputs.get(top), new_inputs.get(top))
        }
        return DiffResponse(
            changes=bool(result.changes),
            replaces=sorted(replaces),
            delete_before_replace=bool(result.delete_before_replace),
            diffs=sorted(changed),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        provider = self._provider(request.type)
        inputs, secrets = plain(request.properties)
        if request.preview:  # nothing is sent: what Northflank will say is not known yet
            planned = {**inputs, **dict.fromkeys(provider.declaration.read_only, UNKNOWN)}
            return CreateResponse("", wrapped(planned, secrets))
        result = await self._run(request.urn, provider.create, inputs)
        return CreateResponse(result.id, wrapped(result.outs or {}, secrets))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        provider = self._provider(request.type)
        olds, _ = plain(request.olds)
        news, secrets = plain(request.news)
        if request.preview:
            return UpdateResponse(wrapped(provider.planned_update(olds, news), secrets))
        result = await self._run(request.urn, provider.update, request.resource_id, olds, news)
        return UpdateResponse(wrapped(result.outs or {}, secrets))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh, or import: ``pulumi import`` sends the ID alone, and gets back the inputs
        that declare the live object (so the next preview shows no change)."""
        provider = self._provider(request.type)
        state, state_secrets = plain(request.properties)
        _, input_secrets = plain(request.inputs)
        result = await self._run(request.urn, provider.read, request.resource_id, state)
        secrets = state_secrets | input_secrets
        return ReadResponse(
            result.id,
            wrapped(result.outs or {}, secrets),
            wrapped(result.inputs or {}, secrets),
        )

    async def delete(self, request: DeleteRequest) -> None:
        provider = self._provider(request.type)
        state, _ = plain(request.properties)
        await self._run(request.urn, provider.delete, request.resource_id, state)

    # --- plumbing ------------------------------------------------------------------------------

    def _provider(self, type_: str) -> NorthflankProvider:
        # A resource under a component arrives as "Parent$northflank:index:JobRun".
        resource_type = type_.rsplit("$", 1)[-1]
        try:
            return self._providers[resource_type]
        except KeyError:
            raise InputError(
                f"The northflank provider has no resource type {resource_type!r} (it has "
                f"{', '.join(self._providers)})."
            ) from None

    async def _run(self, urn: str, method: Callable[..., T], *args: Any) -> T:
        """``method`` in a worker thread, its messages about ``urn``; an expected failure as its
        message alone (the SDK adds the frames it passed through, a few lines)."""
        call = functools.partial(_about, urn, method, *args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except NorthflankError as failure:
            raise NorthflankError(str(failure)).with_traceback(None) from None


def _about(urn: str, method: Callable[..., T], *args: Any) -> T:
    with engine_log.about(urn):
        return method(*args)


def _stack_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's inputs (``apiToken``, ...) as the stack config keys the core reads."""
    return {f"northflank:{s.key}": settings.get(s.key) for s in SETTINGS}


def _schema_key(stack_config_key: str | None) -> str:
    """A setting as the schema names it: ``northflank:apiUrl`` is ``apiUrl``."""
    return (stack_config_key or "").removeprefix("northflank:")


def _secret_names_kept(news: dict[str, Any], secrets: set[Path], olds: Mapping[str, Any]) -> Any:
    """Which environment values are secret, from their marks (other languages' SDKs do not say
    it in a property, as the Python SDK does); in the order of the last check when the same, so
    that an unchanged program shows no change."""
    if is_unknown(news.get("environment")):
        return UNKNOWN
    names = secret_names(news, secrets, "environment")
    before = olds.get(SECRET_NAMES)
    if isinstance(before, list) and sorted(before) == names:
        return before
    return names


def field_changes(path: tuple[str, ...], old: Any, new: Any) -> list[tuple[str, str]]:
    """The changed fields under ``path``, each ``add``, ``delete`` or ``update``: into objects
    (a block's fields, a map's entries), whole otherwise."""
    if old is None and new is not None:
        return [(_path_text(path), "add")]
    if new is None and old is not None:
        return [(_path_text(path), "delete")]
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return [
            change
            for key in dict.fromkeys([*old, *new])
            for change in field_changes((*path, str(key)), old.get(key), new.get(key))
        ]
    if old != new or contains_unknown(new):
        return [(_path_text(path), "update")]
    return []


def _path_text(path: tuple[str, ...]) -> str:
    """A property path as Pulumi writes it: ``external.imagePath``, ``environment["A.B"]``."""
    text = path[0]
    for key in path[1:]:
        text += f".{key}" if key.isidentifier() else f'["{key}"]'
    return text


def _kind(change: str, replaces: bool) -> PropertyDiffKind:
    kinds = {
        ("add", False): PropertyDiffKind.ADD,
        ("add", True): PropertyDiffKind.ADD_REPLACE,
        ("delete", False): PropertyDiffKind.DELETE,
        ("delete", True): PropertyDiffKind.DELETE_REPLACE,
        ("update", False): PropertyDiffKind.UPDATE,
        ("update", True): PropertyDiffKind.UPDATE_REPLACE,
    }
    return kinds[(change, replaces)]
