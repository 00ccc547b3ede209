"""End to end through the simulator: signed webhooks → bridge → real Rasa and
action server → Send API / OA API calls back to the simulator.

Reuses the session's action server and Rasa server; starts its own bridges:
one sending to a simulator in this process (production HTTP server), one with
the built-in simulator (`PLATFORM_API_BASE=simulator`) for the web chat's
Messenger and Zalo channels.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from bot.bridge.store.records import InboxMessage
from bot.bridge.worker.replies import bridge_message
from bot.club.database import session_scope
from bot.ops.processes import Service, free_port, service_env
from bot.settings import Settings
from bot.simulator import (
    Secrets,
    Simulator,
    SimulatorServer,
    SimulatorState,
    messenger_batch,
    messenger_event,
    post_messenger,
    post_zalo,
    zalo_event,
)
from tests.bridge.platform_kit import SECRETS, wait_settled


def platform_bridge(settings: Settings, var_dir, **env: str) -> Service:
    settings = dataclasses.replace(
        settings,
        var_dir=var_dir,
        bridge_port=free_port(),
        queue_db=var_dir / "queue.db",
    )
    full_env = service_env(settings)
    full_env.update(SECRETS)
    full_env.update(env)
    return Service(
        "platform bridge",
        [sys.executable, "-m", "bot", "serve"],
        f"http://{settings.host}:{settings.bridge_port}/health",
        var_dir / "log" / "bridge.log",
        full_env,
    )


@pytest.fixture(scope="module")
def sim(stack, tmp_path_factory) -> Iterator[Simulator]:
    state = SimulatorState(Secrets.from_names(SECRETS))
    with SimulatorServer(state) as server:
        service = platform_bridge(
            stack.settings,
            tmp_path_factory.mktemp("platform-bridge"),
            PLATFORM_API_BASE=server.url,
            TYPING_DELAY="0",  # every turn shows the indicator (checked below)
        )
        service.start()
        try:
            service.wait_healthy(60)
            simulator = Simulator(state, service.health_url.removesuffix("/health"))
            simulator.database_url = stack.settings.database_url  # for wait_settled
            yield simulator
        finally:
            service.stop()


def inbox_rows(database_url: str, conversation_id: str) -> list[InboxMessage]:
    with session_scope(database_url) as session:
        return session.scalars(
            select(InboxMessage).where(InboxMessage.conversation_id == conversation_id)
        ).all()


def user() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def turn(sim: Simulator, platform: str, who: str, text: str, payload=None):
    """One user message and all that the bot sent for it (a turn may send
    several messages: wait until nothing is pending in the inbox or outbox)."""
    before = len(sim.state.sent_to(platform, who))
    response = sim.say(platform, who, text, payload=payload)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    sim.wait_for(platform, who, before + 1, timeout=60)
    wait_settled(sim.database_url, f"{platform}:{who}", timeout=60)
    return sim.state.sent_to(platform, who)[before:]


def test_messenger_campaigns_then_tap_a_button(sim):
    who = user()
    [listing] = turn(sim, "messenger", who, "có chiến dịch nào sắp tới không?")
    assert listing.text.startswith("Dạ, các chiến dịch sắp tới")
    assert "Áo ấm cho em" in listing.text
    titles = [b["title"] for b in listing.buttons]
    assert "Áo ấm cho em" in titles and all(len(t) <= 20 for t in titles)
    chosen = next(b for b in listing.buttons if b["title"] == "Xuân yêu thương")
    [detail] = turn(sim, "messenger", who, chosen["title"], payload=chosen["payload"])
    assert detail.text.startswith("Dạ, thông tin chiến dịch Xuân yêu thương")


def test_messenger_ids_and_channel_reach_rasa(sim, stack):
    who = user()
    turn(sim, "messenger", who, "xin chào")
    url = f"{stack.settings.rasa_url}/conversations/messenger:{who}/tracker"
    token = {"token": stack.settings.secrets.rasa_token}
    tracker = requests.get(url, params=token, timeout=10).json()
    assert tracker["latest_input_channel"] == "messenger"
    assert tracker["latest_message"]["metadata"]["messenger"]["psid"] == who


def test_messenger_typing_indicator_and_attachment(sim):
    who = user()
    turn(sim, "messenger", who, "chào ad ạ")
    assert who in sim.state.typing
    before = len(sim.state.sent_to("messenger", who))
    body = messenger_batch(messenger_event(who, attachment="image"))
    post_messenger(sim.bridge_url, SECRETS["MESSENGER_APP_SECRET"], body)
    [ack] = sim.wait_for("messenger", who, before + 1)[before:]
    assert ack.text == bridge_message("utter_attachment_received")["text"]


def test_zalo_greeting_buttons_and_tap_by_title(sim):
    who = user()
    [greeting] = turn(sim, "zalo", who, "chào ad")
    assert greeting.text.startswith("Dạ, CLB Vì trẻ em vùng cao xin chào")
    buttons = greeting.body["message"]["attachment"]["payload"]["buttons"]
    assert {b["type"] for b in buttons} == {"oa.query.show"}
    # oa.query.show: the user sends the button's payload (its title) as text.
    [listing] = turn(sim, "zalo", who, buttons[0]["payload"])
    assert listing.text.startswith("Dạ, các chiến dịch sắp tới")


def test_redelivered_zalo_event_is_answered_once(sim):
    who = user()
    body = zalo_event(who, text="xin chào", msg_id=f"dup-{who}")
    assert post_zalo(sim.bridge_url, sim.state.secrets, body).json()["accepted"] == 1
    again = post_zalo(sim.bridge_url, sim.state.secrets, body).json()
    assert again["duplicates"] == 1
    sim.wait_for("zalo", who, 1, timeout=60)
    wait_settled(sim.database_url, f"zalo:{who}", timeout=60)
    rows = inbox_rows(sim.database_url, f"zalo:{who}")  # the redelivery: not stored
    assert [(r.message_id, r.status) for r in rows] == [(f"dup-{who}", "done")]
    assert len(sim.state.sent_to("zalo", who)) == 1


@pytest.fixture(scope="module")
def simulated(stack, tmp_path_factory) -> Iterator[str]:
    """A bridge with the built-in simulator, as `make run` runs it for the page."""
    service = platform_bridge(
        stack.settings,
        tmp_path_factory.mktemp("simulator-bridge"),
        PLATFORM_API_BASE="simulator",
    )
    service.start()
    try:
        service.wait_healthy(60)
        yield service.health_url.removesuffix("/health")
    finally:
        service.stop()


@pytest.mark.parametrize("channel", ["messenger", "zalo"])
def test_web_chat_as_messenger_or_zalo_goes_through_the_simulator(simulated, channel):
    session = f"page-{uuid.uuid4().hex[:12]}"
    api = f"{simulated}/chat/api/messages"
    body = {"session_id": session, "text": "chào ad", "channel": channel}
    assert requests.post(api, json=body, timeout=10).status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = requests.get(
            api, params={"after": 0}, headers={"X-Chat-Session": session}, timeout=10
        )
        bot = [m for m in data.json()["messages"] if m["from"] == "bot"]
        if bot and not data.json()["pending"]:
            break
        time.sleep(0.2)
    assert bot[0]["text"].startswith("Dạ, CLB Vì trẻ em vùng cao xin chào")
    sent = requests.get(
        f"{simulated}/simulator/api/sent",
        params={"platform": channel, "user": f"web-{session}"},
        timeout=10,
    ).json()["calls"]
    assert sent and sent[0]["text"] == bot[0]["text"]  # it really went out
    tap = bot[0]["buttons"][0]
    body = {
        "session_id": session,
        "text": tap["payload"],
        "display_text": tap["title"],
        "channel": channel,
    }
    assert requests.post(api, json=body, timeout=10).status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = requests.get(
            api, params={"after": 0}, headers={"X-Chat-Session": session}, timeout=10
        )
        bot = [m for m in data.json()["messages"] if m["from"] == "bot"]
        if len(bot) >= 2 and not data.json()["pending"]:
            break
        time.sleep(0.2)
    assert bot[1]["text"].startswith("Dạ, các chiến dịch sắp tới")
