# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_access_review module and the checks made on them before any API call."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.access_review import FINDING_KINDS
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import parse_expiry, utc_now
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_account_uid,
)

MAX_PAGE_SIZE = 1000  # ListRoles' MaxItems: 1 to 1000

ARGUMENT_SPEC = dict(
    known_partners=dict(type="list", elements="str"),
    role_name_prefix=dict(type="str"),
    only_outside=dict(type="bool", default=True),
    read_policies=dict(type="bool", default=True),
    max_roles=dict(type="int", default=1000),
    page_size=dict(type="int", default=100),
    as_of=dict(type="str"),
    fail_on=dict(type="list", elements="str", choices=list(FINDING_KINDS), default=[]),
)


def validated_request(params):
    """Everything the task asks for, checked (raises ValidationError naming the option)."""
    known = params["known_partners"]
    if params["max_roles"] < 1:
        raise ValidationError("max_roles", f"must be at least 1, got {params['max_roles']}")
    if not 1 <= params["page_size"] <= MAX_PAGE_SIZE:
        raise ValidationError(
            "page_size", f"must be from 1 to {MAX_PAGE_SIZE} (ListRoles' MaxItems), got {params['page_size']}"
        )
    return {
        "known_partners": None
        if known is None
        else {validate_account_uid(uid, f"known_partners[{index}]") for index, uid in enumerate(known)},
        "role_name_prefix": params["role_name_prefix"] or None,
        "only_outside": params["only_outside"],
        "read_policies": params["read_policies"],
        "max_roles": params["max_roles"],
        "page_size": params["page_size"],
        "now": utc_now() if not params["as_of"] else parse_expiry(params["as_of"], "as_of"),
        "fail_on": list(dict.fromkeys(params["fail_on"])),
    }
