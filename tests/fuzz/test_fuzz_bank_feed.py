"""Fuzzing (hypothesis) of the bank feed webhook, POST /webhooks/bank.

SePay's and Casso's bodies are built as the services send them, with the
right key in the right header, so the fuzz reaches the parser and the ledger
rather than the key check; the fields carry hostile values. The answer is a
2xx whose JSON counts every transaction, or a 4xx whose JSON says why, never
a 5xx. (The parsers alone are fuzzed in tests/bridge/bank_feed/.)
"""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.reports.ledger import BankTransaction
from tests.fuzz.strategies import dumps, fuzz, json_values, maybe, messages, raw_text

SEPAY = {"Authorization": "Apikey fuzz-sepay-key"}
CASSO = {"Secure-Token": "fuzz-casso"}

# Each field: usually what the service sends, sometimes a hostile value.
feed_ids = st.one_of(
    st.integers(1, 10**12),
    st.integers(1, 10**12),
    st.text("abcXYZ0123456789._-", min_size=1, max_size=40),
    raw_text,
)
amounts = st.one_of(
    st.integers(1, 10**9),
    st.integers(1, 10**9),
    st.integers(1, 10**9).map(str),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1.000.000", "1e6", "", " 500000 ", "-0", "٣٠٠٠٠"]),
)
dates = st.one_of(
    st.sampled_from(["2026-03-25 14:02:37", "2026-03-25", "2026-12-01 00:00"]),
    st.sampled_from(["2026-03-25 14:02:37", "2026-03-25", "2026-12-01 00:00"]),
    st.sampled_from(["2026-02-30 00:00:00", "0000-01-01", "9999-12-31 23:59:59"]),
    raw_text,
)
memos = st.one_of(
    messages,
    st.builds(
        "NUOIEM NE{:04d} {}".format,
        st.integers(0, 9999),
        st.sampled_from(["", "0912345678"]),
    ),
)
sepay_body = st.fixed_dictionaries(
    {
        "id": maybe(feed_ids),
        "gateway": maybe(st.sampled_from(["Vietcombank", "MBBank", "ACB", "", "Ⅿ𝔹"])),
        "transactionDate": maybe(dates),
        "accountNumber": maybe(st.sampled_from(["0123499999", "", "٠١٢٣"]) | raw_text),
        "subAccount": maybe(st.none() | raw_text),
        "code": maybe(st.none() | raw_text),
        "content": maybe(memos),
        "transferType": maybe(st.sampled_from(["in", "out"])),
        "transferAmount": maybe(amounts),
        "accumulated": maybe(amounts | st.none()),
        "referenceCode": maybe(raw_text | st.text("FT0123456789", max_size=30)),
        "description": maybe(memos),
    }
)
casso_item = st.fixed_dictionaries(
    {
        "id": maybe(feed_ids),
        "tid": maybe(raw_text),
        "description": maybe(memos),
        "amount": maybe(
            amounts | amounts.map(lambda a: a if isinstance(a, str) else -a)
        ),
        "cusum_balance": maybe(amounts | st.none()),
        "when": maybe(dates),
        "bank_sub_acc_id": maybe(st.just("0123499999") | raw_text),
        "corresponsiveAccount": maybe(raw_text),
        "corresponsiveName": maybe(messages),
    }
)
casso_body = st.fixed_dictionaries(
    {
        "error": maybe(st.just(0)),
        "data": maybe(st.lists(casso_item, max_size=4) | casso_item),
    }
)


def ledger_rows(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(BankTransaction))


def check(response, before: int, after: int, transactions: int) -> None:
    body = response.get_json(silent=True)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert isinstance(body, dict), response.get_data(as_text=True)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert body["success"] is True
        assert body["accepted"] + body["duplicates"] == transactions
        assert after - before == body["accepted"]
    else:
        assert 400 <= response.status_code < 500 and body["error"]
        assert after == before  # a refused post writes nothing


@fuzz(0.5)
@given(
    body=sepay_body, path=st.sampled_from(["/webhooks/bank", "/webhooks/bank/sepay"])
)
def test_a_sepay_post_is_booked_or_refused_with_a_reason(fuzz_bridge, body, path):
    url = fuzz_bridge.settings.database_url
    before = ledger_rows(url)
    response = fuzz_bridge.client.post(path, data=dumps(body), headers=SEPAY)
    check(response, before, ledger_rows(url), 1)


@fuzz(0.5)
@given(
    body=casso_body, path=st.sampled_from(["/webhooks/bank", "/webhooks/bank/casso"])
)
def test_a_casso_post_is_booked_or_refused_with_a_reason(fuzz_bridge, body, path):
    url = fuzz_bridge.settings.database_url
    before = ledger_rows(url)
    response = fuzz_bridge.client.post(path, data=dumps(body), headers=CASSO)
    data = body.get("data")
    count = 1 if isinstance(data, dict) else len(data) if isinstance(data, list) else 0
    check(response, before, ledger_rows(url), count)


@fuzz(0.3)
@given(
    body=json_values | st.binary(max_size=200),
    headers=st.sampled_from([SEPAY, CASSO, {**SEPAY, **CASSO}]),
)
def test_any_keyed_body_gets_a_2xx_or_a_4xx_with_a_reason(fuzz_bridge, body, headers):
    raw = body if isinstance(body, bytes) else dumps(body)
    response = fuzz_bridge.client.post("/webhooks/bank", data=raw, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    answer = response.get_json(silent=True)
    assert answer and (answer.get("success") or answer.get("error"))
