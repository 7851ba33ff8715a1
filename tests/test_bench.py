"""The page benchmark runs: every page answers with a full read model (its figures are for
people to read, in the README; nothing here is timed)."""

from bench.pages import run, table
from db.session import Database
from settings import Settings


async def test_the_page_benchmark_measures_every_page(settings: Settings, db: Database) -> None:
    figures = await run(settings, db, cases=300, rounds=2)
    assert len(figures) == 11 and all(f.p50_ms > 0 for f in figures)
    assert "| case page (enterprise) |" in table(figures, 300, 2, "SQLite")
