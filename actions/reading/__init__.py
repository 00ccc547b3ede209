"""Reading what people type the way the club means it: short answers compared
as typed (typed_words), news of a transfer told apart from a question about it
(transfer_words), gifts in kind told from money (gift_words), and the part of
a campaign a follow-up asks about (campaign_aspects)."""
