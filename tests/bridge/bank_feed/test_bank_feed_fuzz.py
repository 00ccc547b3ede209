"""Fuzzing (hypothesis) the bank feed: whatever SePay's or Casso's webhook
carries, the parsers give rows or a FeedError with a reason, and the endpoint
answers 2xx or 4xx, never a 5xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.club.seed import seed_if_empty
from bot.reports.feed import FeedError, FeedRow, parse_casso, parse_sepay
from tests.bridge.platform_kit import running_bridge

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
texts = st.text(st.characters(codec=None), max_size=60)  # surrogates included
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | texts
    | st.integers(-(10**20), 10**20).map(str)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=12,
)
dates = st.sampled_from(["2026-03-25 14:02:37", "2026-03-25", "2026-02-30 00:00:00"])
sepay_like = st.fixed_dictionaries(
    {
        "id": st.integers(-5, 10**12) | texts | json_values,
        "gateway": st.sampled_from(["Vietcombank", "MBBank", "", "ACB"]) | scalars,
        "transactionDate": dates | scalars,
        "accountNumber": st.just("0123499999") | scalars,
        "content": st.just("NUOIEM NE0101 0912345678") | texts | scalars,
        "transferType": st.sampled_from(["in", "out"]) | scalars,
        "transferAmount": st.integers(-(10**16), 10**16) | scalars,
        "accumulated": st.integers() | scalars,
        "referenceCode": st.just("FT1") | texts | scalars,
    }
)
casso_item = st.fixed_dictionaries(
    {
        "id": st.integers(0, 10**9) | scalars,
        "tid": texts | scalars,
        "description": texts | scalars,
        "amount": st.integers(-(10**16), 10**16) | scalars,
        "cusum_balance": st.integers() | scalars,
        "when": dates | scalars,
        "bank_sub_acc_id": st.just("0123499999") | scalars,
    }
)
casso_like = st.fixed_dictionaries(
    {
        "error": st.just(0) | scalars,
        "data": st.lists(casso_item, max_size=3) | json_values,
    }
)


@FUZZ
@given(sepay_like | json_values)
def test_the_sepay_parser_gives_a_row_or_a_reason(body):
    try:
        row = parse_sepay(body)
    except FeedError as error:
        assert str(error)
    else:
        assert isinstance(row, FeedRow) and row.amount != 0 and row.feed_id


@FUZZ
@given(casso_like | json_values)
def test_the_casso_parser_gives_rows_or_a_reason(body):
    try:
        rows = parse_casso(body, "970436")
    except FeedError as error:
        assert str(error)
    else:
        assert all(row.amount != 0 and row.source == "casso" for row in rows)


@pytest.fixture
def feed(tmp_path, db_url, monkeypatch):
    seed_if_empty(db_url)
    env = {"SEPAY_API_KEY": "k", "CASSO_SECURE_TOKEN": "t"}
    with running_bridge(tmp_path, db_url, monkeypatch, **env) as bridge:
        yield bridge


@FUZZ
@given(
    st.sampled_from(["sepay", "casso"]),
    sepay_like | casso_like | json_values,
    st.sampled_from(["k", "t", "", "Apikey k"]),
)
def test_the_endpoint_never_answers_5xx(feed, service, body, key):
    raw = json.dumps(body, allow_nan=True).encode()
    header = {
        "sepay": {"Authorization": f"Apikey {key}"},
        "casso": {"Secure-Token": key},
    }
    for path in (f"/webhooks/bank/{service}", "/webhooks/bank"):
        response = feed.client.post(path, data=raw, headers=header[service])
        assert response.status_code < 500, response.get_data(as_text=True)
        assert response.is_json and (
            response.get_json().get("success") or response.get_json().get("error")
        )
