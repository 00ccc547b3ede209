"""Send clients read proxies and CA bundle once, not on every request."""

from __future__ import annotations

from connectors.http_session import session_for


def test_proxy_from_the_environment_is_kept(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.club.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = session_for("https://graph.facebook.com")
    assert session.proxies["https"] == "http://proxy.club.test:3128"
    assert session.trust_env is False


def test_no_proxy_hosts_go_direct(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.club.test:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert session_for("http://127.0.0.1:5005").proxies == {}


def test_ca_bundle_from_the_environment(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert session_for("https://openapi.zalo.me").verify == str(bundle)


def test_environment_is_not_read_again_per_request(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    session = session_for("https://graph.facebook.com")
    monkeypatch.setenv("HTTPS_PROXY", "http://late.proxy.test:1")
    settings = session.merge_environment_settings(
        "https://graph.facebook.com/v19.0/me/messages", {}, None, None, None
    )
    assert "https" not in settings["proxies"]
