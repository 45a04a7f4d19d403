"""What the RAM models share: dates and ids as RAM writes them, the API-visible part of a record, the
InvalidParameter errors of names and lengths, and the lock every backend operation takes.

``ram_model`` (users, keys, roles, policies, attachments) and ``ram_people_model`` (groups, memberships, login
profiles, the password policy) both build on it, so neither has to import the other's internals.
"""

import copy
import re
import secrets
import string
from datetime import datetime, timezone
from functools import wraps
from typing import Optional

from ..errors import invalid


def utc_now() -> str:
    """Dates as RAM writes them: 2026-11-28T09:00:00Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def public(record: dict) -> dict:
    """The API-visible part of a record (capitalised keys), as a copy."""
    return {key: copy.deepcopy(value) for key, value in record.items() if key[:1].isupper()}


def fold(name: str) -> str:
    """RAM matches user, role and group names case-insensitively but stores them as given."""
    return name.lower()


def random_text(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _position in range(length))


def random_digits(length: int) -> str:
    """An id like RAM's numeric ones: no leading zero."""
    return secrets.choice("123456789") + random_text(length - 1, string.digits)


def check_name(value: str, param: str, pattern: "re.Pattern", max_len: int, allowed: str) -> str:
    if not 1 <= len(value) <= max_len:
        raise invalid(f"{param}.Length", f"The parameter {param} must be 1 to {max_len} characters long.")
    if not pattern.match(value):
        raise invalid(f"{param}.InvalidChars", f"The parameter {param} may contain only {allowed}.")
    return value


def check_length(value: Optional[str], param: str, max_len: int) -> Optional[str]:
    if value is not None and not 1 <= len(value) <= max_len:
        raise invalid(f"{param}.Length", f"The parameter {param} must be 1 to {max_len} characters long.")
    return value


def synchronized(method):
    """The server is threaded: each backend operation checks and changes the state atomically."""

    @wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:  # pylint: disable=protected-access  # the backend's own lock
            return method(self, *args, **kwargs)

    return locked
