"""The NLU inbox: what it collects from Rasa's real tracker store, labelling on
the page (CSRF, roles, audit), and reviewed.yml written into a copy of data/."""

from __future__ import annotations

import shutil
import time

import pytest
import yaml
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import AuditEntry
from bot.console import event_copy
from bot.console.inbox import nlu_inbox, nlu_labels
from bot.console.inbox.nlu_training import REVIEWED_FILE, examples_of
from bot.console.rows import InboxItem
from bot.settings import ROOT
from bot.text import strip_diacritics
from tests.console.conftest import action, bot, csrf_token, log_in, user

T0 = time.time() - 3600


@pytest.fixture
def data_dir(tmp_path):
    """A copy of the training data, so no test writes the real data/nlu/."""
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "nlu", copy / "nlu")
    for name in ("rules.yml", "stories.yml"):
        shutil.copy(ROOT / "data" / name, copy / name)
    return copy


@pytest.fixture
def inbox(console, data_dir):
    console.application.config["NLU_DATA_DIR"] = data_dir
    return console


def collect(db_url, rasa_tracker, data_dir) -> dict[str, InboxItem]:
    event_copy.copy_new_events(db_url, rasa_tracker.url)
    nlu_inbox.collect(db_url, data_dir)
    with session_scope(db_url) as session:
        return {i.text: i for i in session.scalars(select(InboxItem))}


def audit_actions(db_url) -> list[tuple[str, str, str]]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.username, r.action, r.detail) for r in rows]


def test_collects_what_the_bot_may_have_misunderstood(db_url, rasa_tracker, data_dir):
    add = rasa_tracker.add
    add(
        "messenger:1",
        [
            user("asdf qwer ạ", "nlu_fallback", 0.3, T0, greet=0.2, donate=0.1),
            bot("Dạ, mình chưa chắc đã hiểu đúng ý bạn.", T0 + 1, "utter_ask_topic"),
            user("mình muốn góp tiền mua áo ấm", "donate", 0.95, T0 + 30),
        ],
    )
    add(
        "zalo:2",
        [
            user("cho hỏi quán cà phê gần đây", "ask_club_info", 0.7, T0),
            bot("Dạ, câu này nằm ngoài...", T0 + 1, "utter_out_of_scope"),
        ],
    )
    add("web:3", [user("ủng hộ sao ạ hihi", "donate", 0.45, T0, ask_statement=0.3)])
    add(
        "web:4",
        [
            user("các bạn có nhận quần áo cũ không", "donate", 0.9, T0),
            bot("Dạ, CLB nhận ủng hộ qua...", T0 + 1, "utter_donate"),
            user("gặp người thật", "human_handoff", 0.95, T0 + 20),
            action("action_handoff", T0 + 21),
        ],
    )
    add("web:5", [user("chào ad nha nha", "greet", 0.97, T0)])
    found = collect(db_url, rasa_tracker, data_dir)
    assert set(found) == {
        "asdf qwer ạ",
        "cho hỏi quán cà phê gần đây",
        "ủng hộ sao ạ hihi",
        "các bạn có nhận quần áo cũ không",
    }
    assert found["asdf qwer ạ"].reasons == "fallback,rephrased"
    assert found["cho hỏi quán cà phê gần đây"].reasons == "out_of_scope"
    assert found["ủng hộ sao ạ hihi"].reasons == "low"
    assert found["các bạn có nhận quần áo cũ không"].reasons == "handoff"
    first = found["asdf qwer ạ"]
    assert nlu_labels.ranking(first) == [("greet", 0.2), ("donate", 0.1)]
    assert (first.count, first.state, first.conversation_id) == (
        1,
        "new",
        "messenger:1",
    )
    assert found["các bạn có nhận quần áo cũ không"].previous_bot is None


@pytest.mark.parametrize("batch", [1, 2, 3, 2000])
def test_interleaved_conversations_read_in_any_batch_size(
    db_url, rasa_tracker, data_dir, monkeypatch, batch
):
    """What follows a message is found whether it lies inside the batch's id
    range or beyond it (collected in batches of `batch` user messages)."""
    monkeypatch.setattr(nlu_inbox, "BATCH", batch)
    add = rasa_tracker.add
    add("messenger:a", [user("xyz abc ạ", "nlu_fallback", 0.2, T0, greet=0.1)])
    add("zalo:b", [user("quần áo cũ gửi đâu", "donate", 0.9, T0 + 1)])
    add("messenger:a", [bot("Dạ?", T0 + 2, "utter_ask_rephrase")])
    add("zalo:b", [user("cho gặp người thật", "human_handoff", 0.95, T0 + 3)])
    add("messenger:a", [user("ý mình là ủng hộ", "donate", 0.9, T0 + 4)])
    add("web:c", [user("chào", "greet", 0.99, T0 + 5)])
    found = collect(db_url, rasa_tracker, data_dir)
    assert {text: item.reasons for text, item in found.items()} == {
        "xyz abc ạ": "fallback,rephrased",
        "quần áo cũ gửi đâu": "handoff",
    }


def test_handoff_in_the_same_turn_and_the_bots_previous_line(
    db_url, rasa_tracker, data_dir
):
    rasa_tracker.add(
        "web:9",
        [
            bot("Dạ, bạn cần CLB giúp gì ạ?", T0, "utter_greet"),
            user("chị ơi cho em hỏi xíu", "greet", 0.8, T0 + 5),
            action("action_handoff", T0 + 6),
            user("/human_handoff", "human_handoff", 1.0, T0 + 7),  # a button
        ],
    )
    found = collect(db_url, rasa_tracker, data_dir)
    assert list(found) == ["chị ơi cho em hỏi xíu"]
    item = found["chị ơi cho em hỏi xíu"]
    assert (item.reasons, item.previous_bot) == (
        "handoff",
        "Dạ, bạn cần CLB giúp gì ạ?",
    )


def test_a_message_waits_until_what_follows_it_is_known(db_url, rasa_tracker, data_dir):
    now = time.time()
    rasa_tracker.add("web:7", [user("hmm lạ ghê", "nlu_fallback", 0.3, now - 30)])
    assert collect(db_url, rasa_tracker, data_dir) == {}
    rasa_tracker.add("web:7", [user("ý mình là quyên góp", "donate", 0.9, now - 20)])
    event_copy.copy_new_events(db_url, rasa_tracker.url, now=now + 5)
    later = event_copy.datetime.utcfromtimestamp(now + 300)
    assert nlu_inbox.collect(db_url, data_dir, now=later) == 1
    with session_scope(db_url) as session:
        [item] = session.scalars(select(InboxItem))
    assert (item.text, item.reasons) == ("hmm lạ ghê", "fallback,rephrased")


def test_never_a_text_already_in_the_training_data(db_url, rasa_tracker, data_dir):
    entries = yaml.safe_load((ROOT / "data/nlu/donations.yml").read_text("utf-8"))
    [first, *_] = [e for e in entries["nlu"] if e.get("intent") == "donate"]
    real = examples_of(first)[0]
    assert "[" not in real
    typed = "  ".join(strip_diacritics(real).upper().split())
    rasa_tracker.add(
        "web:8",
        [
            user(typed, "nlu_fallback", 0.3, T0),
            user("mã của bé là NE0789", "nlu_fallback", 0.3, T0 + 200),  # NE0456
        ],
    )
    assert collect(db_url, rasa_tracker, data_dir) == {}


def test_two_spellings_make_one_row_and_labels_stay(db_url, rasa_tracker, data_dir):
    rasa_tracker.add(
        "web:1", [user("Nhận nuôi  bé thế nào vậy?", "nlu_fallback", 0.3, T0)]
    )
    rasa_tracker.add(
        "zalo:1", [user("nhan nuoi be the nao vay", "sponsor_child", 0.5, T0 + 9)]
    )
    [item] = collect(db_url, rasa_tracker, data_dir).values()
    assert (item.count, item.text, item.reasons) == (
        2,
        "nhan nuoi be the nao vay",
        "fallback,low",
    )
    nlu_labels.label(db_url, [item.id], "relabel", "thu.ha", "ask_sponsorship")
    rasa_tracker.add("web:2", [user("NHẬN NUÔI BÉ THẾ NÀO VẬY", "greet", 0.4, T0 + 99)])
    [again] = collect(db_url, rasa_tracker, data_dir).values()
    assert (again.count, again.state, again.intent) == (
        3,
        "labelled",
        "ask_sponsorship",
    )


def fallback(rasa_tracker, conversation_id: str, text: str, at: float = T0, **ranking):
    rasa_tracker.add(
        conversation_id,
        [user(text, "nlu_fallback", 0.3, at, **(ranking or {"donate": 0.25}))],
    )


def items_by_text(db_url) -> dict[str, InboxItem]:
    with session_scope(db_url) as session:
        return {i.text: i for i in session.scalars(select(InboxItem))}


def post_label(client, form: dict, token: str | None = None):
    data = {"state": "new", "sort": "newest", "page": "1", **form}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/admin/inbox/label", data=data)


def test_labelling_needs_the_csrf_token_and_is_audited(inbox, db_url, rasa_tracker):
    fallback(rasa_tracker, "web:1", "góp áo ấm ở đâu ạ", donate=0.4, greet=0.1)
    log_in(inbox, "minh.tnv")
    page = inbox.get("/admin/inbox").get_data(as_text=True)
    assert "góp áo ấm ở đâu ạ" in page and "bot không hiểu" in page
    item = items_by_text(db_url)["góp áo ấm ở đâu ạ"]
    refused = post_label(inbox, {"one": f"{item.id}:confirm"})
    assert refused.status_code == 400
    assert items_by_text(db_url)["góp áo ấm ở đâu ạ"].state == "new"
    token = csrf_token(inbox, "/admin/inbox")
    done = post_label(inbox, {"one": f"{item.id}:confirm"}, token)
    assert done.status_code == 303
    labelled = items_by_text(db_url)["góp áo ấm ở đâu ạ"]
    assert (labelled.state, labelled.intent, labelled.labelled_by) == (
        "labelled",
        "donate",
        "minh.tnv",
    )
    assert ("minh.tnv", "inbox_label", f"confirm ids={item.id}") in audit_actions(
        db_url
    )


def test_relabel_noise_later_and_bulk(inbox, db_url, rasa_tracker):
    for n, text in enumerate(["câu một nhé", "câu hai nhé", "câu ba nhé", "câu bốn"]):
        fallback(rasa_tracker, f"web:{n}", text)
    log_in(inbox, "thu.ha")
    token = csrf_token(inbox, "/admin/inbox")
    ids = {t: i.id for t, i in items_by_text(db_url).items()}
    one = ids["câu một nhé"]
    form = {"one": f"{one}:relabel", f"intent_{one}": "ask_campaigns"}
    assert post_label(inbox, form, token).status_code == 303
    assert post_label(inbox, {"one": f"{ids['câu hai nhé']}:noise"}, token)
    assert post_label(inbox, {"one": f"{ids['câu ba nhé']}:later"}, token)
    bulk = {
        "bulk": "relabel",
        "intent": "inform",
        "ids": [ids["câu ba nhé"], ids["câu bốn"]],
    }
    assert post_label(inbox, bulk, token).status_code == 303
    found = {t: (i.state, i.intent) for t, i in items_by_text(db_url).items()}
    assert found == {
        "câu một nhé": ("labelled", "ask_campaigns"),
        "câu hai nhé": ("noise", None),
        "câu ba nhé": ("labelled", "inform"),
        "câu bốn": ("labelled", "inform"),
    }
    page = inbox.get("/admin/inbox?state=labelled").get_data(as_text=True)
    assert "Đã gán nhãn (3)" in page and "Nhiễu (1)" in page
    assert "Lưu vào dữ liệu huấn luyện" in page


def test_an_unknown_intent_or_bad_ids_change_nothing(
    inbox, db_url, rasa_tracker, data_dir
):
    fallback(rasa_tracker, "web:1", "câu lạ lắm")
    before = (data_dir / "nlu" / REVIEWED_FILE).read_bytes()
    log_in(inbox, "minh.tnv")
    token = csrf_token(inbox, "/admin/inbox")
    item = items_by_text(db_url)["câu lạ lắm"]
    form = {"one": f"{item.id}:relabel", f"intent_{item.id}": "order_pizza"}
    refused = post_label(inbox, form, token)
    assert refused.status_code == 400
    assert "order_pizza" in refused.get_data(as_text=True)
    assert (
        post_label(inbox, {"bulk": "noise", "ids": "1 OR 1=1"}, token).status_code
        == 400
    )
    assert post_label(inbox, {"bulk": "noise"}, token).status_code == 400
    assert post_label(inbox, {"one": f"{item.id}:delete"}, token).status_code == 400
    assert items_by_text(db_url)["câu lạ lắm"].state == "new"
    assert (data_dir / "nlu" / REVIEWED_FILE).read_bytes() == before
    assert inbox.get("/admin/inbox?state=deleted").status_code == 400
    assert inbox.get("/admin/inbox?page=abc").status_code == 400


def test_enter_in_a_rows_intent_box_labels_that_row(inbox, db_url, rasa_tracker):
    fallback(rasa_tracker, "web:1", "hỏi về áo ấm")
    log_in(inbox, "thu.ha")
    token = csrf_token(inbox, "/admin/inbox")  # the page view collects
    item = items_by_text(db_url)["hỏi về áo ấm"]
    form = {"enter": "1", f"intent_{item.id}": "donate", "intent": ""}
    assert post_label(inbox, form, token).status_code == 303
    assert items_by_text(db_url)["hỏi về áo ấm"].intent == "donate"


def test_user_text_is_escaped_and_phones_masked_for_volunteers(
    inbox, db_url, rasa_tracker
):
    fallback(rasa_tracker, "web:1", "<script>alert(1)</script> giúp với")
    fallback(rasa_tracker, "web:2", "số mình là 0912 345 678 nhé", at=T0 + 5)
    log_in(inbox, "minh.tnv")
    page = inbox.get("/admin/inbox").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "0912 345 678" not in page and "[số điện thoại]" in page
    assert '<span class="badge"' in page and ">2</span>" in page
    log_in(inbox, "thu.ha")
    assert "0912 345 678" in inbox.get("/admin/inbox").get_data(as_text=True)


def test_the_yaml_has_placeholders_and_is_sorted(db_url, rasa_tracker, data_dir):
    fallback(
        rasa_tracker, "web:1", "em tên là Hoàng Văn Tùng, sđt 0987 654 321, bé NE0042 ạ"
    )
    fallback(rasa_tracker, "web:2", "cách góp áo ấm cho bé", at=T0 + 3)
    fallback(rasa_tracker, "web:3", "ad ơi ủng hộ 500k được ko", at=T0 + 6)
    found = collect(db_url, rasa_tracker, data_dir)
    ids = [i.id for i in found.values()]
    nlu_labels.label(db_url, ids[:1], "relabel", "thu.ha", "inform")
    nlu_labels.label(db_url, ids[1:], "relabel", "thu.ha", "donate")
    text = nlu_labels.reviewed_yaml(db_url, data_dir)
    assert text.startswith("# Real user messages that staff labelled")
    assert "Hoàng" not in text and "654" not in text and "0042" not in text
    parsed = yaml.safe_load(text)["nlu"]
    assert [e["intent"] for e in parsed] == ["donate", "inform"]
    assert examples_of(parsed[0]) == [
        "ad ơi ủng hộ [500k](amount) được ko",
        "cách góp áo ấm cho bé",
    ]
    assert examples_of(parsed[1]) == [
        "em tên là [Nguyễn Thu Lan](person_name), sđt [0912 345 678](phone), "
        "bé [NE0000](child_code) ạ"
    ]


def test_save_validates_with_rasa_then_writes(inbox, db_url, rasa_tracker, data_dir):
    """The one test that runs the real `rasa data validate` (10-40 s)."""
    fallback(rasa_tracker, "web:1", "mình tên Trần Thị Hoa, số 0912 888 999 ạ")
    fallback(rasa_tracker, "web:2", "bao giờ có sao kê tháng này vậy ad", at=T0 + 4)
    log_in(inbox, "minh.tnv")
    token = csrf_token(inbox, "/admin/inbox")
    ids = {t: i.id for t, i in items_by_text(db_url).items()}
    first, second = (
        ids["mình tên Trần Thị Hoa, số 0912 888 999 ạ"],
        ids["bao giờ có sao kê tháng này vậy ad"],
    )
    post_label(inbox, {"one": f"{first}:relabel", f"intent_{first}": "inform"}, token)
    post_label(
        inbox, {"one": f"{second}:relabel", f"intent_{second}": "ask_statement"}, token
    )
    form = {"csrf_token": token, "state": "labelled"}
    assert inbox.post("/admin/inbox/save", data={"state": "new"}).status_code == 400
    saved = inbox.post("/admin/inbox/save", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    written = (data_dir / "nlu" / REVIEWED_FILE).read_text("utf-8")
    assert "0912 888 999" not in written and "Hoa" not in written
    assert "[0912 345 678](phone)" in written
    assert "[Trần Thị Hoa]" not in written and "(person_name)" in written
    assert ("minh.tnv", "inbox_save", "2 examples") in audit_actions(db_url)
    page = inbox.get("/admin/inbox").get_data(as_text=True)
    assert "đã khớp với các nhãn" in page
    examples = nlu_labels.labelled_examples(db_url, data_dir)
    assert {(e.intent, e.saved) for e in examples} == {
        ("inform", True),
        ("ask_statement", True),
    }
    assert nlu_labels.mark_trained(db_url, [e.id for e in examples]) == 2
    assert {i.state for i in items_by_text(db_url).values()} == {"trained"}
    assert nlu_labels.labelled_examples(db_url, data_dir) == []
