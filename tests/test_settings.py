"""Settings: declared once, typed, documented in the README exactly as declared."""

from __future__ import annotations

from pathlib import Path

import pytest

import settings


def test_readme_settings_table_is_the_declarations() -> None:
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in readme
    documented = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}
    assert documented >= {s.name for s in settings.ALL}


def test_values_are_parsed_to_their_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("STALE_HOURS", "1.5")
    monkeypatch.setenv("OPTIONAL_HOLIDAYS", "12-24, 06-05")
    monkeypatch.setenv("RULES_FILE", "/tmp/rules.yaml")
    assert settings.PORT.get() == 9001
    assert settings.STALE_HOURS.get() == 1.5
    assert settings.OPTIONAL_HOLIDAYS.get() == ((12, 24), (6, 5))
    assert settings.RULES_FILE.get() == Path("/tmp/rules.yaml")


def test_defaults_apply_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("OPTIONAL_HOLIDAYS", raising=False)
    assert settings.PORT.get() == 8050
    assert settings.OPTIONAL_HOLIDAYS.get() == ((12, 24), (12, 31), (6, 5))
    monkeypatch.setenv("OPTIONAL_HOLIDAYS", "")
    assert settings.OPTIONAL_HOLIDAYS.get() == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "0"),
        ("STALE_HOURS", "-1"),
        ("OPTIONAL_HOLIDAYS", "13-01"),
        ("DEMO_SCALE", "huge"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingError, match=name):
        getattr(settings, name).get()


def test_tests_never_read_a_developers_dotenv() -> None:
    # tests/conftest.py sets the switch before anything reads a setting
    import os

    assert os.environ.get(settings.IGNORE_DOTENV) == "1"


def test_dotenv_is_read_once_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=DEBUG\nHOST=0.0.0.0\n", encoding="utf-8")
    monkeypatch.setattr(settings, "DOTENV", env)
    monkeypatch.setattr(settings, "_dotenv_read", False)
    monkeypatch.delenv(settings.IGNORE_DOTENV)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    monkeypatch.setenv("HOST", "127.0.0.2")
    try:
        assert settings.LOG_LEVEL.get() == "DEBUG"
        assert settings.HOST.get() == "127.0.0.2"
        env.write_text("LOG_LEVEL=ERROR\n", encoding="utf-8")
        monkeypatch.delenv("LOG_LEVEL")  # load_dotenv put it there; a second read would restore
        assert settings.LOG_LEVEL.get() == "INFO"  # not read again
    finally:
        import os

        os.environ.pop("LOG_LEVEL", None)
