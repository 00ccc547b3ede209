"""Intent classification with a linear SVM on TF-IDF-weighted sparse features.

`LinearSVMIntentClassifier` takes the same sentence features as Rasa's
`LogisticRegressionClassifier` (every featurizer's sparse and dense sentence
vector side by side), weights them as TF-IDF (sublinear counts × inverse
document frequency, each row scaled to unit length) and fits scikit-learn's
`LinearSVC` (one-vs-rest). On PhoATIS it is more accurate than the stock
logistic regression and trains in seconds instead of minutes (BENCHMARKS.md).

Confidences are a softmax of the SVM's decision values times `temperature`:
they rank intents and sum to one, but are not calibrated probabilities, so a
`FallbackClassifier` threshold chosen for logistic regression does not carry
over. The model is stored as plain arrays (`.npz`), not a pickle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import csr_matrix, hstack, vstack


def sentence_matrix(messages: list[Message]) -> csr_matrix:
    """One row per message: its sparse and dense sentence features."""
    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        rows.append(
            hstack(
                [
                    csr_matrix(sparse.features if sparse else []),
                    csr_matrix(dense.features if dense else []),
                ]
            )
        )
    return vstack(rows).tocsr()


def tfidf(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """Sublinear TF (1 + log count) × IDF, rows scaled to unit L2 length."""
    weighted = counts.astype(np.float64).tocsr(copy=True)
    positive = weighted.data > 0
    weighted.data[positive] = 1.0 + np.log(weighted.data[positive])
    weighted = weighted.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return csr_matrix(weighted.multiply(1.0 / norms.reshape(-1, 1)))


def inverse_document_frequency(counts: csr_matrix) -> np.ndarray:
    """Smoothed IDF as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    n = counts.shape[0]
    columns = counts.tocsc()
    columns.eliminate_zeros()
    df = np.diff(columns.indptr)
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearSVMIntentClassifier(IntentClassifier, GraphComponent):
    """TF-IDF + `LinearSVC` over the featurizers' sentence features."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 1.0,  # inverse regularisation strength of the SVM
            "temperature": 5.0,  # decision values × this before the softmax
            "max_iter": 5000,
            RANKING_LENGTH: LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.weights = weights  # idf, coef, intercept, classes

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearSVMIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.svm import LinearSVC

        examples = [
            e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)
        ]
        labels = sorted({e.get(INTENT) for e in examples})
        if len(labels) < 2:
            return self._resource
        counts = sentence_matrix(examples)
        idf = inverse_document_frequency(counts)
        svm = LinearSVC(C=self.config["C"], max_iter=self.config["max_iter"])
        svm.fit(tfidf(counts, idf), [e.get(INTENT) for e in examples])
        coef, intercept = svm.coef_, svm.intercept_
        if len(svm.classes_) == 2:  # one decision value: the second class's
            coef, intercept = (
                np.vstack([-coef, coef]),
                np.hstack([-intercept, intercept]),
            )
        self.weights = {
            "idf": idf,
            "coef": coef,
            "intercept": intercept,
            "classes": np.array(svm.classes_, dtype=str),
        }
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / "svm.npz", **self.weights)
        return self._resource

    def scores(self, messages: list[Message]) -> np.ndarray:
        """Decision values, one row per message, one column per intent."""
        assert self.weights is not None
        features = tfidf(sentence_matrix(messages), self.weights["idf"])
        return features @ self.weights["coef"].T + self.weights["intercept"]

    def process(self, messages: list[Message]) -> list[Message]:
        if self.weights is None or not messages:
            return messages
        probabilities = softmax(self.scores(messages) * self.config["temperature"])
        classes = [str(name) for name in self.weights["classes"]]
        for message, row in zip(messages, probabilities, strict=True):
            ranking = sorted(
                (
                    {"name": n, "confidence": float(c)}
                    for n, c in zip(classes, row, strict=True)
                ),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearSVMIntentClassifier:
        try:
            with (
                model_storage.read_from(resource) as directory,
                np.load(directory / "svm.npz", allow_pickle=False) as stored,
            ):
                weights = {name: stored[name] for name in stored.files}
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, weights)
