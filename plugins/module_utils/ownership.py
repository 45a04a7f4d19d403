# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What this collection writes on the RAM roles and policies it creates, and how it reads it back.

Tags (the fixed convention that ``ram_role``, ``ram_policy``, ``owner_setup``, ``revoke`` and the access review share):

==============  ==========================================================================================
``managed-by``  always ``apsaramq.cross_account``: the only proof that a role is ours to revoke or sweep
``partner``     the partner account UID, or several sorted UIDs joined by ``,`` (no spaces)
``expires-at``  only when the access has an end: ISO 8601 UTC, seconds precision, ``Z`` suffix
                (``2027-06-30T00:00:00Z``), the same text as the ``acs:CurrentTime`` conditions
==============  ==========================================================================================

Helpers:

- ``collection_tags(partner_uids, expires_at=None)`` -> the dict above (validated, ready for ``ram_role``'s ``tags``).
- ``parse_expiry(value, field)`` -> an aware UTC ``datetime``; accepts ``2027-06-30T00:00:00Z``, a ``+00:00`` (or any
  explicit) offset, a space instead of ``T`` and the ``datetime`` YAML makes of an unquoted timestamp. Refuses a date
  without a time, a time without an offset (ambiguous) and fractions of a second (the condition has none).
- ``format_expiry(moment)`` -> the canonical text; ``normalize_expiry(value, field)`` = parse then format.
- ``expiry_condition(expires_at)`` -> ``{"DateLessThan": {"acs:CurrentTime": "<iso>"}}``; policy.with_expiry(document,
  expires_at) puts it into every Allow statement of a document, policy.expiry_of_document reads it back.
- ``is_managed(tags)``, ``expiry_of(tags)``, ``partners_of(tags)``, ``is_expired(tags, now)`` read tags back; tags may
  be a dict or the API's ``[{"Key": .., "Value": ..}]`` / ``{"Tag": [...]}`` shapes.
- ``validate_tags(tags, field)`` checks the documented RAM tag limits before any API call (see ``MAX_TAGS``...).

Whether an expiry lies in the past is not a validation error here: cutting access *now* by setting a past date is
legitimate, and what counts is the cloud's clock (``acs:CurrentTime``), not the controller's.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import EXPIRY_KEY, EXPIRY_OPERATOR
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_account_uid,
)

MANAGED_BY_KEY = "managed-by"
MANAGED_BY_VALUE = "apsaramq.cross_account"
PARTNER_KEY = "partner"
EXPIRES_AT_KEY = "expires-at"
PARTNER_SEPARATOR = ","

# RAM TagResources limits (API 2015-05-01): 20 tags per resource, keys 1-128 characters, values up to 256; the
# stricter reading of Alibaba Cloud's general tag rules (as the emulator applies them): neither keys nor values start
# with the reserved prefixes or contain a URL scheme.
MAX_TAGS = 20
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
RESERVED_TAG_PREFIXES = ("acs:", "aliyun")
FORBIDDEN_TAG_SUBSTRINGS = ("http://", "https://")

_EXPIRY_PATTERN = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<offset>Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_expiry(value, field):
    """An ISO 8601 date-time with an explicit offset (``Z`` preferred) -> aware UTC datetime, or ValidationError."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = _parse_text(value.strip(), field)
    else:
        raise ValidationError(
            field, f"must be an ISO 8601 date-time in UTC such as 2027-06-30T00:00:00Z, got {type(value).__name__}"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(field, "must name its time zone (use the Z suffix for UTC, e.g. 2027-06-30T00:00:00Z)")
    if moment.microsecond:
        raise ValidationError(field, "must be given to the second (the acs:CurrentTime condition has no fractions)")
    return moment.astimezone(timezone.utc)


def _parse_text(text, field):
    match = _EXPIRY_PATTERN.fullmatch(text)
    if not match:
        raise ValidationError(field, f"must be an ISO 8601 date-time in UTC such as 2027-06-30T00:00:00Z, got {text!r}")
    offset = match.group("offset")
    if offset is None:
        raise ValidationError(field, "must name its time zone (use the Z suffix for UTC, e.g. 2027-06-30T00:00:00Z)")
    if match.group("fraction") and int(match.group("fraction")[1:]):
        raise ValidationError(field, "must be given to the second (the acs:CurrentTime condition has no fractions)")
    offset = "+00:00" if offset == "Z" else offset[:3] + ":" + offset[-2:]
    try:
        return datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}{offset}")
    except ValueError as error:
        raise ValidationError(field, f"is not a valid date-time: {error}") from None


def format_expiry(moment):
    """Canonical text of an aware datetime: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def normalize_expiry(value, field):
    """``None`` stays ``None``; anything else is parsed and returned in the canonical text."""
    return None if value in (None, "") else format_expiry(parse_expiry(value, field))


def expiry_condition(expires_at):
    """The Condition block every statement gets when access ends at ``expires_at`` (canonical text or datetime)."""
    text = expires_at if isinstance(expires_at, str) else format_expiry(expires_at)
    return {EXPIRY_OPERATOR: {EXPIRY_KEY: text}}


def collection_tags(partner_uids, expires_at=None):
    """The tags this collection writes on a role or policy it creates for ``partner_uids`` (one UID or a list)."""
    uids = [partner_uids] if isinstance(partner_uids, (str, int)) else list(partner_uids or [])
    partners = sorted({validate_account_uid(uid, "partner") for uid in uids})
    tags = {MANAGED_BY_KEY: MANAGED_BY_VALUE}
    if partners:
        tags[PARTNER_KEY] = PARTNER_SEPARATOR.join(partners)
        if len(tags[PARTNER_KEY]) > MAX_TAG_VALUE_LENGTH:
            raise ValidationError(
                "partner",
                f"{len(partners)} partner UIDs do not fit in one tag value of {MAX_TAG_VALUE_LENGTH} "
                "characters (at most 15): give each partner its own role",
            )
    expiry = normalize_expiry(expires_at, "expires_at")
    if expiry:
        tags[EXPIRES_AT_KEY] = expiry
    return tags


def validate_tags(tags, field):
    """A ``{key: value}`` dict within the RAM tag limits -> the same dict with string values."""
    if tags is None:
        return None
    if not isinstance(tags, dict):
        raise ValidationError(field, f"must be a dictionary of tag keys to values, got {type(tags).__name__}")
    if len(tags) > MAX_TAGS:
        raise ValidationError(field, f"at most {MAX_TAGS} tags per resource, got {len(tags)}")
    checked = {}
    for key, value in tags.items():
        checked[_check_tag_text(key, f"{field} key", 1, MAX_TAG_KEY_LENGTH)] = _check_tag_text(
            "" if value is None else str(value), f"{field}[{key!r}]", 0, MAX_TAG_VALUE_LENGTH
        )
    return checked


def _check_tag_text(text, field, minimum, maximum):
    if not isinstance(text, str):
        raise ValidationError(field, f"must be a string, got {type(text).__name__}")
    if not minimum <= len(text) <= maximum:
        raise ValidationError(field, f"must be {minimum} to {maximum} characters long, got {len(text)}")
    if text.lower().startswith(RESERVED_TAG_PREFIXES):
        raise ValidationError(
            field, f"may not start with {' or '.join(RESERVED_TAG_PREFIXES)} (reserved), got {text!r}"
        )
    if any(scheme in text.lower() for scheme in FORBIDDEN_TAG_SUBSTRINGS):
        raise ValidationError(field, f"may not contain http:// or https://, got {text!r}")
    return text


def tags_as_dict(tags):
    """A dict from any shape the API returns: ``{"Tag": [{"Key", "Value"}]}``, a list of those, or a dict."""
    if isinstance(tags, dict) and "Tag" in tags and isinstance(tags["Tag"], list):
        tags = tags["Tag"]
    if isinstance(tags, list):
        return {
            item.get("Key", item.get("TagKey")): item.get("Value", item.get("TagValue", ""))
            for item in tags
            if isinstance(item, dict)
        }
    return dict(tags or {})


def is_managed(tags):
    """True only when the role or policy carries ``managed-by: apsaramq.cross_account``."""
    return tags_as_dict(tags).get(MANAGED_BY_KEY) == MANAGED_BY_VALUE


def partners_of(tags):
    """The partner UIDs named by the ``partner`` tag (empty list when absent)."""
    value = tags_as_dict(tags).get(PARTNER_KEY) or ""
    return [uid for uid in value.split(PARTNER_SEPARATOR) if uid]


def expiry_of(tags):
    """The ``expires-at`` tag as an aware UTC datetime, or None when absent or unreadable (never guess an expiry)."""
    value = tags_as_dict(tags).get(EXPIRES_AT_KEY)
    if not value:
        return None
    try:
        return parse_expiry(value, EXPIRES_AT_KEY)
    except ValidationError:
        return None


def is_expired(tags, now):
    """Managed, with a readable expiry at or before ``now`` (aware datetime): what the revoke sweep deletes.

    ``DateLessThan`` allows strictly before the expiry, so at the very second of expiry access has ended."""
    expiry = expiry_of(tags)
    return is_managed(tags) and expiry is not None and expiry <= now


def utc_now():
    """The controller's clock, aware UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)
