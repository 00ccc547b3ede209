"""The joint intent + slot component, trained by hand on a few messages."""

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.joint_net import allowed_transitions, bio_spans, viterbi
from bot.nlu.joint_tagger import JointIntentSlotTagger, bio_tags
from bot.nlu.tokenizer import VietnameseTokenizer
from tests.nlu.test_phoatis_components import training_set

SMALL = {
    "word_dim": 16,
    "char_dim": 8,
    "char_filters": 8,
    "hidden": 16,
    "layers": 1,
    "epochs": 60,
    "batch_size": 4,
    "learning_rate": 0.01,
    "dropout": 0.0,
    "word_dropout": 0.0,
}


def test_bio_tags_come_from_character_spans():
    message = training_set().training_examples[0]  # bay từ [hà nội] đến [huế]
    tags = bio_tags(message.get("text_tokens"), message.get(ENTITIES))
    assert tags == ["O", "O", "B-from", "I-from", "O", "B-to"]


def test_viterbi_never_puts_inside_after_outside():
    tags = ["O", "B-x", "I-x"]
    allowed = allowed_transitions(tags)
    transitions = np.where(allowed, 0.0, -1e9)
    # On its own the second token prefers I-x, which cannot follow O.
    scores = np.log(np.array([[0.9, 0.05, 0.05], [0.1, 0.3, 0.6]]))
    path = viterbi(scores, transitions, np.array([True, True, False]))
    assert [tags[i] for i in path] == ["O", "B-x"]
    assert bio_spans(["O", "I-x", "I-x", "B-y"]) == [(1, 3, "x"), (3, 4, "y")]


OPTIONS = {"encoder": "conv", "attention_heads": 2}


@pytest.mark.parametrize("options", [{}, OPTIONS], ids=["lstm", "conv+attention"])
def test_it_learns_intents_and_slots_and_survives_a_reload(tmp_path, options):
    config = {**JointIntentSlotTagger.get_default_config(), **SMALL, **options}
    storage, resource = LocalModelStorage(tmp_path), Resource("joint")
    JointIntentSlotTagger(config, storage, resource).train(training_set())
    loaded = JointIntentSlotTagger.load(config, storage, resource, None)
    message = Message({TEXT: "bay từ huế đến hà nội"})
    VietnameseTokenizer(VietnameseTokenizer.get_default_config()).process([message])
    loaded.process([message])
    assert message.get(INTENT)["name"] == "flight"
    ranking = message.get(INTENT_RANKING_KEY)
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-4
    found = [(e["value"], e["entity"], e["start"]) for e in message.get(ENTITIES)]
    assert found == [("huế", "from", 7), ("hà nội", "to", 15)]


def test_an_untrained_component_leaves_messages_alone(tmp_path):
    loaded = JointIntentSlotTagger.load(
        JointIntentSlotTagger.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("missing"),
        None,
    )
    message = Message({TEXT: "xin chào"})
    loaded.process([message])
    assert message.get(INTENT) is None


def test_seeds_trained_in_parallel_processes_match_one_after_the_other():
    """`parallel: 2` trains the two seeds of an ensemble in spawned processes;
    each network is the one the same seed gives in this process."""
    from bot.nlu.joint_net import JointNet, Vocabulary

    sentences = [["bay", "từ", "huế"], ["giá", "vé", "đi", "huế"]] * 4
    tags = [["O", "O", "B-from"], ["O", "O", "O", "B-to"]] * 4
    intents = ["flight", "airfare"] * 4
    vocab = Vocabulary.build(sentences, tags, intents)
    config = {**SMALL, "encoder": "conv", "crf": True, "epochs": 3, "seeds": 2}
    one_by_one = JointNet(config, vocab)
    parallel = JointNet({**config, "parallel": 2}, vocab)
    one_by_one.fit(sentences, tags, intents)
    parallel.fit(sentences, tags, intents)
    assert len(parallel.models) == 2
    for ours, theirs in zip(one_by_one.models, parallel.models, strict=True):
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    first, second = (m.get_weights()[0] for m in parallel.models)
    assert not np.allclose(first, second)  # two seeds, two networks
    tags, intent_probs = parallel.predict([["bay", "từ", "huế"]])
    assert len(tags[0]) == 3 and intent_probs.shape == (1, 2)
