"""A whitespace tokenizer whose lemmas are the folded (matching) form of each token.

`CountVectorsFeaturizer` reads `token.lemma` by default, so a featurizer can see
"nuoi em" for "nuôi em" and "khong" for "ko", while a second one configured with
`use_lemma: false` still sees the text as typed and entities keep their diacritics.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.text import fold_word


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokens with folded lemmas (Vietnamese syllables split on spaces)."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = fold_word(token.text) or token.text
        return tokens
