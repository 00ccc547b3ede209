"""The VietQR image endpoint: the club's account only, the memo and amount
checked, the PNG decoding back to the payload."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.bridge.app import build_queue, create_app
from bot.reports import vietqr
from bot.settings import load_settings


@pytest.fixture
def client(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CLUB_BANK_BIN", "970415")
    monkeypatch.setenv("CLUB_BANK_ACCOUNT", "0011001932418")
    settings = load_settings(tmp_path / "none.env")
    return create_app(settings, build_queue(settings)).test_client()


def decode(tmp_path, png: bytes) -> str:
    image = tmp_path / "qr.png"
    image.write_bytes(png)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: run `make tools` (installs zbar-tools)"
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True
    )
    return found.stdout.strip()


def test_the_image_is_a_transfer_to_the_clubs_account(client, tmp_path):
    answer = client.get(
        "/qr/vietqr.png?memo=NUOIEM+NE0101+0912345678&amount=160000"
        "&account=999999999&bin=970422"  # not parameters: ignored
    )
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert decode(tmp_path, answer.data) == vietqr.payload(
        "970415", "0011001932418", 160000, "NUOIEM NE0101 0912345678"
    )


def test_without_amount_or_memo_it_is_a_static_code(client, tmp_path):
    answer = client.get("/qr/vietqr.png")
    assert decode(tmp_path, answer.data) == vietqr.payload("970415", "0011001932418")


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("memo=nu%C3%B4i+em", "memo"),
        ("memo=" + "X" * 26, "memo"),
        ("memo=A%0AB", "memo"),
        ("amount=-5", "amount"),
        ("amount=1e9", "amount"),
        ("amount=99999999999", "amount"),
    ],
)
def test_bad_values_get_a_400_with_the_reason(client, query, reason):
    answer = client.get(f"/qr/vietqr.png?{query}")
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).startswith(reason)
