"""VietQR payloads, checked against payloads published by other projects
(never ones this code produced), and the image decoded back with zbar."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.reports import vietqr

# Payloads printed by other projects, never made by this code: a payment
# page's documented example (TT000069); the README of github.com/subiz/vietqr
# ("Sử dụng": 120.000 đ, "ủng hộ lũ lụt"); a payOS payment link kept in a
# public project's SQL dump (TL89 100); subiz/vietqr's vietqr_test.go (a static
# code without amount or memo, and two with a note).
PUBLISHED = [
    (
        ("970436", "1023456789", 1943000, "TT000069"),
        "00020101021238540010A00000072701240006970436011010234567890208QRIBFTTA"
        "5303704540719430005802VN62120808TT0000696304A8E5",
    ),
    (
        ("970415", "0011001932418", 120000, "ung ho lu lut"),
        "00020101021238570010A0000007270127000697041501130011001932418"
        "0208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C",
    ),
    (
        ("970422", "VQRQADAIJ5512", 7000, "TL89 100"),
        "00020101021238570010A000000727012700069704220113VQRQADAIJ5512"
        "0208QRIBFTTA5303704540470005802VN62120808TL89 1006304E346",
    ),
    (
        ("970423", "0099999999", None, ""),
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA"
        "53037045802VN6304CBB4",
    ),
    (
        ("970422", "0023457923442", 40123, "test text string"),
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62200816test text string6304D9C6",
    ),
    (
        ("970422", "0023457923442", 40123, "chuyen khoan"),
        "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
        "53037045405401235802VN62160812chuyen khoan6304722F",
    ),
]


@pytest.mark.parametrize(("values", "expected"), PUBLISHED)
def test_payload_matches_published_vectors(values, expected):
    bank_bin, account, amount, memo = values
    assert vietqr.payload(bank_bin, account, amount, memo) == expected


def test_crc_matches_the_standard_check_value_and_a_published_one():
    assert vietqr.crc16(b"123456789") == "29B1"  # CRC-16/CCITT-FALSE check value
    published = (
        "00020101021238600010A00000072701300006970403011697040311012345670208"
        "QRIBFTTC530370454061800005802VN62340107NPS68690819thanh toan don hang6304"
    )
    assert vietqr.crc16(published.encode()) == "A203"


def test_without_an_amount_the_code_is_static():
    data = vietqr.payload("970436", "0123456789", memo="NUOIEM NE0101")
    assert data.startswith("000201010211") and "5406" not in data
    assert "62170813NUOIEM NE0101" in data
    assert vietqr.crc16(data[:-4].encode()) == data[-4:]


def test_memo_is_folded_to_what_banks_keep():
    assert vietqr.memo_text("Nuôi em", "ne0101") == "NUOI EM NE0101"
    assert vietqr.memo_text("xây trường", "0912345678") == "XAY TRUONG 0912345678"
    assert vietqr.memo_text("NUOIEM NE0101 0912345678") == "NUOIEM NE0101 0912345678"
    with pytest.raises(vietqr.VietQRError, match="25"):
        vietqr.memo_text("CHIENDICH MUA DONG AM 2026", "0912345678")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("97043", "0123"), "6 digits"),
        (("970436", "01-23"), "account"),
        (("970436", "0123", 0), "positive"),
        (("970436", "0123", None, "Nuôi em"), "ASCII"),
        (("970436", "0123", None, "X" * 26), "25"),
    ],
)
def test_bad_values_are_refused_with_the_reason(args, reason):
    with pytest.raises(vietqr.VietQRError, match=reason):
        vietqr.payload(*args)


@pytest.mark.parametrize(
    "data",
    [vietqr.payload("970436", "0123456789", 160000, "NUOIEM NE0101")]
    + [expected for _, expected in PUBLISHED],
)
def test_the_image_decodes_back_to_the_payload(tmp_path, data):
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: run `make tools` (installs zbar-tools)"
    image = tmp_path / "qr.png"
    image.write_bytes(vietqr.png(data))
    decoded = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == data
