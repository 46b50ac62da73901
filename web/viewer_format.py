"""The formatter for the signed-in person (their locale and time zone)."""

from services.localization.formatting import Formatter
from services.principal import Principal


def formatter_for(principal: Principal) -> Formatter:
    return Formatter(locale=principal.locale, timezone=principal.timezone)
