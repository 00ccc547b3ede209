"""The Flask bridge: web chat now, Messenger and Zalo webhooks next, one queue."""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path

from flask import Flask, jsonify
from waitress import create_server

from bot.logs import log_event
from bot.queue import ConversationQueue
from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.turns import TurnProcessor
from bot.webchat import bp as webchat_bp
from connectors import webchat

logger = logging.getLogger("bot.bridge")
STATIC = Path(__file__).resolve().parent / "static"


def build_queue(settings: Settings) -> ConversationQueue:
    rasa = RasaClient(settings.rasa_url, settings.action_url, settings.rasa_timeout)
    turns = TurnProcessor(rasa, partial(webchat.deliver, settings.database_url))
    return ConversationQueue(settings.database_url, settings.queue_db, turns)


def create_app(settings: Settings, queue: ConversationQueue | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config.update(
        DATABASE_URL=settings.database_url,
        QUEUE=queue or build_queue(settings),
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.register_blueprint(webchat_bp)

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.errorhandler(413)
    def too_large(_error):
        return jsonify({"error": "Nội dung gửi lên quá lớn."}), 413

    return app


def serve(settings: Settings) -> None:
    """Serve HTTP in a thread; the huey consumer owns the main thread and signals."""
    queue = build_queue(settings)
    app = create_app(settings, queue)
    server = create_server(
        app, host=settings.host, port=settings.bridge_port, threads=8
    )
    threading.Thread(target=server.run, name="http", daemon=True).start()
    resumed = queue.resume()
    log_event(
        logger,
        logging.INFO,
        "bridge_started",
        url=f"http://{settings.host}:{settings.bridge_port}",
        workers=settings.workers,
        resumed=resumed,
    )
    try:
        queue.consumer(settings.workers).run()
    finally:
        server.close()
        log_event(logger, logging.INFO, "bridge_stopped")
