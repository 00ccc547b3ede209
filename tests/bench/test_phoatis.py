from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bench.phoatis import (
    DatasetError,
    Utterance,
    annotate,
    read_dataset,
    read_split,
    to_rasa_yaml,
    token_spans,
)

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "phoatis"


def _write(directory: Path, seq_in: str, seq_out: str, label: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "seq.in").write_text(seq_in, encoding="utf-8")
    (directory / "seq.out").write_text(seq_out, encoding="utf-8")
    (directory / "label").write_text(label, encoding="utf-8")
    return directory


def test_fixture_reads_as_phoatis():
    splits = read_dataset(FIXTURE)
    assert set(splits) == {"train", "dev", "test"}
    first = splits["train"][0]
    assert first.intent == "flight"
    assert first.tokens[:4] == ("tôi", "muốn", "bay", "từ")
    assert (4, 6, "fromloc.city_name") in first.spans()
    assert any("#" in u.intent for u in splits["train"])  # multi-intent kept whole


def test_annotation_round_trips_through_rasas_reader(tmp_path):
    utterances = read_split(FIXTURE / "train")
    path = tmp_path / "nlu.yml"
    path.write_text(to_rasa_yaml(utterances), encoding="utf-8")
    examples = load_data(str(path)).intent_examples
    assert len(examples) == len(utterances)
    by_text = {m.get("text"): m for m in examples}
    for utterance in utterances:
        message = by_text[utterance.text]
        assert message.get("intent") == utterance.intent
        assert token_spans(utterance.text, message.get("entities")) == utterance.spans()


def test_annotate_marks_multi_syllable_slots_and_escapes_brackets():
    utterance = Utterance(
        ("bay", "[gấp]", "tới", "hồ", "chí", "minh"),
        ("O", "O", "O", "B-toloc.city_name", "I-toloc.city_name", "I-toloc.city_name"),
        "flight",
    )
    assert annotate(utterance) == "bay (gấp) tới [hồ chí minh](toloc.city_name)"


def test_token_spans_of_entities_off_syllable_boundaries_never_match():
    text = "bay tới hà nội"
    good = {"start": 8, "end": 14, "entity": "city"}
    bad = {"start": 9, "end": 14, "entity": "city"}
    assert token_spans(text, [good]) == {(2, 4, "city")}
    assert (2, 4, "city") not in token_spans(text, [bad])


def test_misaligned_tags_are_reported_with_the_line(tmp_path):
    split = _write(tmp_path / "train", "a b\nc d\n", "O O\nO\n", "x\ny\n")
    with pytest.raises(DatasetError, match="line 2: 1 tags for 2 syllables"):
        read_split(split)


def test_bad_tag_and_missing_files_are_reported(tmp_path):
    split = _write(tmp_path / "train", "a b\n", "O X-city\n", "x\n")
    with pytest.raises(DatasetError, match="bad tag X-city"):
        read_split(split)
    with pytest.raises(DatasetError, match="seq.in is missing"):
        read_split(tmp_path / "nowhere")
    _write(tmp_path / "ok" / "train", "a\n", "O\n", "x\n")
    with pytest.raises(DatasetError, match="test/ is missing"):
        read_dataset(tmp_path / "ok")


def test_line_counts_must_agree(tmp_path):
    split = _write(tmp_path / "train", "a\nb\n", "O\nO\n", "x\n")
    with pytest.raises(DatasetError, match="2 utterances, 2 tag lines, 1 labels"):
        read_split(split)
