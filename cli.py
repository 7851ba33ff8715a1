"""`aftersales`: run the whole system on one machine, or one part of it.

aftersales run       Temporal dev server, migrations, demo accounts, workers and API; Ctrl-C stops all
aftersales migrate   bring the database to the newest schema
aftersales seed      create the demo enterprises, agencies and accounts; print their credentials
aftersales worker [cases|deliveries]   the worker alone (both parts, or one)
aftersales check [--replay [--keep FOLDER]]   compare every case's workflow with the read model
                     (and replay every workflow's history with this code, writing each that does
                     not replay to FOLDER); exits 1 on a difference
aftersales api [--fd N]   the API alone (on its port, or on a socket it is given)
aftersales import FILE   record a hotline or platform export's complaints (CSV or XLSX; see --help)
aftersales simulate  what-if: generated complaints through the real workflows (see --help)
aftersales verify-archive [--head HASH]   check the history archive's chain (and that it still
                     holds a head printed before); exits 1 if it was altered
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from db import archive
from db.migrate import upgrade
from db.seed import seed_demo
from db.session import Database
from domain.imports import load_mapping, template
from processes import Supervisor, run_loop
from settings import Settings
from workflows import search_attributes as sa

# The dev server's state file written ahead (WAL) and synced at its checkpoints: a process killed
# loses nothing committed, and a write does not make, sync and delete a journal file of its own.
DEV_SERVER_PRAGMAS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with code {process.returncode} while starting")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not open port {port} within {timeout:.0f} s")


def _temporal_binary() -> str:
    path = Path(sys.executable).parent / "temporal"
    if not path.exists():
        raise SystemExit("the temporal CLI is missing: install the project (pip install -e .) first")
    return str(path)


def _seed(settings: Settings) -> dict[str, dict[str, str]]:
    async def go() -> dict[str, dict[str, str]]:
        db = Database(settings.database)
        try:
            return await seed_demo(db, settings.data_dir / "demo-accounts.json")
        finally:
            await db.dispose()

    return asyncio.run(go())


def run(settings: Settings) -> int:
    data = settings.data_dir.resolve()
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    host = "127.0.0.1"
    wanted = [(settings.api_port, "AFTERSALES_API_PORT")]
    if not settings.temporal_address:
        wanted += [
            (settings.temporal_port, "AFTERSALES_TEMPORAL_PORT"),
            (settings.temporal_ui_port, "AFTERSALES_TEMPORAL_UI_PORT"),
        ]
    sink = not settings.smtp_host and settings.environment == "development"
    if sink:
        wanted.append((settings.mail_sink_port, "AFTERSALES_MAIL_SINK_PORT"))
    for port, variable in wanted:
        if not _port_free(host, port):
            raise SystemExit(f"port {port} is in use: stop what holds it, or set {variable}")

    # Every process writes its metrics into one folder, which the API's /metrics reads whole.
    metrics = data / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "AFTERSALES_DATA_DIR": str(data),
        "AFTERSALES_DATABASE_URL": settings.database,
        "AFTERSALES_TEMPORAL_ADDRESS": settings.temporal,
        "PYTHONUNBUFFERED": "1",
    }
    services = Supervisor(logs)
    listener: socket.socket | None = None
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if not settings.temporal_address:
            print(f"Starting Temporal dev server (state in {data / 'temporal.db'}) ...", flush=True)
            temporal = services.start(
                "temporal",
                [
                    _temporal_binary(),
                    "server",
                    "start-dev",
                    "--ip",
                    host,
                    "--port",
                    str(settings.temporal_port),
                    "--ui-port",
                    str(settings.temporal_ui_port),
                    "--db-filename",
                    str(data / "temporal.db"),
                    "--namespace",
                    settings.temporal_namespace,
                    "--log-level",
                    "warn",
                    *DEV_SERVER_PRAGMAS,
                    *sa.cli_flags(),
                ],
                env,
            )
            _wait_for_port(host, settings.temporal_port, temporal, "the Temporal dev server", 60)
        if sink:
            # No SMTP server is configured: the mail is received here, and shown to the admins.
            mail = services.start(
                "mail",
                [
                    sys.executable,
                    "-m",
                    "delivery.sink",
                    "--port",
                    str(settings.mail_sink_port),
                    "--dir",
                    str(settings.mail_dir.resolve()),
                ],
                env,
            )
            _wait_for_port(host, settings.mail_sink_port, mail, "the mail sink", 30)
            env |= {
                "AFTERSALES_SMTP_HOST": host,
                "AFTERSALES_SMTP_PORT": str(settings.mail_sink_port),
                "AFTERSALES_SMTP_SECURITY": "plain",
            }
        if settings.sms_gateway == "none" and settings.environment == "development":
            env["AFTERSALES_SMS_GATEWAY"] = "file"  # text messages kept in data/sms.jsonl
        print("Migrating the database ...", flush=True)
        upgrade(settings.database)
        accounts = _seed(settings) if settings.demo_accounts else {}
        # The development secrets, made here before the worker and the API would race to make them.
        settings.secret  # noqa: B018
        settings.payload_keys_text()
        print("Starting the workers and the API ...", flush=True)
        # The deliveries' worker in a process of its own: e-mails are rendered and sent, and
        # their attempts written, on a processor the cases' clocks do not wait for.
        # A worker does not go on with the workflows it holds across a restart of the dev server
        # (processes.py): it is stopped with it and started again after it.
        server = "" if settings.temporal_address else "temporal"
        cases = [sys.executable, "-m", "worker", "cases"]
        for n in range(1, settings.workers + 1):
            services.start(_numbered("worker", n), cases, env, follows=server)
        services.start("delivery", [sys.executable, "-m", "worker", "deliveries"], env, follows=server)
        # The API's processes share one listening socket, held here: a restarted process takes
        # up the connections waiting on it, and none is refused meanwhile.
        listener = socket.create_server((settings.api_host, settings.api_port), backlog=2048)
        listener.set_inheritable(True)
        for n in range(1, settings.api_processes + 1):
            api = services.start(
                _numbered("api", n),
                [sys.executable, "-m", "cli", "api", "--fd", str(listener.fileno())],
                env,
                pass_fds=[listener.fileno()],
            )
        _wait_for_port(settings.api_host, settings.api_port, api, "the API", 60)
        _wait_healthy(f"http://{settings.api_host}:{settings.api_port}/api/health", api)
        _welcome(settings, accounts, logs)
        while not stopping:
            services.watch()
            time.sleep(0.5)
        print("\nStopping ...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        services.stop()
        if listener is not None:
            listener.close()


def _numbered(name: str, n: int) -> str:
    return name if n == 1 else f"{name}-{n}"


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=2) as client:  # one for every try: a new one loads the CA bundle
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the API exited with code {process.returncode} while starting")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
    raise SystemExit(f"the API did not answer {url}")


def _welcome(settings: Settings, accounts: dict[str, dict[str, str]], logs: Path) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    ui = (
        f"http://127.0.0.1:{settings.temporal_ui_port}"
        if not settings.temporal_address
        else "(external Temporal)"
    )
    if settings.smtp_host:
        mail = f"by {settings.smtp_host}:{settings.smtp_port}"
    elif settings.environment == "development":
        mail = f"kept by the local sink in {settings.mail_dir.resolve()}, shown at {api}/staff/deliveries"
    else:
        mail = "none (set AFTERSALES_SMTP_HOST)"
    if settings.sms_gateway == "http":
        sms = f"by the gateway at {settings.sms_url}"
    elif settings.environment == "development" or settings.sms_gateway == "file":
        sms = f"kept in {settings.sms_file.resolve()}, shown at {api}/staff/deliveries"
    else:
        sms = "none (set AFTERSALES_SMS_GATEWAY)"
    lines = [
        "",
        "Aftersales Supervision is running.",
        f"  Web pages        {api}/   (file a complaint; staff sign in at {api}/sign-in)",
        f"  API docs         {api}/docs",
        f"  Temporal Web UI  {ui}",
        f"  Temporal         {settings.temporal}  (namespace {settings.temporal_namespace})",
        f"  Mail             {mail}",
        f"  SMS              {sms}",
        f"  Database         {settings.database}",
        f"  Logs             {logs}",
    ]
    if accounts:
        wide = max(len(name) for name in accounts)
        lines += [
            "",
            "Demo accounts: sign in on the pages or with POST /api/auth/login, or send "
            "'Authorization: Bearer <API key>'",
            f"  {'username':<{wide}} {'password':<18} API key",
        ]
        lines += [f"  {name:<{wide}} {c['password']:<18} {c['api_key']}" for name, c in accounts.items()]
        lines += [f"  (kept in {settings.data_dir.resolve() / 'demo-accounts.json'})"]
    lines += ["", "Press Ctrl-C to stop; run again to resume every open case.", ""]
    print("\n".join(lines), flush=True)


def _verify_archive(settings: Settings, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="aftersales verify-archive")
    parser.add_argument(
        "--head", help="a head an earlier verification printed: it must still be in the chain"
    )
    args = parser.parse_args(argv)

    async def go() -> archive.ChainReport:
        db = Database(settings.database)
        try:
            async with db.sessions() as session:
                return await archive.verify(session, args.head)
        finally:
            await db.dispose()

    report = asyncio.run(go())
    state = "the chain is intact" if report.intact else "ALTERED:"
    print(f"{report.entries} entries, head {report.head}; {state}")
    for problem in report.problems:
        print(f"  {problem}")
    return 0 if report.intact else 1


def _check(settings: Settings, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="aftersales check")
    parser.add_argument(
        "--settle",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to keep asking about a case that differs, while its steps are on their way",
    )
    parser.add_argument(
        "--replay",
        action="store_true",
        help="also replay every workflow's history, running or closed, with this code's workflows",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FOLDER",
        help="with --replay: write each history that does not replay to this folder, as JSON",
    )
    args = parser.parse_args(argv)
    from services import consistency
    from temporal_client import connect

    async def go() -> consistency.Consistency:
        db = Database(settings.database)
        try:
            queues = (settings.task_queue, settings.delivery_task_queue) if args.replay else ()
            return await consistency.check(
                db,
                await connect(settings),
                settings.task_queue,
                settle_seconds=args.settle,
                replay=queues,
                keep=args.keep,
            )
        finally:
            await db.dispose()

    report = asyncio.run(go())
    print(
        f"{report.cases} cases and {report.enterprises} enterprises compared with the read model: "
        + ("they agree" if report.agrees else f"{len(report.differences)} differences")
    )
    if args.replay:
        print(f"{report.replayed} workflow histories replayed with this code's workflows")
    for difference in report.differences:
        print(f"  {difference.subject}: {difference.detail}")
    return 0 if report.agrees else 1


def _import(settings: Settings, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="aftersales import",
        description="Record each row of a hotline or platform export (CSV in UTF-8 or GB18030, or "
        "XLSX) as a complaint, as an intake clerk would. Importing the same rows again creates "
        "nothing new, so an interrupted import is resumed by running it again. Exits 1 if any "
        "row was refused.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--mapping", type=Path, help="a mapping file (TOML) for another export")
    parser.add_argument("--dry-run", action="store_true", help="check every row; create nothing")
    parser.add_argument(
        "--clerk", default="", metavar="USERNAME", help="the intake clerk's account the cases are recorded by"
    )
    parser.add_argument(
        "--errors", type=Path, metavar="CSV", help="where the refused rows are written (FILE.errors.csv)"
    )
    args = parser.parse_args(argv)
    from services import imports as bulk
    from services.import_files import Table

    try:
        mapping = load_mapping(args.mapping.read_text("utf-8")) if args.mapping else template()
        table = Table(args.file)
        bulk.check_headings(table, mapping)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    return asyncio.run(_imported(settings, args, mapping, table))


async def _imported(settings: Settings, args: argparse.Namespace, mapping: Any, table: Any) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from services import imports as bulk
    from services.errors import ServiceError
    from temporal_client import connect

    db = Database(settings.database)
    problems: list[bulk.Problem] = []
    try:
        recorder = await _clerk(db, args.clerk)
        temporal = None if args.dry_run else await connect(settings)
        importer = bulk.Importer(db, temporal, settings, recorder, mapping, dry_run=args.dry_run)
        total = table.count()
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
        ) as bar:
            task = bar.add_task("checking" if args.dry_run else "importing", total=total)

            async def told(tally: bulk.Tally, found: list[bulk.Problem], _mark: bulk.Mark) -> None:
                problems.extend(found)
                bar.update(task, completed=tally.done)

            tally = await importer.run(table, resume=bulk.Mark(0, bulk.Tally(total=total)), progress=told)
    except ServiceError as exc:  # Temporal out of reach, say: what was done stays done
        print(f"stopped: {exc.reason}; run the same import again to go on", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    made = "would be created" if args.dry_run else "created"
    print(f"{tally.done} rows: {tally.created} {made}, {tally.already} already imported, ", end="")
    print(f"{tally.refused} refused")
    if problems:
        report = args.errors or args.file.with_name(args.file.name + ".errors.csv")
        with report.open("w", encoding="utf-8", newline="") as out:
            out.writelines(bulk.problem_report(sorted(problems, key=lambda p: (p.row, p.field))))
        print(f"the refused rows, with each field and reason: {report}")
    return 1 if tally.refused else 0


async def _clerk(db: Database, username: str) -> Any:
    """The account the cases are recorded by; without one, the import itself as an intake clerk."""
    from sqlalchemy import select

    from db.models import Account
    from domain.enums import Role
    from domain.messages import Actor
    from services.intake import RECORDING_ROLES

    if not username:
        return Actor(id="import", role=Role.CLERK, name="bulk import")
    async with db.sessions() as session:
        account = await session.scalar(select(Account).where(Account.username == username, Account.active))
    if account is None:
        raise SystemExit(f"--clerk: no active account {username!r}")
    if Role(account.role) not in RECORDING_ROLES:
        raise SystemExit(
            f"--clerk: {username!r} is a {account.role}'s account; complaints are recorded by clerks"
        )
    return Actor(id=account.id, role=Role(account.role), name=account.display_name)


def _api(settings: Settings, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="aftersales api")
    parser.add_argument(
        "--fd", type=int, help="serve on this listening socket (one `aftersales run` holds and shares)"
    )
    args = parser.parse_args(argv)
    import uvicorn

    from telemetry import configure_logging, watch_collector

    # The client's address behind a proxy is the application's to read (api/core/proxies.py),
    # from the proxies the settings trust, the same under any server.
    configure_logging("api", style=settings.log_style)
    watch_collector()
    config = uvicorn.Config(
        "application:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        proxy_headers=False,
        log_config=None,  # the process's logging, structured (telemetry.py)
        access_log=False,  # each request is logged once, with its route and request id (api/core/observe.py)
    )
    server = uvicorn.Server(config)
    run_loop(server.serve(sockets=None if args.fd is None else [socket.socket(fileno=args.fd)]))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aftersales", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command",
        choices=["run", "migrate", "seed", "worker", "api", "check", "import", "simulate", "verify-archive"],
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "simulate":
        import simulation

        return simulation.main(rest)
    if args.command == "verify-archive":
        return _verify_archive(Settings(), rest)
    if args.command == "worker":
        import worker

        worker.run(worker.part_of(rest))
        return 0
    if args.command == "api":
        return _api(Settings(), rest)
    if args.command == "check":
        return _check(Settings(), rest)
    if args.command == "import":
        return _import(Settings(), rest)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    settings = Settings()
    if args.command == "run":
        return run(settings)
    if args.command == "migrate":
        upgrade(settings.database)
        print(f"{settings.database}: up to date")
    elif args.command == "seed":
        print(json.dumps(_seed(settings), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
