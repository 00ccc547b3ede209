"""Alembic environment: migrations on the URL set by `bot.ops.schema.alembic_config`."""

from alembic import context
from sqlalchemy import create_engine

from bot.bridge.store import records  # noqa: F401  (registers the bridge's tables)
from bot.club.models import Base
from bot.console import rows  # noqa: F401  (registers the console's tables)
from bot.ops import model_rows  # noqa: F401  (registers the model registry's tables)
from bot.reports import ledger  # noqa: F401  (registers the bank ledger's tables)

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), future=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
