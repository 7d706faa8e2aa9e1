"""The HTTP client reads its settings and the environment once, and uses them as requests would."""

from __future__ import annotations

import pytest
import requests

from pulumi_northflank_provider.config import settings_from
from pulumi_northflank_provider.http.client import NorthflankClient


@pytest.mark.parametrize(
    "api_url", ["https://api.northflank.com", "https://internal.example", "http://127.0.0.1:8080"]
)
def test_proxies_and_the_ca_bundle_come_from_the_environment_as_requests_would_take_them(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/inspecting-proxy.pem")
    client = NorthflankClient(settings_from({"northflank:apiUrl": api_url}, {}))

    # What a session that reads the environment on every request would send this request with.
    expected = requests.Session().merge_environment_settings(
        f"{api_url}/v1/projects/p/jobs/j/deployment", {}, None, True, None
    )

    assert client._proxies == expected["proxies"]
    assert client._verify == expected["verify"] == "/etc/ssl/certs/inspecting-proxy.pem"
    assert client._session(idempotent=True).trust_env is False  # so it is not read again


def test_verification_stays_on_without_a_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
    client = NorthflankClient(settings_from({}, {}))
    assert client._verify is True


def test_the_client_answers_for_the_team_it_was_configured_with() -> None:
    assert NorthflankClient(settings_from({"northflank:teamId": "acme"}, {})).team_id == "acme"
    assert NorthflankClient(settings_from({}, {})).team_id is None
