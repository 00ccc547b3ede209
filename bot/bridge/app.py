"""The Flask bridge: web chat, Messenger and Zalo webhooks, one durable queue."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError
from waitress import create_server

from bot.bridge.http.bank_feed import bp as bank_feed_bp
from bot.bridge.http.public_statement import bp as public_statement_bp
from bot.bridge.http.rate_limit import RateLimiter
from bot.bridge.http.transfer_qr import bp as transfer_qr_bp
from bot.bridge.http.webchat import bp as webchat_bp
from bot.bridge.http.webhooks import DATABASE_DOWN, TOO_LARGE, WebhookEvents
from bot.bridge.http.webhooks import bp as webhooks_bp
from bot.bridge.store.retention import forget_now, schedule_nightly
from bot.bridge.worker.delivery import (
    Delivery,
    MessengerPlatform,
    WebPlatform,
    ZaloPlatform,
)
from bot.bridge.worker.locks import Locks
from bot.bridge.worker.queue import ConversationQueue, make_huey
from bot.bridge.worker.rasa_client import RasaClient
from bot.bridge.worker.rasa_pool import RasaPool
from bot.bridge.worker.tokens import TokenStore, huey_lock
from bot.bridge.worker.turns import TurnProcessor
from bot.console import refresh
from bot.console.accounts import LoginGuard, login_manager
from bot.console.pages import bp as console_bp
from bot.console.pages.statement_pages import STATEMENT_MAX_BYTES
from bot.logs import log_event
from bot.reports.monthly import report_schedule
from bot.settings import ROOT, Settings
from connectors import messenger, zalo

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "http" / "static"
# Seconds a thread may hold the GIL while another waits (Python's default is
# 0.005). The bridge's threads mostly wait on sockets and SQLite; a worker whose
# Rasa answer has arrived should not wait 5 ms for a webhook thread's slice.
GIL_SWITCH_INTERVAL = 0.0005


# The page loads only its own script and style; images may come from https.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def security_headers(response):
    """On every response of the bridge (web chat, webhooks, console)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def build_platforms(settings: Settings, huey, locks: Locks | None = None) -> dict:
    """The web chat always; Messenger and Zalo when configured (or simulated)."""
    cfg = settings.platforms
    platforms: dict = {"web": WebPlatform()}
    if cfg.messenger_enabled:
        client = messenger.MessengerClient(
            cfg.messenger_api_base, cfg.messenger_page_token, cfg.send_timeout
        )
        platforms["messenger"] = MessengerPlatform(client, cfg.typing_delay)
    if cfg.zalo_enabled:
        refresher = partial(
            zalo.refresh_tokens,
            cfg.zalo_oauth_base,
            cfg.zalo_app_id,
            cfg.zalo_app_secret,
            timeout=cfg.send_timeout,
        )
        tokens = TokenStore(
            settings.database_url,
            "zalo",
            (cfg.zalo_access_token, cfg.zalo_refresh_token),
            lambda refresh_token: refresher(refresh_token),
            lock=lambda: huey_lock(
                huey, "zalo-token-refresh", cfg.send_timeout * 3, locks
            ),
        )
        client = zalo.ZaloClient(cfg.zalo_api_base, tokens, cfg.send_timeout)
        platforms["zalo"] = ZaloPlatform(client, settings.database_url)
    return platforms


def build_queue(settings: Settings) -> ConversationQueue:
    cfg = settings.platforms
    huey = make_huey(settings.queue_db, cfg.queue_url, cfg.queue_poll)
    locks = Locks(huey)
    platforms = build_platforms(settings, huey, locks)
    rasa = RasaPool(
        [
            RasaClient(
                url,
                settings.action_url,
                settings.secrets.channel_secret,
                settings.rasa_timeout,
                api_token=settings.secrets.rasa_token,
            )
            for url in settings.rasa_servers
        ]
    )
    turns = TurnProcessor(
        rasa,
        Delivery(settings.database_url, platforms),
        settings.chat_rate,
        settings.action_wait,
    )
    schedule_nightly(huey, lambda: forget_now(settings))
    report_schedule.schedule_monthly(
        huey,
        lambda: report_schedule.last_month(settings.database_url, settings.var_dir),
    )
    return ConversationQueue(
        settings.database_url,
        settings.queue_db,
        turns,
        retries=cfg.queue_retries,
        retry_delay=cfg.queue_retry_delay,
        send_retries=cfg.send_retries,
        send_retry_delay=cfg.send_retry_delay,
        queue_url=cfg.queue_url,
        poll_interval=cfg.queue_poll,
        huey=huey,
        locks=locks,
        claim_lease=2 * settings.rasa_timeout + 60,
    )


def create_app(settings: Settings, queue: ConversationQueue | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config.update(
        SETTINGS=settings,
        DATABASE_URL=settings.database_url,
        TRACKER_URL=settings.tracker_store_url,  # Rasa's, read by the console
        BANK=(settings.bank_bin, settings.bank_account),  # for the VietQR images
        QUEUE=queue or build_queue(settings),
        PLATFORMS=settings.platforms,
        MAX_CONTENT_LENGTH=settings.platforms.webhook_max_bytes,
        JSON_AS_ASCII=False,
        SIMULATOR=None,
        CLIENT_KEY=settings.secrets.channel_secret.encode(),
        WEB_LIMIT=RateLimiter(settings.web_rate, 60),
        SECRET_KEY=settings.secrets.console_key,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.console_session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="console_session",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        LOGIN_GUARD=LoginGuard(),
        NLU_DATA_DIR=settings.nlu_data_dir,  # the inbox writes its nlu/reviewed.yml
        LOG_DIR=settings.log_dir,
    )
    app.json.ensure_ascii = False
    app.register_blueprint(webchat_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(bank_feed_bp)
    app.register_blueprint(transfer_qr_bp)
    app.register_blueprint(public_statement_bp)
    app.register_blueprint(console_bp)
    app.after_request(security_headers)
    app.wsgi_app = WebhookEvents(app, SECURITY_HEADERS)  # the events skip Flask
    login_manager(lambda: settings.database_url).init_app(app)
    if settings.platforms.simulator:
        from bot import simulator

        state = simulator.SimulatorState(
            simulator.Secrets.from_settings(settings.platforms)
        )
        app.register_blueprint(simulator.blueprint(state, "/simulator"))
        bridge_url = f"http://{settings.host}:{settings.bridge_port}"
        app.config["SIMULATOR"] = simulator.Simulator(state, bridge_url)
        state.listeners.append(
            partial(simulator.show_in_webchat, settings.database_url)
        )

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.errorhandler(413)
    def too_large(_error):
        return jsonify({"error": TOO_LARGE}), 413

    @app.errorhandler(SQLAlchemyError)
    def database_down(error):
        """Nothing was stored: the platform sends the webhook again (503)."""
        log_event(
            logger, logging.ERROR, "database_unavailable", error=type(error).__name__
        )
        return jsonify({"error": DATABASE_DOWN}), 503

    return app


def http_server(settings: Settings, app: Flask) -> tuple[Callable, Callable]:
    """(run, close) of the bridge's HTTP server: waitress, which refuses a body
    over WEBHOOK_MAX_BYTES (or the console's statement upload limit, if larger)
    before reading it; Flask then holds every other route to WEBHOOK_MAX_BYTES
    (MAX_CONTENT_LENGTH); in simulator mode the standard
    library's server, which keeps the `access_token` header the simulated OA
    API needs (see bot.simulator.wsgi)."""
    if settings.platforms.simulator:
        from bot.simulator import http_server as dev_server

        dev = dev_server(app, settings.host, settings.bridge_port)
        return dev.serve_forever, dev.shutdown
    server = create_server(
        app,
        host=settings.host,
        port=settings.bridge_port,
        threads=8,
        max_request_body_size=max(
            settings.platforms.webhook_max_bytes, STATEMENT_MAX_BYTES
        ),
    )
    return server.run, server.close


def start_console_copy(
    settings: Settings, every: float = refresh.EVERY
) -> threading.Event:
    """The console's copy of Rasa's events, every minute (`bot.console.refresh`)."""
    return refresh.start(
        lambda: refresh.catch_up(
            settings.database_url, settings.tracker_store_url, ROOT / "data"
        ),
        every,
    )


def serve(settings: Settings) -> None:
    """Serve HTTP in a thread; the huey consumer owns the main thread and signals."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    queue = build_queue(settings)
    app = create_app(settings, queue)
    run, close = http_server(settings, app)
    threading.Thread(target=run, name="http", daemon=True).start()
    resumed = queue.resume()
    queue.start_keeper()
    stop_copy = start_console_copy(settings)
    log_event(
        logger,
        logging.INFO,
        "bridge_started",
        url=f"http://{settings.host}:{settings.bridge_port}",
        workers=settings.workers,
        resumed=resumed,
        platforms=",".join(sorted(queue.turns.platforms)),
        simulator=settings.platforms.simulator,
    )
    try:
        queue.consumer(settings.workers).run()
    finally:
        stop_copy.set()
        queue.stop_keeper()
        close()
        log_event(logger, logging.INFO, "bridge_stopped")
