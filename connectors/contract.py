"""What every platform connector shares: inbound events and send outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Inbound kinds: "text" goes to Rasa; "attachment" and "info" are acknowledged
# by the bridge itself (texts from domain.yml); "follow" greets through Rasa.
KINDS = ("text", "attachment", "info", "follow")


def as_list(value: Any) -> list[Any]:
    """A field that should be a list, or [] when the sender put anything else."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """A field that should be an object, or {} when it is anything else."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Inbound:
    """One user event accepted from a platform webhook, ready for the inbox."""

    platform: str
    user_id: str
    message_id: str
    text: str
    kind: str = "text"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Ignored:
    """An event the bridge deliberately does not answer (echo, read, unknown)."""

    platform: str
    kind: str
    known: bool = True


class SendError(RuntimeError):
    """A platform send failed; subclasses say whether to retry."""


class SendRetry(SendError):
    """Temporary failure (5xx, network, 1200, rate limit): try again later.

    `delay` is the platform's hint in seconds (rate limits), None for the
    default backoff.
    """

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class SendGiveUp(SendError):
    """The user cannot be reached (left, blocked, outside the reply window)."""


class SendRefused(SendError):
    """The platform refused the request itself (bad token, bad body): staff fix."""


@dataclass(frozen=True)
class Sent:
    platform_message_id: str = ""
