"""CLI commands for privacy: look-up locks, account links, retention
(`python -m bot`)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.settings import Settings


def add_parsers(commands) -> None:
    locks = commands.add_parser(
        "lookup-locks", help="list child look-up locks (codes, sources, overall)"
    )
    locks.add_argument(
        "--clear",
        metavar="CODE",
        help="clear the failures of a child code (or a source shown by the list, "
        "or * for all)",
    )
    links = commands.add_parser(
        "links", help="list accounts waiting to be linked to a sponsor"
    )
    group = links.add_mutually_exclusive_group()
    group.add_argument("--approve", type=int, metavar="ID", help="link the account")
    group.add_argument("--reject", type=int, metavar="ID", help="refuse the link")
    group.add_argument(
        "--unlink", metavar="PLATFORM:USER", help="e.g. messenger:1234567890"
    )
    links.add_argument("--by", default="staff", help="who decided")
    commands.add_parser(
        "retention",
        help="forget now what is older than RETENTION_DAYS (also runs nightly)",
    )


def _lookup_locks(settings: Settings, args: argparse.Namespace) -> int:
    from bot.club.limits import clear, locks

    now = datetime.utcnow()
    if args.clear:
        cleared = clear(settings.database_url, args.clear.strip(), now)
        print(f"{args.clear}: {cleared} failed tries cleared")
        return 0
    found = locks(settings.database_url, now)
    for lock in found:
        until = lock.until.strftime("%Y-%m-%d %H:%M")
        print(
            f"{lock.kind:8} {lock.key:30} {lock.failures:4} failures, until {until} UTC"
        )
    print(f"{len(found)} lock(s) in force")
    return 0


def _links(settings: Settings, args: argparse.Namespace) -> int:
    from bot.club.sponsors import LinkError, decide, link_requests, unlink

    url = settings.database_url
    try:
        if args.approve or args.reject:
            request = decide(
                url, args.approve or args.reject, bool(args.approve), args.by
            )
            print(f"link request {request.id}: {request.status}")
            return 0
        if args.unlink:
            platform, _, user = args.unlink.partition(":")
            done = unlink(url, platform, user)
            print(f"{args.unlink}: {'unlinked' if done else 'was not linked'}")
            return 0
    except LinkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    pending = link_requests(url)
    for request in pending:
        asked = request.created_at.strftime("%Y-%m-%d %H:%M")
        print(
            f"#{request.id}  {asked} UTC  {request.platform}:{request.user_id}"
            f"  sponsor #{request.sponsor_id}"
        )
    print(f"{len(pending)} link request(s) waiting")
    return 0


def _retention(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.bridge.store.retention import forget_now

    done = forget_now(settings)
    print(
        f"older than {settings.retention_days} days: {done.inbox_texts} message "
        f"texts and {done.outbox_bodies} sent bodies blanked, {done.transcripts} "
        f"web chat lines and {done.web_trackers} web conversations deleted, "
        f"{done.lookup_attempts} look-up attempts deleted; "
        f"{done.misnamed_trackers} empty conversations of the old tracker look-up "
        "deleted"
    )
    return 0


COMMANDS = {"lookup-locks": _lookup_locks, "links": _links, "retention": _retention}
