"""CRF entity extraction that also sees each token's folded form.

Rasa's `CRFEntityExtractor` builds its word features from the token as typed
("tháng", "thang" and "thg" are three unrelated words to it). This subclass puts
the folded lemma from `VietnameseTokenizer` ("thang", teencode expanded) in the
slot the stock extractor keeps for a part-of-speech tag, so the `pos` feature of
the config means "folded word" and `pos2` its first two letters. Everything else
(training, persistence, BILOU tags) is the stock extractor.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class FoldedCRFEntityExtractor(CRFEntityExtractor):
    """`CRFEntityExtractor` whose `pos`/`pos2` features are the folded word."""

    def _convert_to_crf_tokens(self, message: Message) -> list[CRFToken]:
        crf_tokens = super()._convert_to_crf_tokens(message)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        for crf_token, token in zip(crf_tokens, tokens, strict=False):
            crf_token.pos_tag = token.lemma or token.text.lower()
        return crf_tokens
