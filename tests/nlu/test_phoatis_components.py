"""The components added for PhoATIS: BIO tags and n-gram features in the CRF,
and the linear SVM intent classifier, trained by hand on a few messages."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.crf import (
    FoldedCRFEntityExtractor,
    bilou_to_bio,
    bio_to_bilou,
    ngram_features,
)
from bot.nlu.linear_intent import (
    LinearSVMIntentClassifier,
    inverse_document_frequency,
    tfidf,
)
from bot.nlu.tokenizer import VietnameseTokenizer


def test_bilou_and_bio_convert_both_ways():
    bilou = ["O", "B-city", "I-city", "L-city", "U-city", "U-date", "O", "U-city"]
    bio = ["O", "B-city", "I-city", "I-city", "B-city", "B-date", "O", "B-city"]
    assert bilou_to_bio(bilou) == bio
    assert bio_to_bilou(bio) == bilou


def test_a_stray_inside_tag_starts_an_entity():
    assert bio_to_bilou(["O", "I-city", "I-city", "I-date"]) == [
        "O",
        "B-city",
        "L-city",
        "U-date",
    ]


def test_ngram_features_near_the_edges():
    words = ["từ", "hà", "nội"]
    assert ngram_features(words, 0) == {
        "b+1": "từ|hà",
        "b+2": "hà|nội",
        "t+1": "từ|hà|nội",
    }
    assert ngram_features(words, 1) == {
        "b-1": "từ|hà",
        "b+1": "hà|nội",
        "t0": "từ|hà|nội",
    }
    assert ngram_features(["một"], 0) == {}


def annotated(text, intent, spans=()):
    entities = []
    for word, entity in spans:
        start = text.index(word)
        entities.append(
            {"start": start, "end": start + len(word), "value": word, "entity": entity}
        )
    return Message({TEXT: text, INTENT: intent, ENTITIES: entities})


def training_set():
    messages = [
        annotated(
            "bay từ hà nội đến huế", "flight", [("hà nội", "from"), ("huế", "to")]
        ),
        annotated(
            "bay từ huế đến đà lạt", "flight", [("huế", "from"), ("đà lạt", "to")]
        ),
        annotated(
            "từ đà lạt đến hà nội", "flight", [("đà lạt", "from"), ("hà nội", "to")]
        ),
        annotated("bay đến hà nội huế", "flight", [("hà nội", "to"), ("huế", "to")]),
        annotated(
            "giá vé từ huế đến hà nội", "airfare", [("huế", "from"), ("hà nội", "to")]
        ),
        annotated("giá vé đến đà lạt", "airfare", [("đà lạt", "to")]),
        annotated("giá vé rẻ nhất", "airfare"),
        annotated("giá vé bao nhiêu", "airfare"),
    ]
    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    tokenizer.process_training_data(TrainingData(messages))
    return TrainingData(messages)


def test_the_crf_with_bio_tags_separates_adjacent_entities_of_one_type(
    tmp_path, featurized
):
    featurizer, data = featurized
    config = {
        **FoldedCRFEntityExtractor.get_default_config(),
        "BILOU_flag": True,
        "BIO": True,
        "ngram_features": True,
        "max_iterations": 50,
        "L1_c": 0.01,
        "L2_c": 0.01,
    }
    storage, resource = LocalModelStorage(tmp_path), Resource("crf")
    FoldedCRFEntityExtractor(config, storage, resource).train(data)
    loaded = FoldedCRFEntityExtractor.load(config, storage, resource, None)
    assert set(loaded.entity_taggers["entity"].classes_) == {
        "O",
        "B-from",
        "I-from",
        "B-to",
        "I-to",
    }
    message = parsed(featurizer, "bay đến hà nội huế")
    found = [(e["value"], e["entity"]) for e in loaded.extract_entities(message)]
    assert found == [("hà nội", "to"), ("huế", "to")]


def test_tfidf_rows_have_unit_length_and_rare_words_weigh_more():
    counts = np.array([[1, 1, 0], [1, 0, 0], [4, 0, 0], [0, 0, 0]])
    from scipy.sparse import csr_matrix

    idf = inverse_document_frequency(csr_matrix(counts))
    assert idf[1] > idf[0]  # in one row rather than three
    weighted = tfidf(csr_matrix(counts), idf).toarray()
    assert np.allclose(np.linalg.norm(weighted[:3], axis=1), 1.0)
    assert weighted[0, 1] > weighted[0, 0]
    assert not weighted[3].any()


@pytest.fixture
def featurized(tmp_path):
    data = training_set()
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "max_ngram": 2},
        LocalModelStorage(tmp_path),
        Resource("cvf"),
        ExecutionContext(GraphSchema({}), node_name="cvf"),
    )
    featurizer.train(data)
    featurizer.process_training_data(data)
    return featurizer, data


def parsed(featurizer, text):
    message = Message({TEXT: text})
    VietnameseTokenizer(VietnameseTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    return message


def test_the_svm_classifier_ranks_intents_and_survives_a_reload(tmp_path, featurized):
    featurizer, data = featurized
    storage, resource = LocalModelStorage(tmp_path), Resource("svm")
    config = {**LinearSVMIntentClassifier.get_default_config(), "C": 10}
    classifier = LinearSVMIntentClassifier(config, storage, resource)
    classifier.train(data)
    loaded = LinearSVMIntentClassifier.load(config, storage, resource, None)
    for text, intent in [("giá vé đến huế", "airfare"), ("bay từ hà nội", "flight")]:
        message = parsed(featurizer, text)
        loaded.process([message])
        assert message.get(INTENT)["name"] == intent
        ranking = message.get(INTENT_RANKING_KEY)
        assert [r["name"] for r in ranking] == [
            intent,
            ({"airfare", "flight"} - {intent}).pop(),
        ]
        assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_an_untrained_svm_classifier_leaves_messages_alone(tmp_path):
    classifier = LinearSVMIntentClassifier.load(
        LinearSVMIntentClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("missing"),
        None,
    )
    message = Message({TEXT: "xin chào"})
    classifier.process([message])
    assert message.get(INTENT) is None
