"""The secrets between the bot's own services (never shown to users).

- `rasa_token`: Rasa's HTTP API (`rasa run --enable-api --auth-token`), which
  can read any conversation and replace the model;
- `channel_secret`: the bridge's channel into Rasa (`bot.rasa_channel`);
- `action_secret`: the header Rasa sends to the action server
  (`endpoints.yml`), checked by `actions.server`;
- `console_key`: signs the staff console's session cookies.

Each comes from the environment (`RASA_TOKEN`, `RASA_CHANNEL_SECRET`,
`ACTION_SECRET`, `CONSOLE_SECRET_KEY`) or, when unset, from
`<VAR_DIR>/service-secrets.env`, which the first process to need it creates
with random values and mode 0600 (a secret added later is appended to it).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

FILE_NAME = "service-secrets.env"
VARIABLES = ("RASA_TOKEN", "RASA_CHANNEL_SECRET", "ACTION_SECRET", "CONSOLE_SECRET_KEY")


@dataclass(frozen=True)
class ServiceSecrets:
    rasa_token: str
    channel_secret: str
    action_secret: str
    console_key: str  # signs the staff console's session cookies

    def as_env(self) -> dict[str, str]:
        return dict(zip(VARIABLES, self.values(), strict=True))

    def values(self) -> tuple[str, str, str, str]:
        return (
            self.rasa_token,
            self.channel_secret,
            self.action_secret,
            self.console_key,
        )


def _lines(names) -> str:
    return "".join(f"{name}={secrets.token_urlsafe(32)}\n" for name in names)


def _generated(path: Path) -> dict[str, str]:
    """The file's values, creating it (atomically, 0600) when it is missing and
    appending a secret that a newer version added."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made by another process (or an earlier run): use it
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(_lines(VARIABLES))
    found = {k: v or "" for k, v in dotenv_values(path).items()}
    missing = [name for name in VARIABLES if name not in found]
    if missing:
        with path.open("a") as handle:
            handle.write(_lines(missing))
        found = {k: v or "" for k, v in dotenv_values(path).items()}
    return found


def load_service_secrets(var_dir: Path) -> ServiceSecrets:
    given = {name: os.environ.get(name, "").strip() for name in VARIABLES}
    if not all(given.values()):
        stored = _generated(var_dir / FILE_NAME)
        given = {name: given[name] or stored.get(name, "") for name in VARIABLES}
    return ServiceSecrets(*(given[name] for name in VARIABLES))
