"""What every resource's provider shares: pickling by reference, settings resolved once per
configuration and a client built from them on first use, ``check`` from the resource's
declaration, and the rule for telling a deleted object from one the provider merely cannot see."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    DiffResult,
    ReadResult,
    ResourceProvider,
)
from pulumi.runtime.rpc import UNKNOWN

from . import config, log
from .declaration import Declaration, contains_unknown
from .errors import InputError, NorthflankError, expected_failures_as_messages
from .http.call import Call
from .job_target import JobTarget

if TYPE_CHECKING:
    from .http.client import NorthflankClient


class NotVisible(NorthflankError):
    """Northflank does not show the project either: a 404 that does not prove the object is
    gone."""


class NorthflankProvider(ResourceProvider):
    """One instance serves all resources of its kind in a plugin process, from several threads:
    it keeps no per-call state, and nothing of it is pickled."""

    #: The resource this provider manages (its inputs, identity and read-only outputs).
    declaration: ClassVar[Declaration]
    #: Whether a replacement deletes the old resource before creating the new one: needed when
    #: both would be the same object on Northflank (the same job's deployment).
    replace_deletes_first: ClassVar[bool]

    # Nothing secret is ever captured (see __reduce__), so the pickle need not be encrypted.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._runtime = _Runtime()

    def __reduce__(self) -> tuple[type[NorthflankProvider], tuple[()]]:
        # Only the class reference belongs in the state; unpickling calls the class afresh, so
        # settings and HTTP sessions always belong to the process that uses them.
        return (type(self), ())

    def configure(self, req: ConfigureRequest) -> None:
        self.use_config({key: req.config.get(key) for key in config.CONFIG_KEYS})

    def use_config(self, stack_config: Mapping[str, Any]) -> None:
        """Settle the settings on the stack config keys given (``northflank:apiUrl``...): each
        face has its own way to receive them."""
        self._runtime.configure({key: stack_config.get(key) for key in config.CONFIG_KEYS})

    # check (and diff) run during previews: no HTTP, no token needed.

    @expected_failures_as_messages
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._runtime.settings()  # a setting that can never work fails the preview, not only `up`
        inputs = self.declaration.body.with_defaults(news)
        problems = self.declaration.body.validate(inputs)
        return CheckResult(inputs, [CheckFailure(path, reason) for path, reason in problems])

    @expected_failures_as_messages
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Declared inputs only (never ``__provider`` or read-only outputs); a value not known yet
        counts as a change; a change to the identity replaces."""
        changed = self.changed_inputs(olds, news)
        replaces = [key for key in changed if key in self.declaration.identity]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and self.replace_deletes_first,
        )

    def changed_inputs(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """The declared inputs whose value differs, or is not known yet (top-level keys)."""
        body = self.declaration.body
        old, new = body.inputs_of(olds), body.inputs_of(news)
        return [
            key
            for key in dict.fromkeys([*old, *new])
            if old.get(key) != new.get(key) or contains_unknown(new.get(key))
        ]

    def planned_update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs an update will record, as far as a preview (which sends nothing) can
        know them: the inputs, and what only Northflank can say as not known yet."""
        del olds  # what a resource can keep from before is its own rule (see the overrides)
        return {
            **self.declaration.body.inputs_of(news),
            **dict.fromkeys(self.declaration.read_only, UNKNOWN),
        }

    def adopted(self, id_: str, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """The declared inputs, or, when a Read carries only the ID (``get``, ``pulumi import``),
        the job the ID names; and whether it was adopted that way."""
        declared = self.declaration.body.inputs_of(props)
        if "projectId" in declared:
            return declared, False
        return {**declared, **JobTarget.parse(id_, self.declaration.name).props}, True

    @property
    def _client(self) -> NorthflankClient:
        return self._runtime.client

    def _drop_from_stack_if_gone(
        self, what: str, target: JobTarget, ancestors: Sequence[Call], adopting: bool = False
    ) -> ReadResult:
        """What a Read of ``what``, just answered with a 404, returns: the empty result that
        removes it from the stack, once ``_confirm_gone`` has shown it is gone. A Read by ID
        alone (``pulumi import``, ``get``) has nothing to remove: it fails, saying so."""
        self._confirm_gone(what, target, ancestors)
        if adopting:
            raise InputError(
                f"There is no {what} to read: Northflank answered 404 for it, and the project "
                f"exists. A {self.declaration.name} ID is {self.declaration.import_id}."
            )
        log.info(f"{log.sentence(what)} no longer exists; removing it from the stack.")
        return ReadResult("", {})

    def _confirm_gone(self, what: str, target: JobTarget, ancestors: Sequence[Call]) -> None:
        """Return only if ``what``, just answered with a 404, is really gone: one of its
        ``ancestors`` (nearest first, ending with its project) answers as itself, its ``data.id``
        the ID asked for (see ``NorthflankClient.exists``).

        A 404 also comes from a wrong base URL, token or team, and dropping the resource then
        would lose it from the stack on a mere misconfiguration; so does a 200 from something
        that is not Northflank (``{}``, ``{"data": null}``, another project). These extra GETs
        are made only on this rare path, so a refresh still costs one request per resource.
        """
        for ancestor in ancestors:
            if self._client.exists(ancestor):
                return
        team = f" in team '{target.team_id}'" if target.team_id else ""
        raise NotVisible(
            f"Could not tell whether {what} still exists: Northflank answered 404 for it, and did "
            f"not show project '{target.project_id}'{team} either (it answered 404, or an answer "
            "that is not that project), as happens with a wrong API URL, token or team. The "
            "resource is kept in the stack. Check northflank:apiUrl, that the token belongs to "
            "the team that owns the project (northflank:teamId or team_id), and the project ID. "
            "If the project really was deleted, remove the resource from the stack with "
            "`pulumi state delete <urn>` (`pulumi stack --show-urns` lists the URNs)."
        )


class _Runtime:
    """What a provider holds only while it runs in a process: never part of the pickle.

    The plugin configures each provider once, before its first call; the settings are resolved
    from that configuration once, on first use, and the client is built from them once.
    """

    def __init__(self) -> None:
        self.stack_config: dict[str, Any] = {}
        self._settings: config.Settings | None = None
        self._client: NorthflankClient | None = None
        self._lock = threading.Lock()

    def configure(self, stack_config: dict[str, Any]) -> None:
        with self._lock:
            self.stack_config = stack_config
            self._settings = None
            self._client = None

    def settings(self) -> config.Settings:
        """The settings, or the ``ConfigurationError`` of one that can never work; that is not
        kept, so every call that needs the settings says so again."""
        settings = self._settings
        if settings is None:
            with self._lock:
                if self._settings is None:
                    self._settings = config.settings_from(self.stack_config)
                settings = self._settings
        return settings

    @property
    def client(self) -> NorthflankClient:
        client = self._client
        if client is None:
            settings = self.settings()
            with self._lock:
                if self._client is None:
                    # Imported on first use: requests and urllib3 take ~30 ms to import, and
                    # previews (check and diff) never make a request, so they start without them.
                    from .http.client import NorthflankClient  # noqa: PLC0415

                    self._client = NorthflankClient(settings)
                client = self._client
        return client
