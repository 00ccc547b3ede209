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
    "NLU_DATA_DIR",
    "RASA_URLS",
    "TRACKER_URL",
    "LOCK_STORE_URL",
    "RASA_ENDPOINTS",
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


def test_rasa_and_actions_stay_on_loopback_when_the_bridge_is_public(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BIND_HOST", "0.0.0.0")
    settings = load_settings(tmp_path / "none.env")
    assert settings.host == "0.0.0.0"
    assert (settings.rasa_host, settings.action_host) == ("127.0.0.1", "127.0.0.1")
    assert settings.rasa_url.startswith("http://127.0.0.1:")


def test_service_secrets_are_generated_once_private_and_env_wins(tmp_path, monkeypatch):
    for name in ("RASA_TOKEN", "RASA_CHANNEL_SECRET", "ACTION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    first = load_settings(tmp_path / "none.env").secrets
    assert all(len(value) >= 32 for value in first.values())
    assert len(set(first.values())) == len(first.values())  # all different
    stored = tmp_path / "service-secrets.env"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert load_settings(tmp_path / "none.env").secrets == first  # same file
    monkeypatch.setenv("ACTION_SECRET", "from-the-environment")
    assert load_settings(tmp_path / "none.env").secrets.action_secret == (
        "from-the-environment"
    )


def test_a_damaged_secrets_file_is_a_clear_error(tmp_path, monkeypatch):
    for name in ("RASA_TOKEN", "RASA_CHANNEL_SECRET", "ACTION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    (tmp_path / "service-secrets.env").write_text(
        "RASA_TOKEN=\nRASA_CHANNEL_SECRET=x\nACTION_SECRET=y\nCONSOLE_SECRET_KEY=z\n"
    )
    with pytest.raises(SettingsError, match="lacks a value; delete it"):
        load_settings(tmp_path / "none.env")


def test_a_secret_added_later_is_appended_to_an_older_file(tmp_path, monkeypatch):
    for name in ("RASA_TOKEN", "RASA_CHANNEL_SECRET", "ACTION_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    old = "RASA_TOKEN=a" + "1" * 40 + "\nRASA_CHANNEL_SECRET=b" + "2" * 40
    (tmp_path / "service-secrets.env").write_text(
        old + "\nACTION_SECRET=c" + "3" * 40 + "\n"
    )
    secrets = load_settings(tmp_path / "none.env").secrets
    assert secrets.rasa_token == "a" + "1" * 40  # kept
    assert len(secrets.console_key) >= 32
    assert "CONSOLE_SECRET_KEY=" in (tmp_path / "service-secrets.env").read_text()


def test_nlu_data_dir_is_data_unless_set(tmp_path, monkeypatch):
    from bot.bridge.app import create_app
    from bot.settings import ROOT

    assert load_settings(tmp_path / "none.env").nlu_data_dir == ROOT / "data"
    monkeypatch.setenv("NLU_DATA_DIR", str(tmp_path / "copy"))
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = load_settings(tmp_path / "none.env")
    assert settings.nlu_data_dir == tmp_path / "copy"
    app = create_app(settings, queue=object())  # the inbox pages read this
    assert app.config["NLU_DATA_DIR"] == tmp_path / "copy"


def test_several_rasa_servers_and_shared_stores(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_URLS", "http://10.0.0.5:5005/, http://10.0.0.6:5005")
    monkeypatch.setenv("TRACKER_URL", "postgresql://rasa:pw@10.0.0.2/tracker")
    monkeypatch.setenv("LOCK_STORE_URL", "redis://10.0.0.3:6379/1")
    settings = load_settings(tmp_path / "missing.env")
    assert settings.rasa_servers == ("http://10.0.0.5:5005", "http://10.0.0.6:5005")
    assert settings.rasa_url == "http://10.0.0.5:5005"  # the API the console uses
    assert settings.tracker_store_url == "postgresql://rasa:pw@10.0.0.2/tracker"
    assert settings.endpoints_file.name == "endpoints.scale.yml"


def test_one_rasa_server_and_the_sqlite_tracker_by_default(tmp_path):
    settings = load_settings(tmp_path / "missing.env")
    assert settings.rasa_servers == ("http://127.0.0.1:5005",)
    assert settings.tracker_store_url.startswith("sqlite:///")
    assert settings.tracker_store_url.endswith("var/tracker.db")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("RASA_URLS", "10.0.0.5:5005", "http:// URLs"),
        ("RASA_URLS", "http://a:1,http://a:1", "names a server twice"),
        ("TRACKER_URL", "sqlite:///tracker.db", "PostgreSQL URL"),
        ("LOCK_STORE_URL", "redis://x:6379/1", "set both TRACKER_URL"),
        ("LOCK_STORE_URL", "x:6379", "redis:// URL"),
    ],
)
def test_bad_scale_out_settings_say_why(tmp_path, monkeypatch, name, value, reason):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=reason):
        load_settings(tmp_path / "missing.env")


def test_several_rasa_servers_need_the_shared_stores(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_URLS", "http://a:5005,http://b:5005")
    with pytest.raises(SettingsError, match="share their conversations"):
        load_settings(tmp_path / "missing.env")
