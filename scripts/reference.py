"""Write docs/reference.md from the code: the SDK's docstrings and the provider's wire declaration.

    python scripts/reference.py          # rewrite docs/reference.md
    python scripts/reference.py --check  # exit 1 if docs/reference.md is out of date

Descriptions come from the SDK (``:param x:`` lines, and the docstrings under output annotations);
rules (required, patterns, lengths, choices, "required when", defaults) from each resource's
declaration in the provider. So the page cannot drift from either, and an argument without a
description is an error.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pulumi_northflank as sdk
from pulumi_northflank_provider.job_deployment import BODY, JOB_DEPLOYMENT
from pulumi_northflank_provider.job_run import JOB_RUN, SECRET_NAMES
from pulumi_northflank_provider.wire import (
    AnyOf,
    Block,
    Choice,
    Declaration,
    Flag,
    Integer,
    JsonList,
    Length,
    Pattern,
    Property,
    Rule,
    StringMap,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "reference.md"

BLOCK_CLASSES = {
    "external": sdk.ExternalDeploymentArgs,
    "internal": sdk.InternalDeploymentArgs,
    "docker": sdk.DockerRuntimeArgs,
    "buildpack": sdk.BuildpackRuntimeArgs,
}


class Undocumented(Exception):
    pass


def param_docs(function: Callable[..., object]) -> dict[str, str]:
    """``:param name: text`` entries of a docstring, each joined into one line."""
    doc = inspect.getdoc(function) or ""
    found = re.findall(r":param (\w+):(.*?)(?=\n\s*:param |\n\s*\n|\Z)", doc, re.S)
    return {name: " ".join(text.split()) for name, text in found}


def documented_params(
    function: Callable[..., object], skip: tuple[str, ...] = ("self",)
) -> dict[str, str]:
    docs = param_docs(function)
    names = [n for n in inspect.signature(function).parameters if n not in skip]
    missing = [n for n in names if n not in docs]
    if missing:
        raise Undocumented(f"{function.__qualname__}: no :param for {', '.join(missing)}")
    return {n: docs[n] for n in names}


def attribute_docs(cls: type) -> dict[str, str]:
    """The outputs' docs: docstrings under annotated class attributes (read from the source), or
    of properties that return an ``Output``."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    out = {}
    for node in body:
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list
        ):
            out[node.name] = " ".join((ast.get_docstring(node) or "").split())
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            out[node.target.id] = " ".join(following.value.value.split())
    return out


def rule_words(rule: Rule) -> str:
    if isinstance(rule, Pattern):
        return f"{rule.description} (`{rule.regex}`)"
    if isinstance(rule, (Length, Choice, AnyOf)):
        return rule.words.replace("'", "`")
    return rule.words


def field_rules(field: Property, declaration: Declaration, block: Block | None = None) -> str:
    path = f"{block.key}.{field.key}" if block else field.key
    stricter = declaration.body.stricter.rules.get(path, ())
    if isinstance(field, Flag):
        words = [f"true or false; default `{str(field.default).lower()}`"]
    elif isinstance(field, Integer):
        words = [f"a whole number from {field.min} to {field.max}; default `{field.default}`"]
    elif isinstance(field, StringMap):
        words = [f"an object of strings; each key {rule_words(field.key_rule)}"]
    elif isinstance(field, JsonList):
        words = ["a list of JSON values"]
    else:
        words = [rule_words(r) for r in field.rules]
    words += [f"{rule_words(r)} (a rule of this provider)" for r in stricter]
    if block is not None and block.selector is not None:
        needed_by = [value for value, fields in block.needs.items() if field.key in fields]
        if needed_by:
            words.append(
                f"required when `{block.selector}` is " + " or ".join(f"`{v}`" for v in needed_by)
            )
    return "; ".join(words) or "any string"


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z]+)", lambda m: "_" + m.group(1).lower(), name)


def md(text: str) -> str:
    """A docstring as Markdown: reST ``code`` and :role:`x` to `code`, its headings below the
    page's, and ``<``/``>`` escaped outside code spans and blocks."""
    text = re.sub(r":\w+:`([^`]+)`", r"`\1`", text)
    text = re.sub(r"^## ", "#### ", text, flags=re.M)
    blocks = re.split(r"(```.*?```)", text, flags=re.S)
    return "".join(block if block.startswith("```") else _inline(block) for block in blocks)


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]*`)", text.replace("``", "`"))
    escaped = (p.replace("<", "&lt;").replace(">", "&gt;") for p in parts)
    return "".join(p if p.startswith("`") else e for p, e in zip(parts, escaped, strict=True))


def row(*cells: str) -> str:
    return "| " + " | ".join(md(c).replace("|", "\\|") for c in cells) + " |"


def arguments_table(
    fields: tuple[Property, ...],
    docs: dict[str, str],
    declaration: Declaration,
    block: Block | None = None,
) -> list[str]:
    lines = [
        row("Argument", "Wire name", "Required", "Rules", "Description"),
        row("---", "---", "---", "---", "---"),
    ]
    for field in fields:
        name = snake(field.key)
        if name not in docs:
            raise Undocumented(f"{field.key}: no description in the SDK")
        lines.append(
            row(
                f"`{name}`",
                f"`{field.key}`",
                "yes" if field.required else "no",
                field_rules(field, declaration, block),
                docs[name],
            )
        )
    return lines


def render() -> str:
    lines = [
        "# Reference: `pulumi_northflank`",
        "",
        "<!-- Generated by scripts/reference.py from the SDK's docstrings and the provider's",
        "wire declaration. Do not edit: run `make docs`. Tests fail when this page is stale. -->",
        "",
        *job_deployment_section(),
        "",
        *job_run_section(),
    ]
    return "\n".join(lines) + "\n"


def resource_header(cls: type, declaration: Declaration) -> tuple[list[str], dict[str, str]]:
    """The resource's description, type token and constructor; and its arguments' docs."""
    docs = documented_params(cls.__init__, skip=("self",))  # type: ignore[misc]
    keywords = [n for n in docs if n not in ("resource_name", "args", "opts")]
    name = declaration.name
    lines = [
        f"## `{name}`",
        "",
        md(inspect.getdoc(cls) or ""),
        "",
        f"Type token: `pulumi-python:dynamic/northflank:{name}`. Constructor: "
        f"`{name}(resource_name, args=None, opts=None, *, {', '.join(keywords)})`, "
        f"or with a `{name}Args` (or its dict form, `{name}ArgsDict`).",
        "",
        "### Arguments",
        "",
    ]
    return lines, docs


def outputs_table(cls: type) -> list[str]:
    lines = ["", "### Outputs", "", row("Output", "Description"), row("---", "---")]
    return lines + [row(f"`{name}`", doc) for name, doc in attribute_docs(cls).items()]


def job_deployment_section() -> list[str]:
    lines, resource_docs = resource_header(sdk.JobDeployment, JOB_DEPLOYMENT)
    lines += arguments_table(BODY.path_params, resource_docs, JOB_DEPLOYMENT)
    for block in BODY.blocks:
        lines.append(
            row(
                f"`{block.key}`",
                f"`{block.key}`",
                "no",
                _variant_rule(block.key),
                resource_docs[block.key],
            )
        )
    lines += ["", "Exactly one deployment source, or none:", ""]
    for variant in BODY.variants:
        source = f"`{variant.source}`" if variant.source else "neither `external` nor `internal`"
        allowed = ", ".join(f"`{k}`" for k in sorted(variant.allows))
        lines.append(f"- {variant.name}: {source}, with {allowed}")
    lines += outputs_table(sdk.JobDeployment)
    for block in BODY.blocks:
        cls = BLOCK_CLASSES[block.key]
        lines += [
            "",
            f"## `{cls.__name__}`",
            "",
            md(inspect.getdoc(cls) or ""),
            "",
            f"Also accepted as a dict (`{cls.__name__}Dict`) with the same snake_case keys.",
            "",
            *arguments_table(
                block.fields,
                documented_params(cls.__init__),  # type: ignore[misc]
                JOB_DEPLOYMENT,
                block,
            ),
        ]
    return lines


def job_run_section() -> list[str]:
    lines, resource_docs = resource_header(sdk.JobRun, JOB_RUN)
    body = JOB_RUN.body
    # The SDK computes which environment values are secret; it is no argument of the program.
    arguments = [p for p in body.properties if p.key != SECRET_NAMES]
    lines += arguments_table((*body.path_params, *arguments), resource_docs, JOB_RUN)
    replaced = ", ".join(f"`{snake(key)}`" for key in JOB_RUN.identity)
    lines += ["", f"A change to {replaced} starts a new run (replaces the resource)."]
    lines += outputs_table(sdk.JobRun)
    statuses = ", ".join(f"`{status.value}`" for status in sdk.JobRunStatus)
    lines += ["", f"`JobRunStatus` (a `str` enum) names the values of `status`: {statuses}."]
    return lines


def _variant_rule(block: str) -> str:
    allowed_with = [
        v.source or "no source" for v in BODY.variants if block in v.allows or v.source == block
    ]
    return "an object; allowed with " + " or ".join(allowed_with)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
