"""The migrations build exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.bridge.store import records  # noqa: F401  (registers the bridge's tables)
from bot.club.database import get_engine
from bot.club.models import Base
from bot.console import rows  # noqa: F401  (registers the console's tables)
from bot.ops import model_rows  # noqa: F401  (registers the model registry's tables)
from bot.reports import ledger  # noqa: F401  (registers the bank ledger's tables)


def test_migrated_schema_matches_the_models(db_url):
    with get_engine(db_url).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
