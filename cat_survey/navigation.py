"""The staff navigation: which pages each role may reach, and which one is open.

The links are data, written once here against the ``Role`` enum and endpoint
names; ``_staff_nav.html`` only draws what ``staff_links`` returns, so a page
shows a person exactly the areas their role may use and no template spells a
URL or a role.
"""

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cat_survey.models import Role

LEADS = (Role.CX_LEAD, Role.ADMIN)


@dataclass(frozen=True)
class NavLink:
    """One entry of the staff navigation and the roles that see it.

    ``section`` lists endpoint prefixes whose pages belong to this entry (a
    theme's page belongs to Themes), so the entry is marked while one is open.
    """

    endpoint: str
    label: str
    roles: tuple[Role, ...]
    section: tuple[str, ...] = ()


STAFF_LINKS = (
    NavLink("reports.dashboard", _l("Dashboard"), LEADS, ("reports.",)),
    NavLink("themes.my_themes", _l("My themes"), (Role.ADVOCATE,), ("themes.",)),
    NavLink("themes.my_themes", _l("Themes"), LEADS, ("themes.",)),
    NavLink("themes.triage", _l("Triage"), LEADS),
    NavLink("campaigns.index", _l("Campaigns"), LEADS, ("campaigns.",)),
    NavLink("studio.index", _l("Studio"), LEADS, ("studio.",)),
    NavLink("admin.users", _l("Admin"), (Role.ADMIN,), ("admin.",)),
)


@dataclass(frozen=True)
class ShownLink:
    """A navigation entry ready to draw: its URL and its ``aria-current`` value."""

    url: str
    label: str
    current: str | None  # "page" for the open page, "true" inside its section


def current_marker(link: NavLink, endpoint: str, links: list[NavLink]) -> str | None:
    """``page`` on the open page's link; ``true`` on the link of its section."""
    if endpoint == link.endpoint:
        return "page"
    # A page with its own link (Triage) does not also mark its section (Themes).
    if any(other.endpoint == endpoint for other in links):
        return None
    if any(endpoint.startswith(prefix) for prefix in link.section):
        return "true"
    return None


def staff_links() -> list[ShownLink]:
    """The links the signed-in staff member may use, in order; none for others."""
    if not current_user.is_authenticated:
        return []
    links = [link for link in STAFF_LINKS if current_user.role in link.roles]
    endpoint = request.endpoint or ""
    return [
        ShownLink(
            url_for(link.endpoint),
            link.label,
            current_marker(link, endpoint, links),
        )
        for link in links
    ]


def init_navigation(app: Flask) -> None:
    """Make ``staff_links()`` callable from every template."""
    app.jinja_env.globals["staff_links"] = staff_links
