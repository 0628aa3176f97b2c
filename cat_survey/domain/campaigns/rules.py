"""The campaign rules that need no database: settings, time zones, addresses.

Every other campaign module uses them: planning (the contact-frequency rule, time
zone names), sending (quiet hours) and the suppression list (addresses compared
lower-cased).
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

#: A customer gets at most one campaign e-mail in this many days.
CONTACT_DAYS = 90
#: No campaign e-mail between 21:00 and 08:00 in the customer's own time zone.
QUIET_HOURS = (21, 8)
#: Links stay open this long after the e-mail is sent.
LINK_DAYS = 60


class CampaignError(ValueError):
    """A campaign that cannot be created at all (the survey, a setting)."""


def contact_days() -> int:
    """The configured contact-frequency rule, in days."""
    return int(current_app.config.get("CAMPAIGN_CONTACT_DAYS", CONTACT_DAYS))


def quiet_hours() -> tuple[int, int]:
    """The configured quiet hours: (first quiet hour, first hour allowed again)."""
    start, end = current_app.config.get("CAMPAIGN_QUIET_HOURS", QUIET_HOURS)
    return int(start), int(end)


def as_utc(moment: datetime) -> datetime:
    """A moment with a time zone; one without is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def in_quiet_hours(
    now: datetime, timezone: str | None, hours: tuple[int, int] = QUIET_HOURS
) -> bool:
    """True when it is night where the customer lives (never for an unknown zone).

    >>> from datetime import UTC
    >>> in_quiet_hours(datetime(2026, 1, 5, 14, tzinfo=UTC), "Asia/Tokyo")  # 23:00
    True
    >>> in_quiet_hours(datetime(2026, 1, 5, 1, tzinfo=UTC), "Asia/Tokyo")  # 10:00
    False
    """
    if not timezone:
        return False
    hour = as_utc(now).astimezone(ZoneInfo(timezone)).hour
    start, end = hours
    if start > end:  # the quiet night spans midnight
        return hour >= start or hour < end
    return start <= hour < end


def known_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows ("Asia/Tokyo")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def normalised_email(address: str) -> str:
    """An address as the suppression list and the frequency rule compare it."""
    return address.strip().lower()
