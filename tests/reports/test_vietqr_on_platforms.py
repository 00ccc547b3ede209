"""Issue #13 item 4 on Messenger and Zalo: when the bot gives the account, the
VietQR goes out as an image message of each platform (after the text, which
stays as the fallback), and the image the platform would fetch from the
bridge decodes (zbar) to the club's account with the memo filled in.

The bridge, its queue and send clients, the platform simulator and the
club's actions are real; a scripted Rasa runs the actions in place of Rasa
(whose NLU and policies are not what this tests)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from actions.donations import ActionDonationInfo
from bot.club.database import session_scope
from bot.club.models import Sponsor
from bot.club.seed import seed_if_empty
from bot.reports import vietqr
from bot.simulator import (
    messenger_batch,
    messenger_event,
    post_messenger,
    post_zalo,
    zalo_event,
)
from tests.actions.actions_kit import rasa_output, run, tracker
from tests.bridge.platform_kit import running_bridge, wait_settled, wait_until

ZALO_SPONSOR = "zalo-trang"  # linked to Nguyễn Thu Trang, sponsor of NE0101
ASKED = {
    "cho mình xin stk": [],
    "ủng hộ 500k xây trường thì ck vào đâu": [{"entity": "amount", "value": 500000}],
}


def club_turn(payload: dict) -> list[dict]:
    """Every message is a donation question here; the action is the club's."""
    text = payload["message"]
    turn = tracker(
        text, intent="donate", sender=payload["sender"], entities=ASKED.get(text, [])
    )
    messages, _ = run(ActionDonationInfo(), turn)
    return [rasa_output(m, payload["sender"]) for m in messages]


@pytest.fixture
def bridge(tmp_path, db_url, monkeypatch):
    assert seed_if_empty(db_url) > 0
    with session_scope(db_url) as session, session.begin():
        trang = session.scalars(
            select(Sponsor).where(Sponsor.phone == "0912345678")
        ).one()
        trang.zalo_id, trang.zalo_verified_at = ZALO_SPONSOR, datetime.utcnow()
    with running_bridge(tmp_path, db_url, monkeypatch, club_turn) as running:
        yield running


def decoded(bridge, url: str, tmp_path) -> str:
    """The image at `url` (the bridge's own), read back by zbar."""
    parts = urlsplit(url)
    image = bridge.client.get(f"{parts.path}?{parts.query}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    path = tmp_path / "qr.png"
    path.write_bytes(image.data)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: run `make tools` (installs zbar-tools)"
    return subprocess.run(
        [zbarimg, "--quiet", "--raw", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_messenger_gets_the_funds_vietqr_as_an_image_after_the_text(
    bridge, db_url, tmp_path
):
    asked = "ủng hộ 500k xây trường thì ck vào đâu"
    body = messenger_batch(messenger_event("psid-donor", text=asked))
    secret = bridge.secrets.messenger_app_secret
    response = post_messenger("http://bridge.test", secret, body, bridge.sim.http)
    assert response.status_code == 200
    wait_settled(db_url, "messenger:psid-donor")
    calls = wait_until(
        lambda: [
            c
            for c in bridge.state.sent_to("messenger", "psid-donor")
            if "attachment" in c.body.get("message", {})
        ],
        what="the QR image",
    )
    [image_call] = [
        c for c in calls if c.body["message"]["attachment"]["type"] == "image"
    ]
    sent = bridge.state.sent_to("messenger", "psid-donor")
    texts = [c.text or "" for c in sent]
    assert any("Nội dung chuyển khoản: XAYTRUONG" in t for t in texts)
    assert sent.index(image_call) > next(
        i for i, t in enumerate(texts) if "quét mã VietQR" in t
    )  # the image comes after the text that explains it
    url = image_call.body["message"]["attachment"]["payload"]["url"]
    settings = bridge.settings
    assert decoded(bridge, url, tmp_path) == vietqr.payload(
        settings.bank_bin, settings.bank_account, 500_000, "XAYTRUONG"
    )


def test_zalo_gets_the_sponsors_monthly_vietqr_as_a_media_message(
    bridge, db_url, tmp_path
):
    assert (
        post_zalo(
            "http://bridge.test",
            bridge.secrets,
            zalo_event(ZALO_SPONSOR, text="cho mình xin stk"),
            bridge.sim.http,
        ).status_code
        == 200
    )
    wait_settled(db_url, f"zalo:{ZALO_SPONSOR}")
    calls = wait_until(
        lambda: [
            c
            for c in bridge.state.sent_to("zalo", ZALO_SPONSOR)
            if c.body["message"]
            .get("attachment", {})
            .get("payload", {})
            .get("template_type")
            == "media"
        ],
        what="the QR media message",
    )
    [media] = calls
    [element] = media.body["message"]["attachment"]["payload"]["elements"]
    assert element["media_type"] == "image"
    texts = [c.text or "" for c in bridge.state.sent_to("zalo", ZALO_SPONSOR)]
    assert any("NUOIEM NE0101 0912345678" in t for t in texts)  # the text too
    settings = bridge.settings
    assert decoded(bridge, element["url"], tmp_path) == vietqr.payload(
        settings.bank_bin, settings.bank_account, 160_000, "NUOIEM NE0101 0912345678"
    )
