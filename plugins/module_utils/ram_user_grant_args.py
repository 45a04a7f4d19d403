# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_user_grant module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

import hashlib
import os
import re

from ansible_collections.apsaramq.cross_account.plugins.module_utils.credential_files import directory_problem
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_users import (
    DEFAULT_PASSWORD_POLICY,
    MARKER,
    OWN_COMMENTS_LIMIT,
    password_problems,
    password_refusal,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_description,
    validate_policy_name,
    validate_role_arn,
    validate_user_name,
)

LOGIN_PROFILE_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    password=dict(type="str", no_log=True),
    password_file=dict(type="path"),
    password_reset_required=dict(type="bool", default=True),
    mfa_bind_required=dict(type="bool", default=True),
    password_reset=dict(type="bool", default=False),
)
ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True, aliases=["name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    create_user=dict(type="bool", default=True),
    display_name=dict(type="str"),
    comments=dict(type="str"),
    role_arns=dict(type="list", elements="str", default=[]),
    grant_mode=dict(type="str", choices=["least_privilege", "system", "none"], default="least_privilege"),
    grant_policy_name=dict(type="str"),
    remove_user=dict(type="bool", default=False),
    manage_unmarked_user=dict(type="bool", default=False),
    access_key_action=dict(type="str", choices=["none", "create", "rotate", "disable", "enable"], default="none"),
    access_key_file=dict(type="path"),
    access_key_format=dict(type="str", choices=["json", "ini"], default="json"),
    access_key_profile=dict(type="str", default="default", no_log=False),
    access_key_grace_period=dict(type="int", default=0),
    access_key_max_age_days=dict(type="int", no_log=False),
    access_key_max_age_action=dict(type="str", choices=["rotate", "report"], default="rotate"),
    access_key_proof_wait=dict(type="int", default=30, no_log=False),
    access_key_proof_external_id=dict(type="str", no_log=True),
    login_profile=dict(type="dict", options=LOGIN_PROFILE_SPEC, mutually_exclusive=[("password", "password_file")]),
)
KEY_FILE_ACTIONS = ("create", "rotate", "disable", "enable")
REQUIRED_IF = [("access_key_action", action, ["access_key_file"]) for action in KEY_FILE_ACTIONS]
RULES = dict(required_if=REQUIRED_IF)
USER_TEXT_LIMIT = 128  # DisplayName and Comments
# Bounds of the AccessKey lifecycle options: a year of grace, ten years of age, the sts_assume wait limit.
GRACE_HOURS_LIMIT = 8760
MAX_AGE_DAYS_LIMIT = 3650
PROOF_WAIT_LIMIT = 600


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
    return (
        bool(key_file)
        and params["access_key_action"] != "none"
        and not os.path.isdir(os.path.dirname(os.path.abspath(key_file)))
    )


def password_file_problem(params):
    """Why the directory of login_profile.password_file cannot hold a password (missing or not private), or None."""
    options = params.get("login_profile") or {}
    if not options.get("password_file") or "absent" in (options.get("state"), params.get("state")):
        return None  # the file is only removed
    return directory_problem(options["password_file"], private=True)


def validated_request(params, check_local_files=True):
    """The options checked before any API call; raises ValidationError naming the option.

    ``check_local_files`` false skips what an earlier task may still create (the directories of the AccessKey file and
    of the password file)."""
    user_name = validate_user_name(params["user_name"], "user_name")
    role_arns = _role_arns(params)
    _check_user_texts(params)
    if check_local_files and key_directory_missing(params):
        raise ValidationError("access_key_file", f"the directory of {params['access_key_file']} does not exist")
    _check_key_lifecycle(params, role_arns)
    login_profile = _login_profile(params, check_local_files)
    policy_name = validate_policy_name(
        params["grant_policy_name"] or default_grant_policy_name(user_name), "grant_policy_name"
    )
    return {
        "user_name": user_name,
        "role_arns": sorted(role_arns),
        "policy_name": policy_name,
        "login_profile": login_profile,
        "proof_role_arn": role_arns[0] if role_arns else None,
    }


def _role_arns(params):
    role_arns = []
    for index, arn in enumerate(params["role_arns"]):
        validate_role_arn(arn, f"role_arns[{index}]")
        if arn not in role_arns:
            role_arns.append(arn)
    if params["state"] == "present" and params["grant_mode"] == "least_privilege" and not role_arns:
        raise ValidationError("role_arns", "at least one role ARN is required with grant_mode=least_privilege")
    return role_arns


def _check_user_texts(params):
    if params["display_name"] is not None:
        validate_description(params["display_name"], "display_name", USER_TEXT_LIMIT)
    if params["display_name"] == "":
        raise ValidationError("display_name", "must not be empty")
    if params["comments"] is not None:
        # Users this collection creates carry its marker in front of their comments (ram_users.MARKER).
        validate_description(params["comments"], "comments", OWN_COMMENTS_LIMIT)
        if params["comments"].startswith(MARKER):
            raise ValidationError("comments", f"must not start with {MARKER}: the collection writes that marker itself")


def _check_key_lifecycle(params, role_arns):
    """The AccessKey lifecycle options: ranges, and what rotation needs (a role to prove the new key with)."""
    action = params["access_key_action"]
    _check_range(params, "access_key_grace_period", 0, GRACE_HOURS_LIMIT, "hours")
    _check_range(params, "access_key_max_age_days", 1, MAX_AGE_DAYS_LIMIT, "days")
    _check_range(params, "access_key_proof_wait", 0, PROOF_WAIT_LIMIT, "seconds")
    max_age = params["access_key_max_age_days"]
    rotating_by_age = max_age is not None and params["access_key_max_age_action"] == "rotate"
    if max_age is not None and action not in ("none", "create"):
        raise ValidationError("access_key_max_age_days", f"applies with access_key_action create or none, not {action}")
    if rotating_by_age and action == "none":
        raise ValidationError(
            "access_key_max_age_action",
            "rotate needs access_key_action=create and access_key_file (the new "
            "key's file); with access_key_action=none use report",
        )
    if params["state"] == "present" and (action == "rotate" or rotating_by_age) and not role_arns:
        raise ValidationError(
            "role_arns",
            "a rotation proves the new AccessKey with AssumeRole on role_arns[0]: give at "
            "least one role ARN (grant_mode=system too)",
        )


def _check_range(params, option, minimum, maximum, unit):
    value = params[option]
    if value is not None and not minimum <= value <= maximum:
        raise ValidationError(option, f"must be {minimum} to {maximum} {unit}, got {value}")


def _login_profile(params, check_local_files):
    """The login_profile options, checked: a password source when a profile may be created, a password of a valid
    shape (the account's policy is checked against it once read), a private directory for the password file."""
    options = params.get("login_profile")
    if options is None:
        return None
    if options["state"] == "present" and params["state"] == "present":
        if not (options["password"] or options["password_file"]):
            raise ValidationError(
                "login_profile",
                "password or password_file is required with state=present (a password "
                "from a vault, or a file that receives a generated one)",
            )
        if options["password"]:
            problems = password_problems(options["password"], DEFAULT_PASSWORD_POLICY)
            if problems:
                raise password_refusal(problems)
    problem = password_file_problem(params) if check_local_files else None
    if problem:
        raise ValidationError("login_profile.password_file", problem)
    return dict(options)
