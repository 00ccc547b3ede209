import pytest

from bot.settings import SettingsError, load_settings

VARIABLES = [
    "RASA_PORT",
    "ACTION_PORT",
    "BRIDGE_PORT",
    "DATABASE_URL",
    "LOG_LEVEL",
    "VAR_DIR",
    "BIND_HOST",
    "RASA_URL",
    "ACTION_SERVER_URL",
    "RASA_TIMEOUT",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_embedded_defaults_without_env_file(tmp_path):
    settings = load_settings(tmp_path / "missing.env")
    assert not settings.env_file_found
    assert (settings.bridge_port, settings.rasa_port, settings.action_port) == (
        8000,
        5005,
        5055,
    )
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/club.db")
    assert settings.rasa_url == "http://127.0.0.1:5005"


def test_env_file_is_read(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("RASA_PORT=6005\nVAR_DIR=/srv/bot\n")
    settings = load_settings(env)
    assert settings.env_file_found
    assert settings.rasa_port == 6005
    assert settings.database_url == "sqlite:////srv/bot/club.db"
    for name in ("RASA_PORT", "VAR_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RASA_PORT", "abc", "RASA_PORT must be a port number"),
        ("BRIDGE_PORT", "70000", "BRIDGE_PORT must be a port number"),
        ("DATABASE_URL", "club.db", "DATABASE_URL must be an SQLAlchemy URL"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be"),
        ("RASA_TIMEOUT", "soon", "RASA_TIMEOUT must be a number"),
        ("TYPING_DELAY", "-1", "TYPING_DELAY must be 0 or more seconds"),
        ("SEND_TIMEOUT", "0", "SEND_TIMEOUT must be a number above 0"),
        ("SEND_TIMEOUT", "soon", "SEND_TIMEOUT must be a number above 0"),
        ("TYPING_DELAY", "nan", "TYPING_DELAY must be 0 or more seconds"),
    ],
)
def test_malformed_settings_name_the_variable(
    tmp_path, monkeypatch, name, value, message
):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path / "missing.env")
