"""Command line: ``flask --app cat_survey <command>``.

One group per noun (``surveys``, ``departments``, ``users``) plus the top-level
``init-db``, ``seed-demo`` and ``import-responses``. Each command wraps an importable
function, prints with ``click.echo`` and fails with a ``ClickException`` (exit
status 1).
"""

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from analysis.catalog import CatalogError
from cat_survey.campaigns.commands import campaigns_cli
from cat_survey.catalog import load_departments, load_survey_file
from cat_survey.db import MIGRATIONS_DIR, db
from cat_survey.definitions import DefinitionError, load_definition, survey_files
from cat_survey.domain.accounts import (
    AccountError,
    create_user,
    set_active,
    set_password,
)
from cat_survey.domain.responses import active_survey
from cat_survey.domain.signed_links import SignedLinkError, signed_link_url
from cat_survey.invitations import (
    InvitationFileError,
    create_invitations,
    links_csv,
    read_customer_csv,
)
from cat_survey.models import Role, User
from cat_survey.privacy import erase_customer, export_customer, retain
from cat_survey.reports.imports import (
    ImportFileError,
    import_responses,
    parse_mapping,
)

surveys_cli = AppGroup("surveys", help="Check and load survey definitions.")
departments_cli = AppGroup("departments", help="Load the department catalog.")
users_cli = AppGroup("users", help="Manage staff accounts.")
invitations_cli = AppGroup("invitations", help="Create personal survey links.")
privacy_cli = AppGroup("privacy", help="Export, erase or age out personal data.")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's ``flask`` command."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_responses_command)
    app.cli.add_command(analyze_command)
    app.cli.add_command(notify_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(departments_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(privacy_cli)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade(directory=str(MIGRATIONS_DIR))
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def definition_paths(paths: tuple[str, ...]) -> list[Path]:
    """The files named, or every survey file of the configured folder."""
    if paths:
        return [Path(path) for path in paths]
    found = survey_files(current_app.config["SURVEYS_DIR"])
    if not found:
        raise click.ClickException(
            f"no survey files in {current_app.config['SURVEYS_DIR']}"
        )
    return found


@surveys_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
def surveys_check(paths: tuple[str, ...]) -> None:
    """Validate survey files; list every problem and exit 1 if there is any."""
    problems = 0
    for path in definition_paths(paths):
        try:
            definition = load_definition(path)
        except DefinitionError as error:
            problems += len(error.problems)
            for problem in error.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"ok  {path} ({len(definition.questions)} questions)")
    if problems:
        raise click.ClickException(f"{problems} problem(s) found")


@surveys_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
def surveys_load(paths: tuple[str, ...]) -> None:
    """Store survey files; a changed file becomes a new version."""
    for path in definition_paths(paths):
        try:
            result = load_survey_file(path)
        except DefinitionError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        state = "new version" if result.created else "unchanged"
        click.echo(f"{result.slug}: version {result.version} ({state})")
    db.session.commit()


@surveys_cli.command("sign-link")
@click.argument("slug")
@click.option(
    "--hidden",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="A hidden field the link vouches for, e.g. customer_ref=C-1001 (repeat).",
)
@click.option(
    "--expires-days", default=30, show_default=True, type=click.IntRange(1, 3650)
)
def surveys_sign_link(slug: str, fields: tuple[str, ...], expires_days: int) -> None:
    """Print a public link whose hidden fields (the customer's identity) are signed."""
    survey = active_survey(slug)
    if survey is None:
        raise click.ClickException(f"no active survey {slug!r}; run 'surveys load'")
    try:
        url, expires_at = signed_link_url(
            survey,
            fields,
            expires_days=expires_days,
            secret_key=current_app.config["SECRET_KEY"],
            base_url=current_app.config["BASE_URL"],
        )
    except SignedLinkError as error:
        raise click.ClickException(str(error)) from error
    click.echo(url)
    click.echo(f"expires {expires_at:%Y-%m-%d %H:%M} UTC", err=True)


@departments_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--overwrite-web-edits",
    is_flag=True,
    help="Also replace names and descriptions an admin edited at /admin.",
)
def departments_load(path: str | None, overwrite_web_edits: bool) -> None:
    """Create or update departments from the catalog file."""
    path = path or current_app.config["DEPARTMENTS_FILE"]
    try:
        result = load_departments(path, overwrite_web_edits=overwrite_web_edits)
    except CatalogError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    kept = f", {result.kept_web_edits} web edits kept" if result.kept_web_edits else ""
    click.echo(
        f"departments: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged{kept}"
    )


@users_cli.command("create")
@click.argument("email")
@click.option("--name", help="Display name (defaults to the e-mail's local part).")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--department", help="Department slug; required for advocates.")
@click.password_option(help="Prompted for when not given.")
def users_create(
    email: str, name: str | None, role: str, department: str | None, password: str
) -> None:
    """Create a staff account."""
    if role == Role.ADVOCATE and not department:
        raise click.ClickException("an advocate needs --department")
    try:
        user = create_user(
            email, password, role=role, name=name, department_slug=department
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    where = f" in {department}" if department else ""
    click.echo(f"created {user.role} {user.email}{where}")


def staff_account(email: str) -> User:
    """The staff account with this e-mail; a ClickException when there is none."""
    address = email.strip().lower()
    user = db.session.scalar(db.select(User).filter_by(email=address))
    if user is None:
        raise click.ClickException(f"no account {address}")
    return user


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="Prompted for when not given.")
def users_set_password(email: str, password: str) -> None:
    """Give an account a new password (the same policy as everywhere)."""
    user = staff_account(email)
    try:
        set_password(user, password, actor=None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"new password set for {user.email}; its open sessions ended")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop an account from signing in and end its open sessions."""
    user = staff_account(email)
    if not set_active(user, False, actor=None):
        click.echo(f"{user.email} was already deactivated")
        return
    db.session.commit()
    click.echo(f"deactivated {user.email}; its open sessions ended")


@invitations_cli.command("create")
@click.option("--survey", "slug", required=True, help="Survey slug.")
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Customers: ref, email, name and any hidden fields.",
)
@click.option("--expires-days", default=60, show_default=True, type=click.IntRange(1))
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the links CSV (default: standard output).",
)
@click.option(
    "--new",
    "force_new",
    is_flag=True,
    help="Make new links even for customers whose earlier link is still open.",
)
def invitations_create(
    slug: str, csv_path: str, expires_days: int, output: str | None, force_new: bool
) -> None:
    """Make single-use links for the customers of a CSV file.

    Customers who already hold an open (unused, unexpired) link keep it, unless
    ``--new`` is given.
    """
    survey = active_survey(slug)
    if survey is None:
        raise click.ClickException(f"no active survey {slug!r}; run 'surveys load'")
    try:
        rows = read_customer_csv(Path(csv_path).read_bytes(), csv_path)
    except InvitationFileError as error:
        raise click.ClickException(str(error)) from error
    batch = create_invitations(
        survey, rows, expires_days=expires_days, reuse_open=not force_new
    )
    db.session.commit()
    links = links_csv(batch.invitations, current_app.config["BASE_URL"])
    if output:
        Path(output).write_text(links, encoding="utf-8")
    else:
        click.echo(links, nl=False)
    for refused in batch.refused:
        click.echo(f"{csv_path}:{refused.line}: refused: {refused.reason}", err=True)
    click.echo(
        f"{len(batch.created)} invitation(s) created, {len(batch.reused)} open "
        f"invitation(s) reused, {len(batch.refused)} row(s) refused",
        err=True,
    )


@privacy_cli.command("export")
@click.option("--customer-ref", "ref", required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True))
def privacy_export(ref: str, output: str | None) -> None:
    """Write everything stored about one customer as JSON."""
    data = json.dumps(export_customer(ref), ensure_ascii=False, indent=2)
    if output:
        Path(output).write_text(data + "\n", encoding="utf-8")
    else:
        click.echo(data)


@privacy_cli.command("erase")
@click.option("--customer-ref", "ref", required=True)
def privacy_erase(ref: str) -> None:
    """Delete everything stored about one customer."""
    counts = erase_customer(ref)
    click.echo("erased: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@privacy_cli.command("retain")
@click.option("--days", required=True, type=click.IntRange(1))
def privacy_retain(days: int) -> None:
    """Anonymise responses older than DAYS days."""
    counts = retain(days)
    click.echo("anonymised: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@click.command("analyze")
@click.option("--survey", "slug", help="Only this survey's answers (default: all).")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only answers since."
)
@click.option("--k", "n_themes", default="auto", show_default=True,
              help="Number of themes, or 'auto'.")  # fmt: skip
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option(
    "--assign-new",
    is_flag=True,
    help="Only place answers that arrived since the last run into its themes.",
)
@with_appcontext
def analyze_command(
    slug: str | None, since, n_themes: str, seed: int, assign_new: bool
) -> None:
    """Cluster free-text answers into themes and route them to departments."""
    from cat_survey.analyze import assign_new_answers, run_analysis

    try:
        if assign_new:
            click.echo(f"{assign_new_answers()} new answer(s) joined a theme")
            return
        k = n_themes if n_themes == "auto" else int(n_themes)
        report = run_analysis(
            survey_slug=slug,
            since=since.date() if since else None,
            n_themes=k,
            seed=seed,
            verbose=True,
        )
    except ValueError as error:  # AnalysisError, or a --k that is not a number
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(str(report))


@click.command("seed-demo")
@click.option("--responses", default=2000, show_default=True)
@click.option("--seed", default=7, show_default=True, help="Random seed.")
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="End of the simulated year, in UTC (default: the clock).",
)
@with_appcontext
def seed_demo_command(responses: int, seed: int, now: datetime | None) -> None:
    """Fill the database with demo staff and a year of realistic responses."""
    # Imported here: the demo's phrase bank is parsed on import, and every other
    # command (and every app start, which registers the commands) can skip that.
    from cat_survey.demo.seeding import seed_demo

    summary = seed_demo(
        responses=responses, seed=seed, now=now.replace(tzinfo=UTC) if now else None
    )
    db.session.commit()
    click.echo(summary)


@click.command("notify")
@click.option(
    "--digest", is_flag=True, help="First queue this week's digest for every advocate."
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1),
              help="Send at most this many notices.")  # fmt: skip
@with_appcontext
def notify_command(digest: bool, limit: int) -> None:
    """Send the e-mails and webhook notices that are due; failures are retried."""
    from cat_survey.notifications import queue_weekly_digests, send_due

    if digest:
        queued = queue_weekly_digests()
        db.session.commit()
        click.echo(f"queued {len(queued)} weekly digest(s)")
    report = send_due(limit=limit)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(str(report))


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every due job once, then exit.")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1),
              help="Jobs run at once (a long analysis blocks no other).")  # fmt: skip
@with_appcontext
def worker_command(once: bool, threads: int) -> None:
    """Run the scheduled jobs: themes, e-mails, digests, retention."""
    # Imported here: the jobs load the theme analysis (scikit-learn), which
    # every other command and every app start can skip.
    from cat_survey.worker.jobs import run_due_jobs

    if once:
        reports = run_due_jobs()
        for report in reports:
            click.echo(str(report))
        failed = [report.job for report in reports if report.status == "failed"]
        if failed:
            raise click.ClickException(f"job(s) failed: {', '.join(failed)}")
        return
    from cat_survey.worker.queue import BrokerUrlError, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        run_worker(current_app._get_current_object(), threads=threads)  # type: ignore[attr-defined]
    except BrokerUrlError as error:
        raise click.ClickException(str(error)) from error


#: Refused rows listed one by one; beyond this only their number is printed.
MAX_REFUSED_SHOWN = 50


@click.command("import-responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--survey", "survey_slug", required=True, help="Slug of the survey.")
@click.option(
    "--map",
    "mappings",
    required=True,
    multiple=True,
    help="key=Column pairs, comma-separated: date= (required), score= (the first "
    "NPS question), text=, segment=, customer_ref=, or any question id or hidden "
    "field of the survey.",
)
@click.option(
    "--date-format",
    help="strptime format of the date column when it is not ISO, e.g. %d/%m/%Y. "
    "Dates without a time zone are taken as UTC.",
)
@with_appcontext
def import_responses_command(
    file: str, survey_slug: str, mappings: tuple[str, ...], date_format: str | None
) -> None:
    """Import answers from another tool's CSV export as complete responses."""
    try:
        report = import_responses(
            file, survey_slug, parse_mapping(mappings), date_format=date_format
        )
    except ImportFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"{report.survey} (version {report.version}): imported {report.imported} "
        f"response(s), refused {len(report.refused)} row(s)"
    )
    for refused in report.refused[:MAX_REFUSED_SHOWN]:
        click.echo(f"  row {refused.row}: {refused.reason}")
    if len(report.refused) > MAX_REFUSED_SHOWN:
        click.echo(f"  ... and {len(report.refused) - MAX_REFUSED_SHOWN} more")
    if report.imported == 0 and report.already_imported:
        # A re-run of a file imported before is not a failure: it is up to date.
        click.echo(
            f"nothing new: {report.already_imported} row(s) were already imported"
        )
    elif report.imported == 0:
        raise click.ClickException("no row was imported")
