"""Invoice Portal: the command line (serve, migrate, demo, create-user, backup, restore, audit verify) and app
wiring."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from data.migrate import schema_is_current, upgrade_to_head
from services.auth.login import prepare_sign_in
from services.config.runtime import Runtime, start_runtime
from services.config.settings import Settings, get_settings
from services.demo.dataset import database_has_customers, demo_logins, load_demo
from services.demo.options import DEFAULT_DEMO_PASSWORD, DemoOptions
from services.errors import InvalidInput, PortalError


def create_app(settings: Settings, engine: sa.Engine | None = None) -> Runtime:
    """The portal for `settings` (on `engine`, or a new one) wired onto NiceGUI's app; its runtime."""
    runtime = start_runtime(settings, engine)
    wire_app(runtime)
    return runtime


def wire_app(runtime: Runtime) -> None:
    """Put `runtime` (settings, engine, secret key, live events) on NiceGUI's app with the pages, the
    HTTP routes and middleware, and the live-event relay between processes.

    Importing this module changes nothing; NiceGUI itself is first imported here, because with
    PORTAL_REDIS_URL its storage must be told to use Redis before that import."""
    redis_url = runtime.settings.redis_url
    if redis_url:
        if "nicegui" in sys.modules and os.environ.get("NICEGUI_REDIS_URL") != redis_url:
            raise RuntimeError("NiceGUI was imported before create_app, so its storage cannot move to Redis")
        os.environ["NICEGUI_REDIS_URL"] = redis_url  # NiceGUI reads it once, when imported
    from nicegui import app

    from components.theme import STYLESHEET, STYLESHEET_URL
    from pages import register_pages
    from routes import register_routes

    app.state.runtime = runtime
    # Revalidated on every load (a 304 while unchanged), so a new release's classes apply at once.
    app.add_static_file(local_file=STYLESHEET, url_path=STYLESHEET_URL, max_cache_age=0)
    app.state.shared_reads = {}  # web.shared_reads: results of the runtime wired before are stale
    prepare_sign_in()
    register_pages()
    register_routes(app)
    if redis_url:
        from services.live_events import RedisRelay

        relay = RedisRelay(redis_url, runtime.events)
        app.on_startup(relay.start)
        app.on_shutdown(relay.stop)


def serve(runtime: Runtime, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the app `create_app` wired (returns at once under NiceGUI's test simulation)."""
    from nicegui import ui

    from components.theme import BRAND_NAME

    ui.run(
        host=host or runtime.settings.host,
        port=port or runtime.settings.port,
        title=BRAND_NAME,
        favicon="🧾",
        language="en-US",
        reload=False,
        show=False,
        storage_secret=runtime.secret_key,
        # NiceGUI's own browser-id cookie: never proof of login (the session table is), but keep it tight.
        # Lives no longer than a portal session may (session_absolute_hours).
        session_middleware_kwargs={"session_cookie": "portal_ui", "same_site": "strict",
                                   "max_age": runtime.settings.session_absolute_hours * 3600,
                                   "https_only": (runtime.settings.public_url or "").startswith("https://")},
        show_welcome_message=False,
        tailwind=False,  # web/static/tailwind.css holds the pages' classes, built by `make css`
        fastapi_docs=True,  # /docs and /openapi.json (the ledger API); for signed-in staff only
        uvicorn_logging_level="warning",
        # X-Forwarded-For/-Proto count only from the proxies the operator names (uvicorn would trust
        # 127.0.0.1 by default: anything on the host could claim any client address).
        proxy_headers=bool(runtime.settings.trusted_proxies),
        forwarded_allow_ips=runtime.settings.trusted_proxies or "",
    )


def _print_demo_logins(runtime: Runtime, password_hint: str) -> None:
    with runtime.unit_of_work() as session:
        logins = demo_logins(session)
    if not logins:
        return
    print(f"\nDemo logins (password: {password_hint}):")
    for login in logins:
        where = f" at {login.customer}" if login.customer else " (staff)"
        print(f"  {login.email:<34} {login.role.value}{where}")
    print("The first sign-in of each user sets up an authenticator app (TOTP).\n", flush=True)


def command_serve(settings: Settings, args: argparse.Namespace) -> int:
    runtime = start_runtime(settings)
    if not schema_is_current(runtime.engine):
        print("The database schema is not current: run `python portal.py migrate` first.", file=sys.stderr)
        return 2
    if args.demo:
        with runtime.unit_of_work() as session:
            empty = not database_has_customers(session)
        if empty:
            print("Loading demo data into the empty portal …", flush=True)
            load_demo(runtime.engine, DemoOptions(), runtime.secret_key)
        _print_demo_logins(runtime, f"{DEFAULT_DEMO_PASSWORD}, unless the demo was loaded with --password")
    host, port = args.host or settings.host, args.port or settings.port
    runtime = create_app(settings, runtime.engine)
    from nicegui import app

    from services.operations.background import start_background_jobs

    local_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    def start_jobs() -> None:
        scheduler, leadership = start_background_jobs(runtime, demo_ledger_url=local_url if args.demo else None)

        def stop_jobs() -> None:
            scheduler.shutdown(wait=False)
            leadership.give_up()  # a clean stop hands the jobs over at once

        app.on_shutdown(stop_jobs)

    app.on_startup(start_jobs)
    print(f"Invoice Portal serves http://{host}:{port}  (Ctrl+C stops it)", flush=True)
    serve(runtime, host=host, port=port)
    return 0


def command_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    runtime = start_runtime(settings)
    upgrade_to_head(runtime.engine)
    print(f"Database is current: {runtime.engine.url.render_as_string(hide_password=True)}")
    return 0


def command_demo(settings: Settings, args: argparse.Namespace) -> int:
    runtime = start_runtime(settings)
    if not schema_is_current(runtime.engine):
        upgrade_to_head(runtime.engine)
    options = DemoOptions(customers=args.customers, invoices=args.invoices, seed=args.seed,
                          password=args.password, **({"as_of": args.as_of} if args.as_of else {}))
    started = time.perf_counter()
    summary = load_demo(runtime.engine, options, runtime.secret_key)
    seconds = time.perf_counter() - started
    print(f"Loaded {summary.customers:,} customers, {summary.invoices:,} invoices, {summary.lines:,} lines and "
          f"{summary.payments:,} payments in {seconds:.1f} s.")
    _print_demo_logins(runtime, args.password)
    return 0


def command_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from data import Role
    from services.auth.users import create_user

    runtime = start_runtime(settings)
    password = _read_new_password()
    with runtime.unit_of_work() as session:
        user = create_user(session, email=args.email, role=Role(args.role), password=password,
                           customer_ref=args.customer, display_name=args.name or "")
    print(f"Created {user.role.value} {user.email}. The first sign-in sets up the authenticator app.")
    return 0


def _read_new_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise InvalidInput("the two passwords differ")
    return first


def command_backup(settings: Settings, args: argparse.Namespace) -> int:
    from services.operations.backup import backup_database

    runtime = start_runtime(settings)
    path = backup_database(runtime.engine, Path(args.path))
    print(f"Backup written to {path} ({path.stat().st_size:,} bytes)")
    return 0


def command_restore(settings: Settings, args: argparse.Namespace) -> int:
    from services.operations.backup import require_secret_key, restore_database

    require_secret_key(settings)  # before start_runtime, which would generate a new (wrong) key
    runtime = start_runtime(settings)
    summary = restore_database(runtime.engine, Path(args.backup))
    print(f"Backup checked and restored into {summary.target}: {summary.customers:,} customers, "
          f"{summary.invoices:,} invoices.")
    from services.audit.checkpoints import record_restore

    with runtime.unit_of_work() as db:
        # The rows written since the backup are gone on purpose: checkpoints count anew from here
        # (the earlier ones stay in the file, so the restore and what it dropped stay on record).
        record_restore(db, settings, runtime.secret_key)
    if not schema_is_current(runtime.engine):
        print("The backup is from an older version: run `python portal.py migrate` before `serve`.")
    code = command_audit_verify(settings, args)
    if code != 0:
        print("If the backup itself is sound, this is not the backed-up portal's secret key: restore its "
              "secret_key file (or PORTAL_SECRET_KEY).", file=sys.stderr)
    return code


def command_ledger_secret(settings: Settings, _args: argparse.Namespace) -> int:
    from services.config.settings import ledger_webhook_secret

    runtime = start_runtime(settings)
    print(ledger_webhook_secret(settings, runtime.secret_key))
    return 0


def command_audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    from services.audit.checkpoints import checkpoint_path, verify_trail

    runtime = start_runtime(settings)
    with runtime.unit_of_work() as db:
        verdict = verify_trail(db, settings, runtime.secret_key)
    if verdict.intact:
        print(f"Audit trail intact: {verdict.chain.rows_checked:,} rows verified; it matches its "
              f"{verdict.checkpoints.checkpoints:,} checkpoint(s) in {checkpoint_path(settings)}, and a new one "
              "was written.")
        return 0
    print("Audit trail TAMPERED: " + "; ".join(verdict.problems()) + ".", file=sys.stderr)
    return 1


def command_move_to(settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from data.db import create_db_engine
    from services.audit.chain import verify_audit_chain
    from services.operations.database_move import move_database

    runtime = start_runtime(settings)
    target = create_db_engine(args.url)
    summary = move_database(runtime.engine, target)
    with Session(target) as db:
        verdict = verify_audit_chain(db, runtime.secret_key)
    target_name = target.url.render_as_string(hide_password=True)
    target.dispose()
    print(f"Moved {summary.total:,} rows into {target_name} "
          f"({summary.rows.get('invoice', 0):,} invoices, {summary.rows.get('audit_event', 0):,} audit rows; "
          f"audit chain {'intact' if verdict.intact else 'BROKEN at row ' + str(verdict.first_bad_seq)}).")
    print("Stop the portal, set PORTAL_DATABASE_URL to the new database (keep the same secret key), start it.")
    return 0 if verdict.intact else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal.py", description="Invoice Portal: self-service invoice access.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the portal over HTTP")
    serve.add_argument("--host", help="address to bind (default PORTAL_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORTAL_PORT or 8080)")
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty portal first")
    serve.set_defaults(handler=command_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(handler=command_migrate)

    demo = commands.add_parser("demo", help="load demo customers, invoices and logins into an empty portal")
    demo.add_argument("--customers", type=int, default=12, help="number of customers (default 12)")
    demo.add_argument("--invoices", type=int, default=2_400, help="number of invoices (default 2400)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed; same seed, same data")
    demo.add_argument("--password", default=DEFAULT_DEMO_PASSWORD, help="password of every demo user")
    demo.add_argument("--as-of", type=date.fromisoformat, help="the demo's 'today' (YYYY-MM-DD)")
    demo.set_defaults(handler=command_demo)

    create_user = commands.add_parser("create-user", help="create a user; reads the password from a prompt or stdin")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--role", required=True, choices=["owner", "accountant", "viewer", "admin", "support"])
    create_user.add_argument("--customer", help="customer reference (for owner, accountant and viewer)")
    create_user.add_argument("--name", help="display name")
    create_user.set_defaults(handler=command_create_user)

    ledger_secret = commands.add_parser("ledger-secret", help="print the secret the ledger signs pushed events with")
    ledger_secret.set_defaults(handler=command_ledger_secret)

    backup = commands.add_parser("backup", help="write a consistent copy of the database to PATH")
    backup.add_argument("path", help="new file to write")
    backup.set_defaults(handler=command_backup)

    restore = commands.add_parser("restore", help="restore a backup into the configured new, empty database")
    restore.add_argument("backup", help="a file written by `backup`")
    restore.set_defaults(handler=command_restore)

    move_to = commands.add_parser("move-to", help="copy the whole portal into another, empty database (e.g. PostgreSQL)")
    move_to.add_argument("url", help="SQLAlchemy URL of the new database, e.g. postgresql+psycopg://user@host/portal")
    move_to.set_defaults(handler=command_move_to)

    audit = commands.add_parser("audit", help="work with the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    audit_verify = audit_commands.add_parser("verify", help="check the hash chain; name the first tampered row")
    audit_verify.set_defaults(handler=command_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(get_settings(), args)
    except PortalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ in {"__main__", "__mp_main__"}:
    sys.exit(main())
