# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identifier validators, run before the first API call so that bad input changes nothing.

Every check returns the (normalised) value or raises ValidationError whose message starts with the option name.
Character sets and lengths are the ones documented for the RAM and STS APIs (CreateUser, CreateGroup, CreateRole,
CreatePolicy, AssumeRole). Messages show the offending characters, never the whole value, so a mistyped
ExternalId does not end up in a log.
"""

from __future__ import annotations

import re
from collections import namedtuple

ACCOUNT_UID_PATTERN = re.compile(r"[0-9]{16}")
ROLE_ARN_PATTERN = re.compile(r"acs:ram::([0-9]{16}):role/(.+)")
MAX_DESCRIPTION_LENGTH = 1024

_NameRule = namedtuple("_NameRule", "allowed allowed_text min_length max_length")

ROLE_NAME = _NameRule(re.compile(r"[A-Za-z0-9.-]"), "letters, digits, '.' and '-'", 1, 64)
POLICY_NAME = _NameRule(re.compile(r"[A-Za-z0-9-]"), "letters, digits and '-'", 1, 128)
USER_NAME = _NameRule(re.compile(r"[A-Za-z0-9._-]"), "letters, digits, '.', '_' and '-'", 1, 64)
GROUP_NAME = USER_NAME  # CreateGroup documents the same rule as CreateUser
SESSION_NAME = _NameRule(re.compile(r"[A-Za-z0-9.@_-]"), "letters, digits, '.', '@', '_' and '-'", 2, 64)
EXTERNAL_ID = _NameRule(re.compile(r"[A-Za-z0-9=,.@:/_-]"), "letters, digits and '=,.@:/_-'", 2, 1224)


class ValidationError(ValueError):
    """An invalid identifier: ``field`` is the module option, ``reason`` what is wrong; str() joins them."""

    def __init__(self, field, reason):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def _require_string(value, field):
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    return value


def _check_name(value, field, rule):
    text = _require_string(value, field)
    if not rule.min_length <= len(text) <= rule.max_length:
        raise ValidationError(field, f"must be {rule.min_length} to {rule.max_length} characters long, got {len(text)}")
    forbidden = sorted(set(rule.allowed.sub("", text)))
    if forbidden:
        raise ValidationError(field, f"may contain only {rule.allowed_text}; found {''.join(forbidden)!r}")
    return text


def validate_account_uid(value, field):
    """An Alibaba Cloud account UID: exactly 16 digits. An unquoted YAML number is accepted and returned as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not ACCOUNT_UID_PATTERN.fullmatch(value):
        raise ValidationError(field, f"must be an Alibaba Cloud account UID of exactly 16 digits, got {value!r}")
    return value


def validate_role_name(value, field):
    return _check_name(value, field, ROLE_NAME)


def validate_policy_name(value, field):
    return _check_name(value, field, POLICY_NAME)


def validate_user_name(value, field):
    return _check_name(value, field, USER_NAME)


def validate_group_name(value, field):
    return _check_name(value, field, GROUP_NAME)


def validate_session_name(value, field):
    return _check_name(value, field, SESSION_NAME)


def validate_external_id(value, field):
    return _check_name(value, field, EXTERNAL_ID)


def validate_role_arn(value, field):
    """``acs:ram::<uid>:role/<name>`` -> ``(uid, name)``."""
    match = ROLE_ARN_PATTERN.fullmatch(_require_string(value, field))
    if not match:
        raise ValidationError(field, f"must look like acs:ram::<16-digit account UID>:role/<role name>, got {value!r}")
    uid, role_name = match.groups()
    try:
        _check_name(role_name, field, ROLE_NAME)
    except ValidationError as error:
        raise ValidationError(field, f"role name {error.reason}") from None
    return uid, role_name


def validate_duration(value, field, minimum, maximum):
    """A whole number of seconds within [minimum, maximum]; numeric strings (from templates) are accepted."""
    seconds = _as_integer(value)
    if seconds is None or not minimum <= seconds <= maximum:
        raise ValidationError(field, f"must be a whole number of seconds from {minimum} to {maximum}, got {value!r}")
    return seconds


def _as_integer(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        return int(value)
    return None


def validate_description(value, field, max_len=MAX_DESCRIPTION_LENGTH):
    text = _require_string(value, field)
    if len(text) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters long, got {len(text)}")
    return text
