"""The documentation cannot drift from the code: the reference page, settings and examples."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import pulumi_northflank as northflank
from pulumi_northflank_provider import config

from .conftest import load_file

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def load_generator() -> ModuleType:
    return load_file(ROOT / "scripts" / "reference.py", "reference")


def test_the_reference_page_is_generated_from_the_current_code() -> None:
    reference = load_generator()
    assert (ROOT / "docs" / "reference.md").read_text() == reference.render(), "run `make docs`"


def test_an_argument_without_a_description_stops_the_generator() -> None:
    reference = load_generator()

    def undocumented(self: object, image_path: str, credentials: str) -> None:
        """:param image_path: documented."""

    with pytest.raises(reference.Undocumented, match="credentials"):
        reference.documented_params(undocumented)


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


@pytest.mark.parametrize(
    ("resource", "args_class"),
    [
        (northflank.JobDeployment, northflank.JobDeploymentArgs),
        (northflank.JobRun, northflank.JobRunArgs),
    ],
)
def test_the_keyword_and_args_forms_describe_each_argument_in_the_same_words(
    resource: type, args_class: type
) -> None:
    reference = load_generator()
    keywords = reference.documented_params(resource.__init__)  # type: ignore[misc]
    args = reference.documented_params(args_class.__init__)  # type: ignore[misc]
    assert args == {name: keywords[name] for name in args}
    assert set(args) == set(keywords) - {"resource_name", "args", "opts"}
