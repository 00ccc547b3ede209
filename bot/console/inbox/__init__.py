"""The NLU inbox: what the bot may have misunderstood, labelled by staff into
data/nlu/reviewed.yml.

`nlu_inbox` collects the messages, `nlu_labels` keeps the staff's labels (and
what the retrain flow reads: `labelled_examples`, `mark_trained`),
`nlu_training` reads the training data and writes reviewed.yml after
`rasa data validate`, `nlu_placeholders` replaces private values in the text.
"""
