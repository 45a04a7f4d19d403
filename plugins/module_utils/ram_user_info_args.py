# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_user_info module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_user_name,
)

# ListUsers pages hold at most 1,000 users (MaxItems); RAM's default quota is 1,000 users per account.
MAX_USERS_LIMIT = 1000
MAX_AGE_DAYS_LIMIT = 3650

ARGUMENT_SPEC = dict(
    names=dict(type="list", elements="str", default=[], aliases=["user_names"]),
    include_groups=dict(type="bool", default=True),
    max_users=dict(type="int", default=100),
    access_key_max_age_days=dict(type="int", no_log=False),
)
RULES = {}


def validated_request(params):
    """(user names without repeats, in the order given) checked before any API call; raises ValidationError."""
    names = []
    for index, name in enumerate(params["names"]):
        validate_user_name(name, f"names[{index}]")
        if name.lower() not in {known.lower() for known in names}:
            names.append(name)
    if not 1 <= params["max_users"] <= MAX_USERS_LIMIT:
        raise ValidationError("max_users", f"must be 1 to {MAX_USERS_LIMIT}, got {params['max_users']}")
    max_age = params["access_key_max_age_days"]
    if max_age is not None and not 1 <= max_age <= MAX_AGE_DAYS_LIMIT:
        raise ValidationError("access_key_max_age_days", f"must be 1 to {MAX_AGE_DAYS_LIMIT} days, got {max_age}")
    return names
