"""A whitespace tokenizer whose lemmas are the folded (matching) form of each token.

`CountVectorsFeaturizer` reads `token.lemma` by default, so a featurizer can see
"nuoi em" for "nuôi em" and "khong" for "ko", while a second one configured with
`use_lemma: false` still sees the text as typed and entities keep their diacritics.

The message text is composed to NFC first (some keyboards send decomposed
Unicode): the bridge already does it, but a model served or tested without the
bridge must not see "nuôi" as two different words. Composition changes no
visible character, so entity offsets then refer to the composed text. An empty
message becomes a single blank, which every featurizer handles.
"""

from __future__ import annotations

import unicodedata

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.text import fold_words


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokens with folded lemmas (Vietnamese syllables split on spaces)."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        if attribute == TEXT and isinstance(text, str):
            # An empty text gets no regex features, and the classifier then
            # fails on a feature matrix one block short: parse it as a blank.
            composed = unicodedata.normalize("NFC", text) or " "
            if composed != text:
                message.set(TEXT, composed)
        tokens = super().tokenize(message, attribute)
        lemmas = fold_words([token.text for token in tokens])
        for token, lemma in zip(tokens, lemmas, strict=True):
            token.lemma = lemma or token.text
        return tokens
