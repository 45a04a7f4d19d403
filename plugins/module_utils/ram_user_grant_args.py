# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_user_grant module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

import hashlib
import os
import re

from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_description,
    validate_policy_name,
    validate_role_arn,
    validate_user_name,
)

ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True, aliases=["name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    create_user=dict(type="bool", default=True),
    display_name=dict(type="str"),
    comments=dict(type="str"),
    role_arns=dict(type="list", elements="str", default=[]),
    grant_mode=dict(type="str", choices=["least_privilege", "system"], default="least_privilege"),
    grant_policy_name=dict(type="str"),
    remove_user=dict(type="bool", default=False),
    access_key_action=dict(type="str", choices=["none", "create", "rotate"], default="none"),
    access_key_file=dict(type="path"),
    access_key_format=dict(type="str", choices=["json", "ini"], default="json"),
    access_key_profile=dict(type="str", default="default", no_log=False),
)
REQUIRED_IF = [("access_key_action", "create", ["access_key_file"]), ("access_key_action", "rotate", ["access_key_file"])]
RULES = dict(required_if=REQUIRED_IF)
USER_TEXT_LIMIT = 128  # DisplayName and Comments


def default_grant_policy_name(user_name):
    """``AssumeRole-<user>``. User names may hold '.' and '_', policy names may not: such names get '-' instead
    and a short digest of the real name, so that ``a.b`` and ``a_b`` never share a grant policy."""
    name = f"AssumeRole-{user_name}"
    safe = re.sub(r"[^A-Za-z0-9-]", "-", name)
    if safe != name:
        safe += "-" + hashlib.sha256(user_name.encode("utf-8")).hexdigest()[:8]
    return safe[:128]


def key_directory_missing(params):
    key_file = params["access_key_file"]
    return bool(key_file) and params["access_key_action"] != "none" and not os.path.isdir(os.path.dirname(os.path.abspath(key_file)))


def validated_request(params, check_local_files=True):
    """The options checked before any API call; raises ValidationError naming the option.

    ``check_local_files`` false skips what an earlier task may still create (the AccessKey file's directory)."""
    user_name = validate_user_name(params["user_name"], "user_name")
    role_arns = []
    for index, arn in enumerate(params["role_arns"]):
        validate_role_arn(arn, f"role_arns[{index}]")
        if arn not in role_arns:
            role_arns.append(arn)
    if params["state"] == "present" and params["grant_mode"] == "least_privilege" and not role_arns:
        raise ValidationError("role_arns", "at least one role ARN is required with grant_mode=least_privilege")
    for option in ("display_name", "comments"):
        if params[option] is not None:
            validate_description(params[option], option, USER_TEXT_LIMIT)
    if params["display_name"] == "":
        raise ValidationError("display_name", "must not be empty")
    if check_local_files and key_directory_missing(params):
        raise ValidationError("access_key_file", f"the directory of {params['access_key_file']} does not exist")
    policy_name = validate_policy_name(params["grant_policy_name"] or default_grant_policy_name(user_name), "grant_policy_name")
    return {"user_name": user_name, "role_arns": sorted(role_arns), "policy_name": policy_name}
