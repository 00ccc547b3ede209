"""May a candidate model replace the live one? The rules of issue #12:

- refused when it is right on fewer held-out examples than the live model
  (all held-out files together, as typed plus without diacritics, so a gain on
  one file may pay for a loss on another);
- refused when it gets wrong any staff-labelled inbox example the live model
  got right (each such example is named in the reason);
- otherwise allowed; with no live model yet, the first candidate is allowed.

The reason is shown to staff as is, so it is in Vietnamese.
"""

from __future__ import annotations

from bot.ops.evaluation import Comparison, LabelledScore

NAMED = 5  # regressed examples quoted in the reason; the page lists them all


def held_out_totals(comparison: Comparison) -> tuple[int, int | None, int]:
    """(candidate correct, live correct or None, examples) over every file and
    both spellings."""
    n = sum(2 * s.n for s in comparison.held_out)
    candidate = sum(sum(s.candidate) for s in comparison.held_out)
    if not comparison.has_live:
        return candidate, None, n
    return candidate, sum(sum(s.live or (0, 0)) for s in comparison.held_out), n


def regressions(comparison: Comparison) -> list[LabelledScore]:
    """Labelled examples the live model got right and the candidate gets wrong."""
    return [
        x for x in comparison.labelled if x.live == x.intent and x.candidate != x.intent
    ]


def refusal(comparison: Comparison) -> str | None:
    """Why the candidate may not be promoted, or None when it may."""
    if not comparison.has_live:
        return None
    reasons = []
    candidate, live, n = held_out_totals(comparison)
    if candidate < live:
        reasons.append(
            f"Bản mới đúng {candidate}/{n} câu của các bộ kiểm tra giữ riêng, "
            f"ít hơn bản đang dùng ({live}/{n})."
        )
    lost = regressions(comparison)
    if lost:
        named = "; ".join(
            f"«{x.text}» (nhãn {x.intent}, bản mới đoán {x.candidate})"
            for x in lost[:NAMED]
        )
        more = f" và {len(lost) - NAMED} câu khác" if len(lost) > NAMED else ""
        reasons.append(
            f"Bản mới đoán sai {len(lost)} câu nhân viên đã gán nhãn mà bản "
            f"đang dùng đoán đúng: {named}{more}."
        )
    return " ".join(reasons) or None
