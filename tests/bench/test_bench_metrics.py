from bench.metrics import bio_spans, span_scores


def test_bio_spans_follow_conlleval():
    tags = ["O", "B-city", "I-city", "O", "I-date", "I-date", "B-city", "B-city"]
    assert bio_spans(tags) == {
        (1, 3, "city"),
        (4, 6, "date"),
        (6, 7, "city"),
        (7, 8, "city"),
    }


def test_bio_span_ends_when_the_label_changes_and_at_the_end():
    assert bio_spans(["B-a", "I-b", "I-b"]) == {(0, 1, "a"), (1, 3, "b")}
    assert bio_spans(["O", "B-a", "I-a"]) == {(1, 3, "a")}
    assert bio_spans([]) == set()


def test_span_scores_count_only_exact_spans():
    gold = [{(0, 2, "city"), (3, 4, "date")}, {(1, 2, "city")}]
    predicted = [{(0, 2, "city"), (3, 5, "date")}, set()]
    scores = span_scores(gold, predicted)
    assert scores["city"].precision == 1.0
    assert scores["city"].recall == 0.5
    assert round(scores["city"].f1, 4) == 0.6667
    assert scores["date"].f1 == 0.0
    assert scores["overall"].support == 3
    assert round(scores["overall"].precision, 4) == 0.5
    assert round(scores["overall"].recall, 4) == 0.3333


def test_span_scores_with_nothing_to_find():
    assert span_scores([set()], [set()])["overall"].f1 == 0.0
