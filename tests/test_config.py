"""Provider settings: where each one comes from, and which values are refused."""

from __future__ import annotations

import pickle
import re

import pytest

from northflank_devtools.engine_driver import Engine, ProviderError
from northflank_emulator import EmulatorServer
from pulumi_northflank_provider import config, log
from pulumi_northflank_provider.errors import ConfigurationError

from .conftest import ApiCalls, JobRef, start_plugin


def test_stack_config_wins_over_the_environment_which_wins_over_defaults() -> None:
    env = {"NORTHFLANK_API_TOKEN": "env-token", "NORTHFLANK_API_URL": "https://env.example.com"}
    stack = {
        "northflank:apiToken": "stack-token",
        "northflank:apiUrl": "https://stack.example.com/",
    }
    settings = config.settings_from(stack, env)
    assert settings.token is not None and settings.token.reveal() == "stack-token"
    assert settings.token_source == "stack config northflank:apiToken"
    assert settings.api_url == "https://stack.example.com"
    settings = config.settings_from({}, env)
    assert settings.token is not None and settings.token.reveal() == "env-token"
    assert settings.token_source == "environment variable NORTHFLANK_API_TOKEN"
    settings = config.settings_from({}, {})
    assert (settings.token, settings.api_url) == (None, "https://api.northflank.com")
    assert (settings.request_timeout, settings.max_retry_wait) == (30.0, 120.0)


def test_blank_values_count_as_unset() -> None:
    settings = config.settings_from({"northflank:apiToken": "  "}, {"NORTHFLANK_API_TOKEN": ""})
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
    assert config.settings_from({"northflank:apiUrl": url}, {}).api_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.northflank.com", "unencrypted"),
        ("http://10.0.0.5:8080", "unencrypted"),
        ("ftp://api.northflank.com", "absolute http(s) URL"),
        ("api.northflank.com", "absolute http(s) URL"),
        ("https://user:hunter2@api.northflank.com", "without credentials"),
        ("https://api.northflank.com/?token=hunter2", "without credentials"),
        ("https://api.northflank.com/#hunter2", "without credentials"),
        ("https://api.northflank.com/?", "without credentials, a query or a fragment"),
        ("https://api.northflank.com/#", "without credentials, a query or a fragment"),
        ("http://127.0.0.1:8080?", "without credentials, a query or a fragment"),
        ("https://api.northflank.com/v1", "without a path"),
        ("https://api.northflank.com/v1/", "without a path"),
        ("http://127.0.0.1:8080/api", "without a path"),
    ],
)
def test_refused_urls_never_echo_what_they_carry(url: str, words: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(words)) as refused:
        config.settings_from({"northflank:apiUrl": url}, {})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.north\tflank.com",
        "https://api.northflank .com",
        "https://api.northflank.com/\nv1",
        "https://hunter2@api.north\rflank.com",
        "http://127.0.0.1:8080\x00",
        "https://api.northflank.com\u200b",
        "https://api.north\u2028flank.com",
    ],
    ids=["tab-in-host", "space", "newline", "carriage-return", "nul", "zero-width", "separator"],
)
@pytest.mark.parametrize("where", ["stack config northflank:apiUrl", "NORTHFLANK_API_URL"])
def test_blanks_and_control_characters_inside_a_url_are_refused_naming_the_setting(
    url: str, where: str
) -> None:
    """urlsplit drops a tab or a newline silently; the URL must not be "repaired" that way."""
    stack, env = ({"northflank:apiUrl": url}, {}) if "stack" in where else ({}, {where: url})
    with pytest.raises(ConfigurationError) as refused:
        config.settings_from(stack, env)
    message = str(refused.value)
    assert where in message and "a space, a tab, a line break or another control" in message
    assert "hunter2" not in message


def test_blanks_around_a_url_are_trimmed() -> None:
    settings = config.settings_from({"northflank:apiUrl": " \thttps://api.northflank.com/\n"}, {})
    assert settings.api_url == "https://api.northflank.com"


@pytest.mark.parametrize(
    "url", ["{url}?", "{url}#", "{url}/?", "http://127.0.\t0.1:{port}", "http://127.0.0.1 :{port}"]
)
def test_an_unusable_url_fails_the_preview_through_the_plugin(
    emulator: EmulatorServer, job: JobRef, api_calls: ApiCalls, url: str
) -> None:
    plugin = start_plugin(url.format(url=emulator.url, port=emulator.port))
    try:
        with pytest.raises(ProviderError) as failure:
            Engine(plugin).preview("app", {**job.inputs, "external": {"imagePath": "nginx:1"}})
    finally:
        plugin.close()
    assert "stack config northflank:apiUrl" in failure.value.message
    assert api_calls.count() == 0


@pytest.mark.parametrize("value", ["-1", "3601", "soon", "nan", True, [5]])
def test_timeouts_must_be_sensible_numbers_of_seconds(value: object) -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"stack config northflank:requestTimeout must be a number of seconds, more than 0 "
        r"and at most 3600\.",
    ):
        config.settings_from({"northflank:requestTimeout": value}, {})
    with pytest.raises(
        ConfigurationError,
        match=r"northflank:maxRetryWait must be a number of seconds, from 0 and at most 3600\.",
    ):
        config.settings_from({"northflank:maxRetryWait": value}, {})


def test_no_waiting_between_retries_is_allowed_but_no_time_for_an_answer_is_not() -> None:
    assert config.settings_from({"northflank:maxRetryWait": "0"}, {}).max_retry_wait == 0
    with pytest.raises(ConfigurationError, match="more than 0"):
        config.settings_from({}, {"NORTHFLANK_REQUEST_TIMEOUT": "0"})


def test_settings_that_arrive_as_numbers_are_used() -> None:
    settings = config.settings_from(
        {"northflank:requestTimeout": 5, "northflank:maxRetryWait": 7.5}, {}
    )
    assert (settings.request_timeout, settings.max_retry_wait) == (5.0, 7.5)


@pytest.mark.parametrize("key", ["northflank:apiUrl", "northflank:teamId", "northflank:apiToken"])
def test_text_settings_that_arrive_as_other_types_are_refused(key: str) -> None:
    with pytest.raises(ConfigurationError, match=f"stack config {key} must be text, not int"):
        config.settings_from({key: 42}, {})


@pytest.mark.parametrize(
    "token", ["nf-qz7\x07wv9", "nf-qz7\u00f6wv9", "nf-qz7 wv9", "nf-qz7\nwv9", "nf-qz7\u200bwv9"]
)
def test_a_mis_pasted_token_is_named_by_its_setting_and_never_echoed(token: str) -> None:
    settings = config.settings_from(
        {"northflank:apiToken": token}, {}
    )  # a preview never looks at it
    with pytest.raises(ConfigurationError) as refused:
        settings.require_token()
    message = str(refused.value)
    assert "The API token in stack config northflank:apiToken contains" in message
    assert "qz7" not in message and "wv9" not in message


def test_a_token_cannot_be_printed_or_pickled() -> None:
    token = config.Token("nf-secret-value")
    assert "nf-secret-value" not in repr(token) and "nf-secret-value" not in str(token)
    assert "nf-secret-value" not in f"{token}" and "nf-secret-value" not in repr(
        config.settings_from({"northflank:apiToken": "nf-secret-value"}, {})
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
        config.settings_from({"northflank:teamId": "acme"}, {"NORTHFLANK_TEAM_ID": "env"}).team_id
        == "acme"
    )
    assert config.settings_from({}, {"NORTHFLANK_TEAM_ID": "env-team"}).team_id == "env-team"
    assert config.settings_from({}, {}).team_id is None
    with pytest.raises(ConfigurationError, match="team ID"):
        config.settings_from({"northflank:teamId": "a/b"}, {})
    with pytest.raises(ConfigurationError, match="1 to 100"):
        config.settings_from({"northflank:teamId": "t" * 101}, {})


@pytest.mark.parametrize(
    ("stack", "env", "setting"),
    [
        ({"northflank:apiUrl": "ftp://x"}, {}, "northflank:apiUrl"),
        ({}, {"NORTHFLANK_API_URL": "http://example.com"}, "northflank:apiUrl"),
        ({"northflank:teamId": "no spaces"}, {}, "northflank:teamId"),
        ({"northflank:requestTimeout": "0"}, {}, "northflank:requestTimeout"),
        ({}, {"NORTHFLANK_MAX_RETRY_WAIT": "-1"}, "northflank:maxRetryWait"),
        ({"northflank:apiToken": 12}, {}, "northflank:apiToken"),
    ],
)
def test_a_setting_that_can_never_work_is_named_by_its_key(
    stack: dict[str, object], env: dict[str, str], setting: str
) -> None:
    """Wherever it came from (the native plugin's CheckConfig names the property with it)."""
    with pytest.raises(ConfigurationError) as problem:
        config.settings_from(stack, env)
    assert problem.value.setting == setting
