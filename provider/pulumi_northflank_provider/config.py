"""Provider settings, all read in one place.

Each setting comes from the stack config (``pulumi config set northflank:...``), else from the
environment, else a default. The provider resolves them once per configuration of the plugin, from
what ``configure()`` received, and keeps them only in that process, so nothing here is ever pickled
into the state (the pickle is made in the program process, where ``configure()`` never runs).
``check()`` asks for them, so a setting that can never work fails the preview; the token alone is
looked at only when a request is about to be sent.
"""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_API_URL = "https://api.northflank.com"

TOKEN_CONFIG = "northflank:apiToken"  # noqa: S105 - a config key, not a token
TOKEN_ENV = "NORTHFLANK_API_TOKEN"  # noqa: S105 - a variable name, not a token
#: How to set the token, for every message that asks for one (a missing token, a 401).
HOW_TO_SET_TOKEN = (
    f"set it with `pulumi config set --secret {TOKEN_CONFIG} <token>` or the {TOKEN_ENV} "
    "environment variable (create a token under Account or Team settings > API > Tokens)"
)

URL_CONFIG = "northflank:apiUrl"
URL_ENV = "NORTHFLANK_API_URL"
TEAM_CONFIG = "northflank:teamId"
TEAM_ENV = "NORTHFLANK_TEAM_ID"
TIMEOUT_CONFIG = "northflank:requestTimeout"
TIMEOUT_ENV = "NORTHFLANK_REQUEST_TIMEOUT"
RETRY_WAIT_CONFIG = "northflank:maxRetryWait"
RETRY_WAIT_ENV = "NORTHFLANK_MAX_RETRY_WAIT"

DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds for a whole answer to arrive, per attempt
DEFAULT_MAX_RETRY_WAIT = 120.0  # seconds spent waiting between attempts of one call, in total
MAX_SECONDS = 3600.0

#: Every stack config key the provider reads (configure() keeps these and nothing else).
CONFIG_KEYS = (TOKEN_CONFIG, URL_CONFIG, TEAM_CONFIG, TIMEOUT_CONFIG, RETRY_WAIT_CONFIG)

#: What an HTTP header value can carry: visible ASCII. Anything else in a token was mis-pasted.
_TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")
_TEAM_ID = re.compile(r"[A-Za-z0-9-]{1,100}")


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
        # Checked here, not by http.client, whose error would quote the whole header.
        if not _TOKEN_CHARACTERS.fullmatch(self.token.reveal()):
            raise ConfigurationError(
                f"The API token in {self.token_source} contains a space, a control character or "
                "a non-ASCII character, so it cannot be sent (a mis-pasted token?). Paste it "
                f"again: {HOW_TO_SET_TOKEN}."
            )
        return self.token


def settings_from(
    stack_config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from the stack config first, then the environment, then the defaults; a
    ``ConfigurationError`` for a setting that can never work."""
    env = os.environ if environ is None else environ
    with _named(TOKEN_CONFIG):
        token, token_source = _text(stack_config, TOKEN_CONFIG, env, TOKEN_ENV)
    with _named(URL_CONFIG):
        url, url_source = _text(stack_config, URL_CONFIG, env, URL_ENV)
    with _named(TEAM_CONFIG):
        team, team_source = _text(stack_config, TEAM_CONFIG, env, TEAM_ENV)
        if team is not None and not _TEAM_ID.fullmatch(team):
            raise ConfigurationError(
                f"{team_source} must be a team ID (1 to 100 letters, digits and hyphens)."
            )
    with _named(URL_CONFIG):
        api_url = _checked_url(url, url_source) if url else DEFAULT_API_URL
    with _named(TIMEOUT_CONFIG):
        request_timeout = _seconds(
            stack_config, TIMEOUT_CONFIG, env, TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT, zero_ok=False
        )
    with _named(RETRY_WAIT_CONFIG):
        max_retry_wait = _seconds(
            stack_config,
            RETRY_WAIT_CONFIG,
            env,
            RETRY_WAIT_ENV,
            DEFAULT_MAX_RETRY_WAIT,
            zero_ok=True,
        )
    return Settings(
        api_url=api_url,
        token=Token(token) if token else None,
        token_source=token_source,
        team_id=team,
        request_timeout=request_timeout,
        max_retry_wait=max_retry_wait,
    )


@contextmanager
def _named(key: str) -> Iterator[None]:
    """A ``ConfigurationError`` raised inside names the setting ``key`` it is about."""
    try:
        yield
    except ConfigurationError as problem:
        problem.setting = key
        raise


def _seconds(
    stack_config: Mapping[str, Any],
    key: str,
    env: Mapping[str, str],
    var: str,
    default: float,
    *,
    zero_ok: bool,
) -> float:
    """A number of seconds; structured config may deliver it as a number rather than text."""
    value, source = _raw(stack_config, key, env, var)
    if value is None:
        return default
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    lowest = "from 0" if zero_ok else "more than 0"
    if seconds is None or not (0 <= seconds <= MAX_SECONDS) or (seconds == 0 and not zero_ok):
        raise ConfigurationError(
            f"{source} must be a number of seconds, {lowest} and at most {MAX_SECONDS:g}."
        )
    return seconds


def _text(
    stack_config: Mapping[str, Any], key: str, env: Mapping[str, str], var: str
) -> tuple[str | None, str]:
    value, source = _raw(stack_config, key, env, var)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{source} must be text, not {type(value).__name__}.")
    return value, source


def _raw(
    stack_config: Mapping[str, Any], key: str, env: Mapping[str, str], var: str
) -> tuple[Any, str]:
    """The first value set (blank text counts as unset; text is stripped) and where it came
    from."""
    value = stack_config.get(key)
    if value is not None and not (isinstance(value, str) and not value.strip()):
        return (value.strip() if isinstance(value, str) else value), f"stack config {key}"
    text = env.get(var)
    if text and text.strip():
        return text.strip(), f"environment variable {var}"
    return None, "default"


def _checked_url(url: str, source: str) -> str:
    """The API base URL, without a trailing slash; plain HTTP only for a loopback emulator.

    Messages name the host only: a URL may carry credentials, which must not be echoed.
    """
    if any(_blank_or_control(char) for char in url):
        # Checked first: urlsplit silently drops a tab or a newline, wherever it is.
        raise ConfigurationError(
            f"{source} contains a space, a tab, a line break or another control character; set "
            f"it to the API's base URL alone, such as {DEFAULT_API_URL}."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as {DEFAULT_API_URL}."
        )
    # "?" and "#" themselves: an empty query or fragment leaves nothing in parts to test.
    if parts.username or parts.password or "?" in url or "#" in url:
        raise ConfigurationError(
            f"{source} must be a plain base URL such as {DEFAULT_API_URL}, without credentials, "
            "a query or a fragment."
        )
    if parts.path.strip("/"):
        # Every request path starts with /v1/...: a base URL with a path (often a copied
        # ".../v1") makes every call a 404, which must never read as "the job was deleted".
        raise ConfigurationError(
            f"{source} must be the API's base URL without a path, such as {DEFAULT_API_URL} "
            "(the provider adds /v1/... itself)."
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{source} uses plain http:// for {parts.hostname}, which would send the API token "
            "unencrypted; use https://, or http:// only for a local emulator on a loopback "
            "address (127.0.0.1, ::1, localhost)."
        )
    return url.rstrip("/")


def _blank_or_control(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("C")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
