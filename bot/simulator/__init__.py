"""A local stand-in for Messenger and Zalo OA (dev mode and the e2e harness).

`fake_api`: the platforms' APIs the bridge calls; `webhook_events`: the signed
events the platforms send; `wsgi`: loopback servers; `mirror`: web chat
sessions shown "as Messenger/Zalo". Production code never imports this package:
the bridge's app factory loads it only when `PLATFORM_API_BASE=simulator`.
"""

from bot.simulator.fake_api import Call, Fault, Secrets, SimulatorState, blueprint
from bot.simulator.mirror import show_in_webchat
from bot.simulator.webhook_events import (
    Simulator,
    messenger_batch,
    messenger_event,
    post_messenger,
    post_zalo,
    sign_messenger,
    sign_zalo,
    zalo_event,
)
from bot.simulator.wsgi import SimulatorServer, http_server

__all__ = [
    "Call",
    "Fault",
    "Secrets",
    "Simulator",
    "SimulatorServer",
    "SimulatorState",
    "blueprint",
    "http_server",
    "messenger_batch",
    "messenger_event",
    "post_messenger",
    "post_zalo",
    "show_in_webchat",
    "sign_messenger",
    "sign_zalo",
    "zalo_event",
]
