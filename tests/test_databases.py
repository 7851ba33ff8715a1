"""Which tests run on which database: what checks the database runs on SQLite and on PostgreSQL,
and a test marked `sqlite_only` on SQLite alone (tests/conftest.py)."""

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).parent.parent
ON_BOTH = ["tests/db", "tests/api/test_tenancy.py", "tests/api/test_intake.py", "tests/web/test_dashboard.py"]
MARKED = ["tests/web/test_queue_page.py", "tests/workflows/test_complaint_paths.py"]


def collected(*paths: str) -> dict[str, set[str]]:
    """Each collected test's databases, by its name without them."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    databases: dict[str, set[str]] = defaultdict(set)
    for line in done.stdout.splitlines():
        if found := re.fullmatch(r"(tests/\S+?)\[(sqlite|postgresql)\]", line.strip()):
            databases[found.group(1)].add(found.group(2))
    return databases


def test_what_checks_the_database_runs_on_both_and_a_marked_test_on_sqlite_alone() -> None:
    databases = collected(*ON_BOTH, *MARKED)  # one collection: it imports the whole project
    both = {test: d for test, d in databases.items() if test.startswith(tuple(ON_BOTH))}
    assert len(both) > 30 and all(d == {"sqlite", "postgresql"} for d in both.values()), both
    marked = {test: d for test, d in databases.items() if test.startswith(tuple(MARKED))}
    assert len(marked) > 10 and all(d == {"sqlite"} for d in marked.values()), marked
