"""A tiny Rasa project for the promotion test: four intents, a rule each, so
`rasa train` takes seconds. `write_project(folder, variant)` writes one of:

- "live": what the live model is trained on;
- "worse": the volunteer examples mislabelled as donate (it must be refused);
- "better": the live data plus more examples (it must be allowed).
"""

from __future__ import annotations

from pathlib import Path

INTENTS = {
    "greet": ["xin chào", "chào ad", "chào bạn", "hello ad", "chào buổi sáng"],
    "donate": [
        "mình muốn ủng hộ tiền",
        "cho mình số tài khoản để chuyển khoản",
        "quyên góp cho các em thế nào",
        "mình gửi tiền ủng hộ ở đâu",
        "ủng hộ quần áo được không",
    ],
    "volunteer": [
        "mình muốn đăng ký tình nguyện viên",
        "làm sao để tham gia câu lạc bộ",
        "cho em đi tình nguyện với",
        "đăng ký tham gia chuyến đi",
        "em muốn làm tình nguyện viên",
    ],
    "goodbye": ["tạm biệt", "bye ad", "hẹn gặp lại", "chào nhé mình đi đây"],
}
MORE = {
    "greet": ["chào các bạn", "alo ad ơi"],
    "donate": ["chuyển khoản ủng hộ thế nào", "ủng hộ sách vở cho các em"],
    "volunteer": ["tuyển tình nguyện viên không", "cho mình tham gia đội với"],
    "goodbye": ["thôi chào nhé", "bye bye"],
}
# What staff labelled in the inbox and saved (reviewed.yml): only the better
# candidate's data has it, so only its promotion marks the item trained.
REVIEWED = {"volunteer": ["cho em đăng ký tình nguyện viên nhé"]}
HELD_OUT = {
    "greet": ["chào ad ạ", "xin chào bạn"],
    "donate": ["mình muốn chuyển khoản ủng hộ", "ủng hộ tiền cho các em"],
    "volunteer": ["em muốn đăng ký làm tình nguyện", "tham gia tình nguyện thế nào"],
    "goodbye": ["tạm biệt ad", "bye nhé"],
}
CONFIG = """\
recipe: default.v1
language: vi
assistant_id: promotion-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 42
policies:
  - name: RulePolicy
"""


def _nlu(intents: dict[str, list[str]]) -> str:
    blocks = [
        f"- intent: {name}\n  examples: |\n"
        + "".join(f"    - {text}\n" for text in texts)
        for name, texts in intents.items()
    ]
    return 'version: "3.1"\nnlu:\n' + "".join(blocks)


def _examples(variant: str) -> dict[str, list[str]]:
    if variant == "worse":
        data = {k: list(v) for k, v in INTENTS.items()}
        data["donate"] += data.pop("volunteer")
        return data
    if variant == "better":
        return {k: INTENTS[k] + MORE[k] for k in INTENTS}
    return INTENTS


def write_project(folder: Path, variant: str) -> Path:
    (folder / "data" / "nlu").mkdir(parents=True, exist_ok=True)
    (folder / "tests" / "nlu").mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text(CONFIG, "utf-8")
    responses = "".join(f'  utter_{name}:\n  - text: "{name} ok"\n' for name in INTENTS)
    (folder / "domain.yml").write_text(
        'version: "3.1"\nintents:\n'
        + "".join(f"  - {name}\n" for name in INTENTS)
        + "responses:\n"
        + responses
        + "session_config:\n  session_expiration_time: 60\n",
        "utf-8",
    )
    rules = "".join(
        f"- rule: {name}\n  steps:\n  - intent: {name}\n  - action: utter_{name}\n"
        for name in INTENTS
    )
    (folder / "data" / "rules.yml").write_text(
        f'version: "3.1"\nrules:\n{rules}', "utf-8"
    )
    (folder / "data" / "stories.yml").write_text(
        'version: "3.1"\nstories: []\n', "utf-8"
    )
    (folder / "data" / "nlu" / "nlu.yml").write_text(_nlu(_examples(variant)), "utf-8")
    (folder / "data" / "nlu" / "patterns.yml").write_text(
        'version: "3.1"\nnlu: []\n', "utf-8"
    )
    if variant == "better":
        reviewed = folder / "data" / "nlu" / "reviewed.yml"
        reviewed.write_text(_nlu(REVIEWED), "utf-8")
    (folder / "tests" / "nlu" / "test_tiny.yml").write_text(_nlu(HELD_OUT), "utf-8")
    (folder / "endpoints.yml").write_text("# in-memory tracker store\n", "utf-8")
    (folder / "credentials.yml").write_text("rest:\n", "utf-8")
    return folder
