"""A joint intent + slot network over syllables, TensorFlow only.

Kept apart from the Rasa component (`bot.nlu.joint_tagger`) so it can be
trained and scored on plain token lists: the component only turns Rasa
messages into token lists and back.

The network: each syllable is a randomly initialised word embedding plus a
character CNN (so unseen numbers and names still get a representation), an
encoder (two bidirectional LSTM layers, or with `encoder: conv` four dilated
convolutions, optionally followed by one self-attention layer), an intent
head that pools the states with learned attention and max pooling, and a tag
head (BIO tags) that also sees the intent distribution, so "arrive" and
"depart" roles can lean on the whole question.
Both heads are trained together. With `crf: true` the tag head is a linear-chain
CRF (trained with Rasa's own `crf_log_likelihood`); otherwise a softmax. Either
way the tags are decoded with this module's Viterbi pass, which forbids `I-x`
after anything but `B-x`/`I-x` (with the CRF, over its learned transitions).
Several seeds can be trained and averaged (an ensemble); with `parallel: 2`
two of them train at once, each in a process of its own, since one network's
small batches keep only one core busy.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PAD, UNK = 0, 1

DEFAULTS: dict[str, Any] = {
    "word_dim": 100,
    "char_dim": 32,
    "char_filters": 64,
    "hidden": 128,  # LSTM units per direction
    "layers": 2,
    "encoder": "lstm",  # or "conv": dilated convolutions, several times faster
    "dropout": 0.3,
    "word_dropout": 0.05,  # share of training words replaced by UNK
    "epochs": 30,
    "batch_size": 32,
    "learning_rate": 0.002,
    "crf": False,
    "intent_to_slots": True,
    "seeds": 1,
    "seed": 42,
    "parallel": 1,  # seeds trained at once, each in a spawned process
    "max_chars": 12,
    # One self-attention layer after the encoder; 0 = none. The conv encoder
    # alone sees about eight syllables each side, too few for the role cues
    # ("từ", "đến", "hạ cánh") of long questions.
    "attention_heads": 0,
}


@dataclass
class Vocabulary:
    """Index of words, characters, tags and intents seen in training."""

    words: list[str] = field(default_factory=lambda: ["<pad>", "<unk>"])
    chars: list[str] = field(default_factory=lambda: ["<pad>", "<unk>"])
    tags: list[str] = field(default_factory=lambda: ["O"])
    intents: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        sentences: Sequence[Sequence[str]],
        tags: Sequence[Sequence[str]],
        intents: Sequence[str],
    ) -> Vocabulary:
        vocab = cls()
        vocab.words += sorted({w.lower() for s in sentences for w in s})
        vocab.chars += sorted({c for s in sentences for w in s for c in w.lower()})
        vocab.tags += sorted({t for s in tags for t in s} - {"O"})
        vocab.intents = sorted(set(intents))
        return vocab

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "words": self.words,
            "chars": self.chars,
            "tags": self.tags,
            "intents": self.intents,
        }


def encode_words(
    vocab: Vocabulary, sentences: Sequence[Sequence[str]], max_chars: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word ids [N, T], character ids [N, T, C] and lengths [N], zero-padded."""
    word_index = {w: i for i, w in enumerate(vocab.words)}
    char_index = {c: i for i, c in enumerate(vocab.chars)}
    longest = max(1, max(len(s) for s in sentences))
    words = np.zeros((len(sentences), longest), np.int32)
    chars = np.zeros((len(sentences), longest, max_chars), np.int32)
    for n, sentence in enumerate(sentences):
        for t, word in enumerate(sentence):
            low = word.lower()
            words[n, t] = word_index.get(low, UNK)
            ids = [char_index.get(c, UNK) for c in low[:max_chars]]
            chars[n, t, : len(ids)] = ids
    lengths = np.array([len(s) for s in sentences], np.int32)
    return words, chars, lengths


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) token spans of a BIO sequence; a stray I- starts one
    (the same reading as bench.metrics, which the benchmark scores with)."""
    spans, start, label = [], None, None
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == label
        if start is not None and not continues:
            spans.append((start, index, label))
            start, label = None, None
        if prefix in {"B", "I"} and not continues:
            start, label = index, name
    return spans


def allowed_transitions(tags: list[str]) -> np.ndarray:
    """[from, to] is False where BIO forbids it: `I-x` after neither B-x nor I-x."""
    allowed = np.ones((len(tags), len(tags)), bool)
    for j, to in enumerate(tags):
        if to.startswith("I-"):
            for i, previous in enumerate(tags):
                allowed[i, j] = previous[2:] == to[2:] and previous != "O"
    return allowed


def start_allowed(tags: list[str]) -> np.ndarray:
    return np.array([not tag.startswith("I-") for tag in tags])


def viterbi(
    scores: np.ndarray, transitions: np.ndarray, start: np.ndarray
) -> list[int]:
    """Best path through [T, K] scores with additive [K, K] transition scores."""
    best = scores[0] + np.where(start, 0.0, -1e9)
    back = []
    for t in range(1, len(scores)):
        total = best[:, None] + transitions
        back.append(total.argmax(axis=0))
        best = total.max(axis=0) + scores[t]
    path = [int(best.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


def _encode(config: dict[str, Any], x, mask):
    """Contextual states [N, T, 2 × hidden] of the token vectors."""
    import tensorflow as tf

    layers = tf.keras.layers
    if config["encoder"] == "conv":
        float_mask = tf.cast(mask, tf.float32)[:, :, None]
        x = layers.Dense(2 * config["hidden"])(x) * float_mask
        for dilation in (1, 2, 4, 1)[: max(2, 2 * config["layers"])]:
            y = layers.Conv1D(
                2 * config["hidden"],
                3,
                padding="same",
                dilation_rate=dilation,
                activation="relu",
            )(x)
            y = layers.Dropout(config["dropout"])(y)
            x = layers.LayerNormalization()(x + y) * float_mask
        return x
    for _ in range(config["layers"]):
        x = layers.Bidirectional(layers.LSTM(config["hidden"], return_sequences=True))(
            x, mask=mask
        )
        x = layers.Dropout(config["dropout"])(x)
    return x


def _self_attention(config: dict[str, Any], x, mask):
    """One residual multi-head self-attention layer over the valid positions."""
    import tensorflow as tf

    layers = tf.keras.layers
    heads = config["attention_heads"]
    pair_mask = tf.logical_and(mask[:, :, None], mask[:, None, :])
    attended = layers.MultiHeadAttention(
        heads, 2 * config["hidden"] // heads, dropout=config["dropout"]
    )(x, x, attention_mask=pair_mask)
    x = layers.LayerNormalization()(x + layers.Dropout(config["dropout"])(attended))
    return x * tf.cast(mask, tf.float32)[:, :, None]


def _build(config: dict[str, Any], vocab: Vocabulary):
    """The Keras model: inputs (words, chars) → (tag scores, intent logits)."""
    import tensorflow as tf

    layers = tf.keras.layers
    words = tf.keras.Input((None,), dtype=tf.int32)
    chars = tf.keras.Input((None, config["max_chars"]), dtype=tf.int32)
    mask = tf.not_equal(words, PAD)
    embedded = layers.Embedding(len(vocab.words), config["word_dim"])(words)
    char_vectors = layers.Embedding(len(vocab.chars), config["char_dim"])(chars)
    conv = layers.TimeDistributed(
        layers.Conv1D(config["char_filters"], 3, padding="same", activation="relu")
    )(char_vectors)
    char_features = layers.TimeDistributed(layers.GlobalMaxPooling1D())(conv)
    x = layers.Concatenate()([embedded, char_features])
    x = layers.Dropout(config["dropout"])(x)
    x = _encode(config, x, mask)
    if config["attention_heads"]:
        x = _self_attention(config, x, mask)
    # Intent: attention pooling and max pooling over the valid positions.
    float_mask = tf.cast(mask, tf.float32)[:, :, None]
    attention = layers.Dense(1)(layers.Dense(config["hidden"], activation="tanh")(x))
    attention = attention - (1.0 - float_mask) * 1e9
    weights = tf.nn.softmax(attention, axis=1)
    pooled = tf.reduce_sum(weights * x, axis=1)
    maxed = tf.reduce_max(x - (1.0 - float_mask) * 1e9, axis=1)
    sentence = layers.Concatenate()([pooled, maxed])
    sentence = layers.Dropout(config["dropout"])(
        layers.Dense(config["hidden"], activation="relu")(sentence)
    )
    intent_logits = layers.Dense(len(vocab.intents))(sentence)
    slot_input = x
    if config["intent_to_slots"]:
        intent_probs = tf.nn.softmax(intent_logits)
        tiled = tf.tile(intent_probs[:, None, :], [1, tf.shape(x)[1], 1])
        slot_input = layers.Concatenate()([x, tiled])
    hidden = layers.Dense(config["hidden"], activation="relu")(slot_input)
    tag_scores = layers.Dense(len(vocab.tags))(
        layers.Dropout(config["dropout"])(hidden)
    )
    return tf.keras.Model([words, chars], [tag_scores, intent_logits])


def _train_step(config: dict[str, Any], model, transitions, optimizer):
    """One compiled optimisation step on a batch: intent loss + slot loss."""
    import tensorflow as tf
    from rasa.utils.tensorflow.crf import crf_log_likelihood

    use_crf = config["crf"]
    variables = model.trainable_variables + ([transitions] if use_crf else [])
    signature = [
        tf.TensorSpec((None, None), tf.int32),
        tf.TensorSpec((None, None, config["max_chars"]), tf.int32),
        tf.TensorSpec((None,), tf.int32),
        tf.TensorSpec((None, None), tf.int32),
        tf.TensorSpec((None,), tf.int32),
    ]

    @tf.function(input_signature=signature)
    def step(w, c, n, t, i):
        with tf.GradientTape() as tape:
            tag_scores, intent_logits = model([w, c], training=True)
            intent_loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(i, intent_logits)
            )
            if use_crf:
                likelihood, _ = crf_log_likelihood(tag_scores, t, n, transitions)
                slot_loss = -tf.reduce_mean(likelihood)
            else:
                mask = tf.sequence_mask(n, tf.shape(w)[1], tf.float32)
                ce = tf.nn.sparse_softmax_cross_entropy_with_logits(t, tag_scores)
                slot_loss = tf.reduce_sum(ce * mask) / tf.reduce_sum(mask)
            loss = intent_loss + slot_loss
        grads = tape.gradient(loss, variables)
        grads, _ = tf.clip_by_global_norm(grads, 5.0)
        # AutoGraph's zip takes no `strict`.
        optimizer.apply_gradients(zip(grads, variables))  # noqa: B905
        return loss

    return step


class JointNet:
    """One or several (`seeds`) jointly trained networks; predictions averaged."""

    def __init__(self, config: dict[str, Any], vocab: Vocabulary) -> None:
        self.config = {**DEFAULTS, **config}
        self.vocab = vocab
        self.models: list[Any] = []
        self.transitions: list[np.ndarray] = []  # one CRF matrix per model

    # --- training -------------------------------------------------------
    def fit(
        self,
        sentences: Sequence[Sequence[str]],
        tags: Sequence[Sequence[str]],
        intents: Sequence[str],
        log: Any = None,
    ) -> None:
        words, chars, lengths = encode_words(
            self.vocab, sentences, self.config["max_chars"]
        )
        tag_index = {t: i for i, t in enumerate(self.vocab.tags)}
        tag_ids = np.zeros_like(words)
        for n, sequence in enumerate(tags):
            tag_ids[n, : len(sequence)] = [tag_index.get(t, 0) for t in sequence]
        intent_index = {name: i for i, name in enumerate(self.vocab.intents)}
        intent_ids = np.array([intent_index[i] for i in intents], np.int32)
        data = (words, chars, lengths, tag_ids, intent_ids)
        seeds = [self.config["seed"] + k for k in range(self.config["seeds"])]
        workers = min(self.config["parallel"], len(seeds))
        if workers <= 1:
            for seed in seeds:
                self._fit_one(seed, data, log)
            return
        # Spawned, not forked: TensorFlow's threads do not survive a fork.
        context = multiprocessing.get_context("spawn")
        jobs = [(self.config, self.vocab, seed, data) for seed in seeds]
        with context.Pool(workers) as pool:
            for weights, transitions in pool.map(_fit_elsewhere, jobs):
                self.add_model(weights, transitions)

    def _fit_one(self, seed: int, data: tuple[np.ndarray, ...], log: Any) -> None:
        import tensorflow as tf

        words, chars, lengths, tag_ids, intent_ids = data
        tf.keras.utils.set_random_seed(seed)
        model = _build(self.config, self.vocab)
        n_tags = len(self.vocab.tags)
        transitions = tf.Variable(tf.zeros((n_tags, n_tags)), name="transitions")
        optimizer = tf.keras.optimizers.Adam(self.config["learning_rate"])
        step = _train_step(self.config, model, transitions, optimizer)
        rng = np.random.default_rng(seed)
        order = np.argsort(lengths + rng.random(len(lengths)))  # bucket by length
        size = self.config["batch_size"]
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        epochs, started = self.config["epochs"], time.perf_counter()
        for epoch in range(epochs):
            # Cosine decay of the learning rate over the epochs.
            decay = 0.5 * (1 + math.cos(math.pi * epoch / epochs))
            optimizer.learning_rate.assign(self.config["learning_rate"] * decay)
            total = 0.0
            for b in rng.permutation(len(batches)):
                rows = batches[b]
                longest = int(lengths[rows].max())
                w = words[rows, :longest].copy()
                drop = (rng.random(w.shape) < self.config["word_dropout"]) & (w > UNK)
                w[drop] = UNK
                total += float(
                    step(
                        w,
                        chars[rows, :longest],
                        lengths[rows],
                        tag_ids[rows, :longest],
                        intent_ids[rows],
                    )
                )
            if log:
                seconds = time.perf_counter() - started
                log(
                    f"seed {seed} epoch {epoch + 1}/{epochs} "
                    f"loss {total / len(batches):.4f} {seconds:.0f} s"
                )
        self.models.append(model)
        self.transitions.append(transitions.numpy())

    def add_model(self, weights: list[np.ndarray], transitions: np.ndarray) -> None:
        """A trained network from stored weights (see `JointIntentSlotTagger`)."""
        model = _build(self.config, self.vocab)
        model.set_weights(weights)
        self.models.append(model)
        self.transitions.append(transitions)

    # --- prediction -------------------------------------------------------
    def scores(
        self, sentences: Sequence[Sequence[str]]
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Per sentence [T, K] tag scores, intent probabilities [N, I], averaged
        over the models, and the averaged CRF transitions."""
        import tensorflow as tf

        words, chars, lengths = encode_words(
            self.vocab, sentences, self.config["max_chars"]
        )
        tag_total, intent_total = 0.0, 0.0
        for model in self.models:
            tag_scores, intent_logits = model([words, chars], training=False)
            if self.config["crf"]:
                tag_total = tag_total + tag_scores.numpy()
            else:
                tag_total = tag_total + tf.nn.log_softmax(tag_scores).numpy()
            intent_total = intent_total + tf.nn.softmax(intent_logits).numpy()
        count = len(self.models)
        tag_scores = [tag_total[n, : lengths[n]] / count for n in range(len(sentences))]
        transitions = sum(self.transitions) / count
        return tag_scores, intent_total / count, transitions

    def predict(
        self, sentences: Sequence[Sequence[str]]
    ) -> tuple[list[list[str]], np.ndarray]:
        """BIO tags per sentence and intent probabilities [N, intents]."""
        if not sentences:
            return [], np.zeros((0, len(self.vocab.intents)))
        tag_scores, intent_probs, transitions = self.scores(sentences)
        allowed = allowed_transitions(self.vocab.tags)
        start = start_allowed(self.vocab.tags)
        if not self.config["crf"]:
            transitions = np.zeros_like(transitions)
        transitions = np.where(allowed, transitions, -1e9)
        tags = []
        for scores in tag_scores:
            if len(scores) == 0:
                tags.append([])
                continue
            path = viterbi(scores, transitions, start)
            tags.append([self.vocab.tags[i] for i in path])
        return tags, intent_probs


def _fit_elsewhere(
    job: tuple[dict[str, Any], Vocabulary, int, tuple[np.ndarray, ...]],
) -> tuple[list[np.ndarray], np.ndarray]:
    """One seed's network, trained in a worker process (`JointNet.fit` with
    `parallel`); returns its weights and CRF transitions."""
    config, vocab, seed, data = job
    net = JointNet(config, vocab)
    net._fit_one(seed, data, None)
    return net.models[0].get_weights(), net.transitions[0]
