"""A small declarative description of a JSON request body, and what is derived from it.

A resource module declares its inputs once (a ``Body`` of path parameters, typed properties and
``Block`` s of ``Field`` s, inside a ``Declaration`` that adds its identity and read-only outputs);
then

* ``Body.validate`` checks a property bag in ``check()`` and names each broken rule,
* ``Body.to_request`` builds the HTTP body for create/update,
* ``Body.inputs_of`` projects a property bag onto the declared keys for ``diff()`` and ``read()``,

so a rule is never written twice. Values that are still unknown during a preview
(``pulumi.output.Unknown``) are accepted wherever they stand: they cannot be checked yet.

A body's rules are Northflank's (its published schema, and the rules its field descriptions state)
plus, listed apart in a ``Stricter``, the ones this provider adds on purpose; a broken rule of
the second kind is reported as a ``Problem`` with ``ours=True``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL

Bag = Mapping[str, Any]


def is_unknown(value: object) -> bool:
    """True for a value the engine does not know yet (preview), in decoded or wire form."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_SENTINEL)


def contains_unknown(value: object) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


class Problem(NamedTuple):
    """A broken rule: the property path and the reason in plain words. ``ours`` marks a rule this
    provider adds to Northflank's (see ``Stricter``)."""

    path: str
    reason: str
    ours: bool = False


class Rule(Protocol):
    """One constraint on a string value, with its description in plain words."""

    def accepts(self, value: str) -> bool: ...

    @property
    def words(self) -> str: ...


@dataclass(frozen=True)
class Pattern:
    """The whole value must match ``regex``.

    Matching is done with ``re.fullmatch``: the schemas come from an ECMAScript engine, where ``$``
    does not match before a trailing newline as Python's ``re.search`` would.
    """

    regex: str
    description: str

    @property
    def words(self) -> str:
        return self.description

    def accepts(self, value: str) -> bool:
        return _compiled(self.regex).fullmatch(value) is not None


@dataclass(frozen=True)
class Length:
    min: int
    max: int

    @property
    def words(self) -> str:
        if self.min == self.max:
            return f"exactly {self.min} characters long"
        return f"{self.min} to {self.max} characters long"

    def accepts(self, value: str) -> bool:
        return self.min <= len(value) <= self.max


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    #: The closed set's name (``DockerConfigType``): the SDK's str enum and the schema's enum
    #: type. None for a value that is only one of the forms a field accepts (``latest``).
    enum: str | None = None

    @property
    def words(self) -> str:
        if len(self.values) == 1:
            return repr(self.values[0])
        return "one of " + ", ".join(self.values)

    def accepts(self, value: str) -> bool:
        return value in self.values


@dataclass(frozen=True)
class AnyOf:
    """At least one of the alternatives holds (e.g. a 40-character SHA, or ``latest``)."""

    alternatives: tuple[Rule, ...]

    @property
    def words(self) -> str:
        return " or ".join(a.words for a in self.alternatives)

    def accepts(self, value: str) -> bool:
        return any(a.accepts(value) for a in self.alternatives)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(regex: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(regex)
    if compiled is None:
        compiled = _PATTERNS[regex] = re.compile(regex)
    return compiled


@dataclass(frozen=True)
class Field:
    """A string property of a block (or of the resource itself)."""

    key: str
    required: bool = False
    rules: tuple[Rule, ...] = ()
    sent_as: str | None = None  # as a top-level property: its key in the request, if sent
    default: None = None
    description: str = ""

    def problems(self, path: str, value: object, stricter: tuple[Rule, ...] = ()) -> list[Problem]:
        """Northflank's rules first; ``stricter`` ones (ours) only for a value that passes them."""
        if is_unknown(value):
            return []
        if not isinstance(value, str):
            return [Problem(path, f"{path} must be a string, not {_json_type(value)}")]
        for rules, ours in ((self.rules, False), (stricter, True)):
            broken = [rule.words for rule in rules if not rule.accepts(value)]
            if broken:
                return [Problem(path, f"{path} must be " + " and ".join(broken), ours)]
        return []


@dataclass(frozen=True)
class Flag:
    """A boolean property, with its value when not declared (None: not declared is not sent)."""

    key: str
    default: bool | None = None
    required: bool = False
    sent_as: str | None = None
    description: str = ""
    rules: tuple[Rule, ...] = ()  # none: a boolean is one of two, as its type says

    def problems(self, path: str, value: object, stricter: tuple[Rule, ...] = ()) -> list[Problem]:
        if is_unknown(value) or isinstance(value, bool):
            return []
        return [Problem(path, f"{path} must be true or false, not {_json_type(value)}")]


@dataclass(frozen=True)
class Integer:
    """A whole number in ``[min, max]``, with its value when not declared. (Numbers travel to the
    provider as floats: ``1800.0`` is a whole number.)"""

    key: str
    min: int
    max: int
    default: int | None = None
    required: bool = False
    sent_as: str | None = None
    description: str = ""

    def problems(self, path: str, value: object, stricter: tuple[Rule, ...] = ()) -> list[Problem]:
        if is_unknown(value):
            return []
        whole = isinstance(value, (int, float)) and not isinstance(value, bool) and value % 1 == 0
        if not whole or not self.min <= value <= self.max:  # type: ignore[operator]
            return [Problem(path, f"{path} must be a whole number from {self.min} to {self.max}")]
        return []


@dataclass(frozen=True)
class StringMap:
    """An object of strings, whose keys follow ``key_rule`` (environment variables, say)."""

    key: str
    key_rule: Rule
    required: bool = False
    sent_as: str | None = None
    default: None = None
    description: str = ""

    def problems(self, path: str, value: object, stricter: tuple[Rule, ...] = ()) -> list[Problem]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return [Problem(path, f"{path} must be an object of strings, not {_json_type(value)}")]
        out = []
        for name, item in value.items():
            if not self.key_rule.accepts(name):
                # The key is the user's text, shortened: it may be long but is not a secret.
                shown = name if len(name) <= 40 else name[:40] + "..."
                out.append(Problem(path, f"{path} key {shown!r} must be {self.key_rule.words}"))
            elif not is_unknown(item) and not isinstance(item, str):
                out.append(
                    Problem(f"{path}.{name}", f"{path}.{name} must be a string, not "
                            f"{_json_type(item)}")
                )  # fmt: skip
        return out


@dataclass(frozen=True)
class JsonList:
    """A list of any JSON values (objects, lists, strings, numbers, booleans, null)."""

    key: str
    required: bool = False
    sent_as: str | None = None
    default: None = None
    description: str = ""
    #: Set by the SDK itself, not by the program (no argument, no documentation of its own).
    internal: bool = False

    def problems(self, path: str, value: object, stricter: tuple[Rule, ...] = ()) -> list[Problem]:
        if is_unknown(value):
            return []
        if not isinstance(value, (list, tuple)):
            return [Problem(path, f"{path} must be a list, not {_json_type(value)}")]
        if not all(_is_json(item) for item in value):
            return [Problem(path, f"{path} must hold only JSON values (objects, lists, text, "
                                  "numbers, booleans)")]  # fmt: skip
        return []


def _is_json(value: object) -> bool:
    if value is None or is_unknown(value) or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    return False


#: A top-level property other than a block: a string ``Field`` or one of the typed kinds above.
Property = Field | Flag | Integer | StringMap | JsonList


@dataclass(frozen=True)
class Block:
    """A nested object such as ``external`` or ``docker``.

    ``needs`` holds the rules the JSON Schema leaves to prose: when the ``selector`` field has a
    given value, these other fields are required (``docker.customCommand`` is required when
    ``docker.configType`` is ``customCommand``). ``reset`` is the value that undoes the block
    (sent when a declared block is removed from the program); ``None`` if nothing undoes it.
    """

    key: str
    fields: tuple[Field | Flag, ...]
    selector: str | None = None
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reset: Mapping[str, str] | None = None
    #: The block's type, as the SDK and the schema name it (``ExternalDeployment``: its
    #: arguments are ``ExternalDeploymentArgs``).
    type_name: str = ""
    #: The block as an argument of the resource.
    description: str = ""
    #: The block's type itself (the docstring of its class).
    type_description: str = ""

    @cached_property  # asked for on every check: computed once per declaration
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def relevant(self, selected: object) -> tuple[str, ...]:
        """The keys that matter for a given selector value (Northflank ignores the others)."""
        if self.selector is None:
            return self.keys
        if not isinstance(selected, str):
            return self.keys
        return (self.selector, *self.needs.get(selected, ()))

    def problems(self, value: object, stricter: Stricter) -> list[Problem]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return [Problem(self.key, f"{self.key} must be an object, not {_json_type(value)}")]
        out: list[Problem] = []
        for key in value:
            if key not in self.keys:
                path = f"{self.key}.{key}"
                out.append(Problem(path, _unknown_key(path, self.keys)))
        for f in self.fields:
            path = f"{self.key}.{f.key}"
            if f.key in value:
                out.extend(f.problems(path, value[f.key], stricter.rules.get(path, ())))
            elif f.required:
                out.append(Problem(path, f"{path} is required"))
        if self.selector is not None:
            selected = value.get(self.selector)
            if isinstance(selected, str) and not is_unknown(selected):
                for needed in self.needs.get(selected, ()):
                    out.extend(self._needed(value, needed, selected, stricter))
        return out

    def _needed(
        self, value: Mapping[str, Any], needed: str, selected: str, stricter: Stricter
    ) -> list[Problem]:
        path = f"{self.key}.{needed}"
        when = f"when {self.key}.{self.selector} is {selected}"
        if needed not in value:
            return [Problem(path, f"{path} is required {when}")]
        given = value[needed]
        if stricter.needed_values_not_blank and isinstance(given, str) and not given.strip():
            return [Problem(path, f"{path} must not be empty {when}", ours=True)]
        return []


@dataclass(frozen=True)
class Variant:
    """A branch of the body's ``oneOf``: ``source`` is required, ``allows`` lists the others."""

    name: str
    source: str | None
    allows: frozenset[str]


@dataclass(frozen=True)
class Stricter:
    """Where ``check()`` is stricter than Northflank's published rules, on purpose: a value the API
    would accept today and fail on later, or a declaration that could not do anything.

    * ``rules``: more rules for the string at a property path (only for a value that passes
      Northflank's own);
    * ``needed_values_not_blank``: a ``custom*`` value its ``configType`` requires is not blank;
    * ``something_to_manage``: a body declares at least one block, or a property other than the
      path parameters.
    """

    rules: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    needed_values_not_blank: bool = False
    something_to_manage: bool = False


@dataclass(frozen=True)
class Body:
    """A request body: path parameters plus blocks, with exactly one variant chosen."""

    path_params: tuple[Field, ...]
    blocks: tuple[Block, ...] = ()
    variants: tuple[Variant, ...] = (Variant("no source", None, frozenset()),)
    stricter: Stricter = field(default_factory=Stricter)
    #: Typed top-level properties; each is sent in the request under ``sent_as``, if it has one.
    properties: tuple[Property, ...] = ()

    @cached_property  # asked for on every check: computed once per declaration
    def keys(self) -> tuple[str, ...]:
        return (
            tuple(f.key for f in self.path_params)
            + tuple(p.key for p in self.properties)
            + tuple(b.key for b in self.blocks)
        )

    def with_defaults(self, bag: Bag) -> dict[str, Any]:
        """The bag with each undeclared property that has a default set to it."""
        defaults = {p.key: p.default for p in self.properties if p.default is not None}
        return {**defaults, **{k: v for k, v in bag.items() if v is not None}}

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)

    def variant_of(self, bag: Bag) -> Variant:
        """The variant a bag selects by its source block (``check`` has made sure it is one)."""
        for variant in self.variants:
            if variant.source is not None and variant.source in bag:
                return variant
        return next(v for v in self.variants if v.source is None)

    def validate(self, bag: Bag) -> list[tuple[str, str]]:
        """Every broken rule as ``(property path, reason in plain words)``; empty when valid."""
        return [(p.path, p.reason) for p in self.problems(bag)]

    def problems(self, bag: Bag) -> list[Problem]:
        """Every broken rule, each marked with whose rule it is."""
        out: list[Problem] = []
        for key in bag:
            if key not in self.keys and not key.startswith("__"):
                out.append(Problem(key, _unknown_key(key, self.keys)))
        for param in (*self.path_params, *self.properties):
            if param.key in bag:
                rules = self.stricter.rules.get(param.key, ())
                out.extend(param.problems(param.key, bag[param.key], rules))
            elif param.required:
                out.append(Problem(param.key, f"{param.key} is required"))
        for block in self.blocks:
            if block.key in bag:
                out.extend(block.problems(bag[block.key], self.stricter))
        out.extend(self._variant_problems(bag))
        # A property that is only an option (``sourceManagedBy``) manages nothing by itself.
        managed = (*self.blocks, *(p for p in self.properties if p.sent_as))
        if self.stricter.something_to_manage and not any(m.key in bag for m in managed):
            out.append(Problem("", self._nothing_to_manage(), ours=True))
        return out

    def _nothing_to_manage(self) -> str:
        sent = [p.key for p in self.properties if p.sent_as]
        if sent:
            settings = ", ".join([*sent, *(b.key for b in self.blocks)])
            return f"nothing to manage: declare at least one of {settings}"
        sources = [v.source for v in self.variants if v.source]
        others = [b.key for b in self.blocks if b.key not in sources]
        return (
            f"nothing to manage: declare a deployment source ({' or '.join(sources)}), a runtime "
            f"block ({' or '.join(others)}), or both"
        )

    def _variant_problems(self, bag: Bag) -> list[Problem]:
        sources = [v.source for v in self.variants if v.source is not None and v.source in bag]
        if len(sources) > 1:
            return [
                Problem(
                    sources[1],
                    f"{' and '.join(sources)} cannot be used together: choose one deployment "
                    "source, or neither to change only the runtime settings",
                )
            ]
        variant = self.variant_of(bag)
        out = []
        for block in self.blocks:
            if block.key in bag and block.key != variant.source and block.key not in variant.allows:
                allowed_with = [
                    v.source or "no source" for v in self.variants if block.key in v.allows
                ]
                out.append(
                    Problem(
                        block.key,
                        f"{block.key} cannot be used with {variant.source}; it is allowed only "
                        f"with {' or '.join(allowed_with)}",
                    )
                )
        return out

    def inputs_of(self, bag: Bag) -> dict[str, Any]:
        """The declared keys of a bag, and only those (no ``__provider``, no read-only outputs)."""
        out: dict[str, Any] = {}
        for param in (*self.path_params, *self.properties):
            if bag.get(param.key) is not None:
                out[param.key] = bag[param.key]
        for block in self.blocks:
            value = bag.get(block.key)
            if value is None:
                continue
            if isinstance(value, Mapping):
                value = {f.key: value[f.key] for f in block.fields if value.get(f.key) is not None}
            out[block.key] = value
        return out

    def redacted(self, request: Bag) -> dict[str, Any]:
        """A request body for logs: free-text values (commands may hold secrets) become their
        length; values with rules (images, IDs, enums) are shown."""
        out: dict[str, Any] = {}
        for block in self.blocks:
            if isinstance(request.get(block.key), Mapping):
                out[block.key] = {
                    f.key: request[block.key][f.key]
                    if f.rules
                    else f"<{len(request[block.key][f.key])} chars>"
                    for f in block.fields
                    if f.key in request[block.key]
                }
        return out

    def to_request(self, bag: Bag, previous: Bag | None = None) -> dict[str, Any]:
        """The JSON body: the declared blocks with their set fields, path parameters left out.

        A block that ``previous`` (the last applied declaration) had and ``bag`` no longer has is
        sent as its ``reset``, where the chosen variant allows it: removing a setting from the
        program undoes it, rather than leaving it behind unmanaged.
        """
        blocks = {b.key for b in self.blocks}
        body = {k: v for k, v in self.inputs_of(bag).items() if k in blocks}
        sent = {p.sent_as: bag[p.key] for p in self.properties if p.sent_as and p.key in bag}
        return {**sent, **body, **self._resets(bag, previous or {})}

    def _resets(self, bag: Bag, previous: Bag) -> dict[str, Any]:
        """The blocks ``previous`` declared and ``bag`` removed, each as its reset value."""
        allowed = self.variant_of(bag).allows
        return {
            block.key: dict(block.reset)
            for block in self.blocks
            if block.reset is not None
            and block.key in allowed
            and previous.get(block.key) is not None
            and block.key not in bag
        }


@dataclass(frozen=True)
class Computed:
    """An output only Northflank sets (``runId``, ``registryProvider``): never an input."""

    key: str
    kind: str  # "string", "boolean" or "object" (any JSON object), as the schema names them
    description: str
    #: Its closed set of values, when it has one (``status``).
    choice: Choice | None = None
    #: Whether it may be absent (a read-back that only a refresh fills in).
    optional: bool = True


@dataclass(frozen=True)
class Declaration:
    """What a resource is, written once: its inputs and their rules (``body``), the inputs whose
    change replaces it (``identity``) and the outputs only Northflank sets (``computed``). Its
    lifecycle, its read-back, the SDK class that programs use, the reference page and the
    package schema all take it from here.

    Descriptions are Markdown with ``{propertyName}`` for a property of the resource, written as
    each face names it (``project_id`` in Python, ``projectId`` in the schema)."""

    name: str
    body: Body
    identity: tuple[str, ...]
    computed: tuple[Computed, ...] = ()
    #: What the resource is, in a few sentences (the first is its summary).
    description: str = ""
    #: A Python program that uses it (the SDK's "Example usage").
    example: str = ""
    #: What changing an identity property does, after "Changing it ...".
    replacement: str = "replaces the resource"
    #: How ``pulumi import`` (or ``get``) names an existing one, when it can be adopted.
    import_id: str | None = None

    @property
    def read_only(self) -> tuple[str, ...]:
        """The wire names of the outputs only Northflank sets."""
        return tuple(c.key for c in self.computed)

    @property
    def properties(self) -> tuple[str, ...]:
        """Every top-level property, inputs first (wire names)."""
        return (*self.body.keys, *self.read_only)

    @property
    def nested(self) -> frozenset[str]:
        """The wire names of the fields inside blocks."""
        return frozenset(f.key for block in self.body.blocks for f in block.fields)


def _unknown_key(path: str, known: tuple[str, ...]) -> str:
    return f"{path} is not a known property (expected one of: {', '.join(known)})"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def python_name(wire: str) -> str:
    """A wire name as Python writes it: ``imagePath`` -> ``image_path``, ``buildSHA`` ->
    ``build_sha``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z]+)", lambda m: "_" + m.group(1).lower(), wire)


class _Names(dict[str, str]):
    def __init__(self, name_of: Callable[[str], str]) -> None:
        super().__init__()
        self.name_of = name_of

    def __missing__(self, key: str) -> str:
        return self.name_of(key)


def described(text: str, name_of: Callable[[str], str]) -> str:
    """A declared description as one face writes it: each ``{property}`` named by ``name_of``
    (``{{`` and ``}}`` are literal braces)."""
    return text.format_map(_Names(name_of))


def enum_of(rules: Iterable[Rule]) -> Choice | None:
    """The named closed set among a field's rules (also inside an ``AnyOf``), if it has one."""
    for rule in rules:
        if isinstance(rule, Choice) and rule.enum:
            return rule
        if isinstance(rule, AnyOf):
            found = enum_of(rule.alternatives)
            if found:
                return found
    return None
