# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the sts_assume module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    load_document,
    render_document,
    validate_document,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    validate_account_uid,
    validate_duration,
    validate_external_id,
    validate_role_arn,
    validate_role_name,
    validate_session_name,
)

# Long enough for a role or grant made by the previous task to propagate, short enough for a real refusal.
DEFAULT_WAIT_SECONDS = 10
MAX_WAIT_SECONDS = 600

ARGUMENT_SPEC = dict(
    role_arn=dict(type="str"),
    account_id=dict(type="str"),
    role_name=dict(type="str"),
    session_name=dict(type="str", default="ansible-apsaramq", aliases=["role_session_name"]),
    duration_seconds=dict(type="int", default=3600),
    external_id=dict(type="str", no_log=False),
    policy=dict(type="raw"),
    wait_for_role=dict(type="int", default=DEFAULT_WAIT_SECONDS),
    profile_file=dict(type="path"),
    profile_name=dict(type="str"),
    expect=dict(type="list", elements="str", choices=["allowed", "denied", "not_found"], default=["allowed"]),
)
RULES = dict(
    mutually_exclusive=[("role_arn", "account_id"), ("role_arn", "role_name")],
    required_one_of=[("role_arn", "account_id")],
    required_together=[("account_id", "role_name"), ("profile_file", "profile_name")],
)


def validated_request(params):
    """AssumeRole parameters and the role's (account, name), checked before any API call."""
    if params["role_arn"] is not None:
        account, role_name = validate_role_arn(params["role_arn"], "role_arn")
    else:
        account, role_name = (
            validate_account_uid(params["account_id"], "account_id"),
            validate_role_name(params["role_name"], "role_name"),
        )
    request = {
        "RoleArn": f"acs:ram::{account}:role/{role_name}",
        "RoleSessionName": validate_session_name(params["session_name"], "session_name"),
        "DurationSeconds": validate_duration(params["duration_seconds"], "duration_seconds", 900, 43200),
    }
    if params["external_id"] is not None:
        request["ExternalId"] = validate_external_id(params["external_id"], "external_id")
    if params["policy"] is not None:
        document = load_document(params["policy"], field="policy")
        # A permission policy's grammar, and at most 2,048 characters (AssumeRole: Policy 1 to 2,048 characters),
        # checked on the compact JSON that is sent.
        validate_document(document, kind="session", field="policy")
        request["Policy"] = render_document(document)
    validate_duration(params["wait_for_role"], "wait_for_role", 0, MAX_WAIT_SECONDS)
    return request, account, role_name
