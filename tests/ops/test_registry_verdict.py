"""The promotion rules: worse on held-out or a labelled example lost → refused."""

from __future__ import annotations

from bot.ops.evaluation import Comparison, LabelledScore, SetScore
from bot.ops.verdict import refusal


def comparison(candidate, live, labelled=(), has_live=True) -> Comparison:
    return Comparison(
        held_out=[SetScore("test_nlu.yml", 100, list(candidate), list(live))],
        labelled=list(labelled),
        has_live=has_live,
    )


def test_worse_on_the_held_out_sets_is_refused_with_both_totals():
    reason = refusal(comparison((90, 80), (91, 80)))
    assert "170/200" in reason and "171/200" in reason


def test_equal_or_better_is_allowed():
    assert refusal(comparison((91, 80), (91, 80))) is None
    assert refusal(comparison((95, 70), (91, 73))) is None  # total 165 > 164


def test_a_labelled_example_the_live_model_got_right_and_the_candidate_loses():
    lost = LabelledScore(
        7, "cho em xin stk", "ask_bank_account", "greet", "ask_bank_account"
    )
    kept = LabelledScore(8, "chào", "greet", "greet", "greet")
    reason = refusal(comparison((95, 95), (90, 90), [lost, kept]))
    assert "«cho em xin stk»" in reason and "bản mới đoán greet" in reason
    assert "«chào»" not in reason


def test_a_labelled_example_both_models_miss_does_not_refuse():
    both = LabelledScore(7, "hmm", "ask_bank_account", "greet", "goodbye")
    assert refusal(comparison((95, 95), (90, 90), [both])) is None


def test_the_first_candidate_may_be_promoted():
    first = comparison((10, 5), (0, 0), has_live=False)
    first.held_out[0].live = None
    assert refusal(first) is None
