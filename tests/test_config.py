"""Provider settings: where each one comes from, and which values are refused."""

from __future__ import annotations

import pickle
import re

import pytest

from pulumi_northflank_provider import config, log
from pulumi_northflank_provider.errors import ConfigurationError


def test_stack_config_wins_over_the_environment_which_wins_over_defaults() -> None:
    env = {"NORTHFLANK_API_TOKEN": "env-token", "NORTHFLANK_API_URL": "https://env.example.com"}
    stack = {
        "northflank:apiToken": "stack-token",
        "northflank:apiUrl": "https://stack.example.com/",
    }
    settings = config.resolve(stack, env)
    assert settings.token is not None and settings.token.reveal() == "stack-token"
    assert settings.token_source == "stack config northflank:apiToken"
    assert settings.api_url == "https://stack.example.com"
    settings = config.resolve({}, env)
    assert settings.token is not None and settings.token.reveal() == "env-token"
    assert settings.token_source == "environment variable NORTHFLANK_API_TOKEN"
    settings = config.resolve({}, {})
    assert (settings.token, settings.api_url) == (None, "https://api.northflank.com")
    assert (settings.request_timeout, settings.max_retry_wait) == (30.0, 120.0)


def test_blank_values_count_as_unset() -> None:
    settings = config.resolve({"northflank:apiToken": "  "}, {"NORTHFLANK_API_TOKEN": ""})
    assert settings.token is None
    with pytest.raises(ConfigurationError, match="pulumi config set --secret northflank:apiToken"):
        settings.require_token()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:8080/",
        "http://[::1]:8080",
        "http://127.0.0.2",
        "https://api.northflank.com",
    ],
)
def test_accepted_urls(url: str) -> None:
    assert config.resolve({"northflank:apiUrl": url}, {}).api_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.northflank.com", "unencrypted"),
        ("http://10.0.0.5:8080", "unencrypted"),
        ("ftp://api.northflank.com", "absolute http(s) URL"),
        ("api.northflank.com", "absolute http(s) URL"),
        ("https://user:hunter2@api.northflank.com", "without credentials"),
        ("https://api.northflank.com/?token=hunter2", "without credentials"),
    ],
)
def test_refused_urls_never_echo_what_they_carry(url: str, words: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(words)) as refused:
        config.resolve({"northflank:apiUrl": url}, {})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("value", ["0", "-1", "3601", "soon"])
def test_timeouts_must_be_sensible_numbers_of_seconds(value: str) -> None:
    with pytest.raises(ConfigurationError, match="between 0 and 3600"):
        config.resolve({"northflank:requestTimeout": value}, {})
    with pytest.raises(ConfigurationError, match="NORTHFLANK_MAX_RETRY_WAIT"):
        config.resolve({}, {"NORTHFLANK_MAX_RETRY_WAIT": value})


def test_a_token_cannot_be_printed_or_pickled() -> None:
    token = config.Token("nf-secret-value")
    assert "nf-secret-value" not in repr(token) and "nf-secret-value" not in str(token)
    assert "nf-secret-value" not in f"{token}" and "nf-secret-value" not in repr(
        config.resolve({"northflank:apiToken": "nf-secret-value"}, {})
    )
    with pytest.raises(TypeError, match="never be pickled"):
        pickle.dumps(token)


@pytest.mark.parametrize(
    ("argv", "environ", "enabled"),
    [
        (["-m", "pulumi.dynamic", "-v=9"], {}, True),
        (["--v=11", "--logtostderr"], {}, True),
        (["-v=3"], {}, False),
        ([], {"NORTHFLANK_LOG": "DEBUG"}, True),
        ([], {}, False),
    ],
)
def test_debug_lines_follow_pulumis_verbosity_or_an_explicit_switch(
    argv: list[str], environ: dict[str, str], enabled: bool
) -> None:
    assert log.debug_enabled(argv, environ) is enabled


def test_the_team_comes_from_config_or_environment_and_must_be_an_id() -> None:
    assert (
        config.resolve({"northflank:teamId": "acme"}, {"NORTHFLANK_TEAM_ID": "env"}).team_id
        == "acme"
    )
    assert config.resolve({}, {"NORTHFLANK_TEAM_ID": "env-team"}).team_id == "env-team"
    assert config.resolve({}, {}).team_id is None
    with pytest.raises(ConfigurationError, match="team ID"):
        config.resolve({"northflank:teamId": "a/b"}, {})
