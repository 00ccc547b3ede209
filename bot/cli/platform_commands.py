"""CLI commands of the Messenger/Zalo bridge (wired into `python -m bot`)."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import astuple
from typing import TYPE_CHECKING

from bot.settings import SIMULATOR_SECRETS, PlatformSettings, Settings

if TYPE_CHECKING:
    from bot.simulator import Secrets


def add_parsers(commands) -> None:
    commands.add_parser(
        "messenger-setup",
        help="set the page's Get Started button, greeting and persistent menu",
    )
    sim = commands.add_parser(
        "simulator",
        help="say something as a Messenger/Zalo user to a bridge running with "
        "PLATFORM_API_BASE=simulator and print the bot's answer",
    )
    sim.add_argument("platform", choices=("messenger", "zalo"))
    sim.add_argument("text")
    sim.add_argument("--user", default="sim-user-1", help="simulated user id")
    sim.add_argument("--timeout", type=float, default=60)
    commands.add_parser(
        "dead-letters", help="list messages that failed for good (staff replay them)"
    )
    replay = commands.add_parser("replay", help="put a dead letter back in line")
    replay.add_argument("kind", choices=("inbox", "outbound"))
    replay.add_argument("id", type=int)
    commands.add_parser(
        "zalo-tokens",
        help="store ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN after authorising again",
    )


def _messenger_setup(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.bridge.worker.replies import bridge_message
    from connectors import messenger
    from connectors.contract import SendError

    cfg = settings.platforms
    if not cfg.messenger_page_token:
        print("error: set MESSENGER_PAGE_TOKEN first (see README)", file=sys.stderr)
        return 1
    menu = (
        bridge_message("utter_messenger_menu")["buttons"]
        + bridge_message("utter_messenger_menu_person")["buttons"]
    )
    profile = messenger.profile(
        bridge_message("utter_messenger_greeting")["text"], menu
    )
    client = messenger.MessengerClient(
        cfg.messenger_api_base, cfg.messenger_page_token, cfg.send_timeout
    )
    try:
        client.set_profile(profile)
    except SendError as error:
        print(f"error: the Messenger Profile API refused: {error}", file=sys.stderr)
        return 1
    titles = ", ".join(item["title"] for item in menu)
    print(f"Messenger profile set: Get Started, greeting, menu ({titles})")
    return 0


def _simulator(settings: Settings, args: argparse.Namespace) -> int:
    import requests

    from bot import simulator

    cfg = settings.platforms
    bridge = f"http://{settings.host}:{settings.bridge_port}"
    sent_api = f"{bridge}/simulator/api/sent"
    params = {"platform": args.platform, "user": args.user}
    try:
        before = len(requests.get(sent_api, params=params, timeout=5).json()["calls"])
    except (requests.RequestException, ValueError, KeyError):
        print(
            f"error: no simulator at {bridge}: start the bot with "
            "PLATFORM_API_BASE=simulator (e.g. in .env) and `make run`",
            file=sys.stderr,
        )
        return 1
    secrets = simulator_secrets(cfg)
    if args.platform == "messenger":
        event = simulator.messenger_event(args.user, text=args.text)
        body = simulator.messenger_batch(event)
        response = simulator.post_messenger(bridge, secrets.messenger_app_secret, body)
    else:
        body = simulator.zalo_event(args.user, text=args.text)
        response = simulator.post_zalo(bridge, secrets, body)
    print(f"webhook: HTTP {response.status_code} {response.text.strip()}")
    if response.status_code != 200:
        print(
            f"error: the bridge refused the {args.platform} webhook: this command "
            "and `make run` must read the same .env (its secrets, and "
            "PLATFORM_API_BASE=simulator)",
            file=sys.stderr,
        )
        return 1
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        calls = requests.get(sent_api, params=params, timeout=5).json()["calls"]
        if len(calls) > before:
            time.sleep(0.5)  # a turn may send several messages
            calls = requests.get(sent_api, params=params, timeout=5).json()["calls"]
            for call in calls[before:]:
                print(f"bot: {shown(call)}")
            return 0
        time.sleep(0.2)
    print(f"error: no answer within {args.timeout:.0f} s", file=sys.stderr)
    return 1


def shown(call: dict) -> str:
    """One message the bot sent, as a line: its text or image, then its buttons."""
    parts = [call.get("text") or ""]
    if call.get("image"):  # the VietQR code, for one
        parts.append(f"[ảnh: {call['image']}]")
    buttons = " | ".join(b["title"] for b in call.get("buttons") or [])
    if buttons:
        parts.append(f" [{buttons}]")
    return " ".join(p for p in parts if p)


def simulator_secrets(cfg: PlatformSettings) -> Secrets:
    """The secrets a bridge in simulator mode signs and checks with: those
    configured, else the simulator's defaults (`bot.settings`), also when only
    `make run`'s environment said PLATFORM_API_BASE=simulator, not this one's."""
    from bot.simulator import Secrets

    configured = astuple(Secrets.from_settings(cfg))
    defaults = astuple(Secrets.from_names(SIMULATOR_SECRETS))
    return Secrets(
        *(mine or theirs for mine, theirs in zip(configured, defaults, strict=True))
    )


def _dead_letters(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.bridge.store.outbox import dead_letters

    letters = dead_letters(settings.database_url)
    for letter in letters:
        print(
            f"{letter['kind']:8} {letter['id']:6} {letter['status']:8} "
            f"{letter['conversation']} tries={letter['attempts']} {letter['error']}"
        )
    print(f"{len(letters)} dead letter(s)")
    return 0


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bridge.app import build_queue

    conversation = build_queue(settings).replay(args.kind, args.id)
    if conversation is None:
        print(f"error: no dead {args.kind} message {args.id}", file=sys.stderr)
        return 1
    print(f"{args.kind} {args.id} of {conversation} is back in line")
    return 0


def _zalo_tokens(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.bridge.worker.tokens import TokenStore
    from bot.ops.schema import migrate

    cfg = settings.platforms
    if not (cfg.zalo_access_token and cfg.zalo_refresh_token):
        print("error: set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN", file=sys.stderr)
        return 1
    migrate(settings.database_url)
    pair = (cfg.zalo_access_token, cfg.zalo_refresh_token)
    TokenStore(settings.database_url, "zalo", pair, refresher=None).replace(*pair)
    print("Zalo token pair stored")
    return 0


COMMANDS = {
    "messenger-setup": _messenger_setup,
    "simulator": _simulator,
    "dead-letters": _dead_letters,
    "replay": _replay,
    "zalo-tokens": _zalo_tokens,
}
