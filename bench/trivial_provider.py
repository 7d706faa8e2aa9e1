"""A provider that does nothing: the start-up reference.

It lives in an importable module that imports nothing but pulumi, so that, like
``JobDeploymentProvider``, it is pickled by reference and the plugin imports only this to unpickle
it. The plugin's start-up with it is what any dynamic provider costs.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, ResourceProvider


class TrivialProvider(ResourceProvider):
    def __reduce__(self) -> tuple[type[TrivialProvider], tuple[()]]:
        return (TrivialProvider, ())

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("trivial", {})
