"""Provider settings, all read in one place.

Each setting comes from the stack config (``pulumi config set northflank:...``), else from the
environment, else a default. They are resolved at call time from what ``configure()`` received, so
nothing here is ever pickled into the state (the pickle is made in the program process, where
``configure()`` never runs).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_API_URL = "https://api.northflank.com"

TOKEN_CONFIG = "northflank:apiToken"  # noqa: S105 - a config key, not a token
TOKEN_ENV = "NORTHFLANK_API_TOKEN"  # noqa: S105 - a variable name, not a token
URL_CONFIG = "northflank:apiUrl"
URL_ENV = "NORTHFLANK_API_URL"
TEAM_CONFIG = "northflank:teamId"
TEAM_ENV = "NORTHFLANK_TEAM_ID"
TIMEOUT_CONFIG = "northflank:requestTimeout"
TIMEOUT_ENV = "NORTHFLANK_REQUEST_TIMEOUT"
RETRY_WAIT_CONFIG = "northflank:maxRetryWait"
RETRY_WAIT_ENV = "NORTHFLANK_MAX_RETRY_WAIT"

DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds to wait for an answer, per attempt
DEFAULT_MAX_RETRY_WAIT = 120.0  # seconds spent waiting between attempts of one call, in total

#: Every stack config key the provider reads (configure() keeps these and nothing else).
CONFIG_KEYS = (TOKEN_CONFIG, URL_CONFIG, TEAM_CONFIG, TIMEOUT_CONFIG, RETRY_WAIT_CONFIG)

HOW_TO_SET_TOKEN = (
    f"set it with `pulumi config set --secret {TOKEN_CONFIG} <token>` or the {TOKEN_ENV} "
    "environment variable (create a token under Account or Team settings > API > Tokens)"
)


class Token:
    """An API token that cannot be printed, logged or formatted by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Token(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Northflank API token must never be pickled")


@dataclass(frozen=True)
class Settings:
    api_url: str
    token: Token | None
    token_source: str
    team_id: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT

    def require_token(self) -> Token:
        if self.token is None:
            raise ConfigurationError(f"No Northflank API token is configured: {HOW_TO_SET_TOKEN}.")
        return self.token


def resolve(stack_config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the stack config first, then the environment, then the defaults."""
    env = os.environ if environ is None else environ
    token, token_source = _first(stack_config, TOKEN_CONFIG, env, TOKEN_ENV)
    url, url_source = _first(stack_config, URL_CONFIG, env, URL_ENV)
    api_url = _checked_url(url, url_source) if url else DEFAULT_API_URL
    return Settings(
        api_url=api_url,
        token=Token(token) if token else None,
        token_source=token_source,
        team_id=_team(stack_config, env),
        request_timeout=_seconds(
            stack_config, TIMEOUT_CONFIG, env, TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT
        ),
        max_retry_wait=_seconds(
            stack_config, RETRY_WAIT_CONFIG, env, RETRY_WAIT_ENV, DEFAULT_MAX_RETRY_WAIT
        ),
    )


def _team(stack_config: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    team, source = _first(stack_config, TEAM_CONFIG, env, TEAM_ENV)
    if team is not None and not re.fullmatch(r"[A-Za-z0-9-]+", team):
        raise ConfigurationError(f"{source} must be a team ID (letters, digits and hyphens).")
    return team


def _seconds(
    stack_config: Mapping[str, Any], key: str, env: Mapping[str, str], var: str, default: float
) -> float:
    value, source = _first(stack_config, key, env, var)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ConfigurationError(f"{source} must be a number of seconds between 0 and 3600.")
    return seconds


def _first(
    stack_config: Mapping[str, Any], key: str, env: Mapping[str, str], var: str
) -> tuple[str | None, str]:
    value = stack_config.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip(), f"stack config {key}"
    value = env.get(var)
    if value and value.strip():
        return value.strip(), f"environment variable {var}"
    return None, "default"


def _checked_url(url: str, source: str) -> str:
    """The API base URL without a trailing slash; plain HTTP only for a loopback emulator.

    Messages name the host only: a URL may carry credentials, which must not be echoed.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as {DEFAULT_API_URL}."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{source} must be a plain base URL such as {DEFAULT_API_URL}, without credentials, "
            "a query or a fragment."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{source} uses plain http:// for {parts.hostname}, which would send the API token "
            "unencrypted; use https://, or http:// only for a local emulator on a loopback "
            "address (127.0.0.1, ::1, localhost)."
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
