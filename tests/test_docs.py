"""The documentation cannot drift from the code: the reference page, settings and examples."""

from __future__ import annotations

from pathlib import Path

from pulumi_northflank_provider import config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_readme_names_every_setting_with_its_environment_variable() -> None:
    for key, var in [
        (config.TOKEN_CONFIG, config.TOKEN_ENV),
        (config.URL_CONFIG, config.URL_ENV),
        (config.TEAM_CONFIG, config.TEAM_ENV),
        (config.TIMEOUT_CONFIG, config.TIMEOUT_ENV),
        (config.RETRY_WAIT_CONFIG, config.RETRY_WAIT_ENV),
    ]:
        assert key in README and var in README, key
    assert len(config.CONFIG_KEYS) == 5


def test_the_readme_links_every_example_and_the_reference() -> None:
    for example in sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir()):
        assert f"(examples/{example})" in README, example
    assert "(docs/reference.md)" in README
