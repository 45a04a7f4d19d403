"""STS 2015-04-01: AssumeRole and GetCallerIdentity.

AssumeRole succeeds only when (1) the caller's own account allows it ``sts:AssumeRole`` on the role ARN
(its policies are evaluated; an account root may not assume roles at all, as the API documents),
(2) the role exists (name matched case-insensitively), (3) the role's trust policy admits the caller
with its conditions (``sts:ExternalId``, ``acs:SourceIp``, ``acs:MFAPresent``...), and (4) the duration
fits 900..MaxSessionDuration. The session's permissions are the role's current policies intersected with
the optional session ``Policy``.
"""

import json
import re
import time

from .. import policy_engine
from ..errors import ApiError, invalid
from ..identity import no_permission, request_context
from ..state import StsSession, new_sts_credentials
from .base import Call, action

ROLE_ARN = re.compile(r"acs:ram::(\d+):role/([A-Za-z0-9.\-]{1,64})")
SESSION_NAME = re.compile(r"[A-Za-z0-9_.@\-]{2,64}")
MIN_DURATION = 900
DEFAULT_DURATION = 3600
DEFAULT_MAX_SESSION_DURATION = 3600
# The session Policy may be 1 to 2,048 characters: the current AssumeRole reference, and the notice of the
# 2022-09 upgrade that raised it from 1,024 ("Notification of Request Parameters Length Constraints Upgrade of STS
# APIs", alibabacloud.com/en/notice/ram20220919; STS changeset 2022-09-27: InvalidParameter.PolicySize now 2048).
MAX_POLICY_SIZE = 2048


def parse_role_arn(value: str):
    match = ROLE_ARN.fullmatch(value or "")
    if not match:
        raise invalid("RoleArn", "The parameter RoleArn is wrongly formed.")
    return match.group(1), match.group(2)


def parse_session_name(value: str) -> str:
    if not SESSION_NAME.fullmatch(value or ""):
        raise invalid("RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
    return value


def parse_session_policy(value):
    if value in (None, ""):
        return None
    if len(value) > MAX_POLICY_SIZE:
        raise invalid("PolicySize", f"The size of Policy must be smaller than {MAX_POLICY_SIZE} bytes.")
    try:
        document = json.loads(value)
    except ValueError as exc:
        raise invalid("PolicyGrammar", "The parameter Policy has not passed grammar check.") from exc
    if policy_engine.document_errors(document):
        raise invalid("PolicyGrammar", "The parameter Policy has not passed grammar check.")
    return document


def parse_duration(value) -> int:
    try:
        duration = int(value) if value not in (None, "") else DEFAULT_DURATION
    except (TypeError, ValueError) as exc:
        raise invalid("DurationSeconds", "The parameter DurationSeconds is invalid.") from exc
    if duration < MIN_DURATION:
        raise invalid(
            "DurationSeconds", f"The DurationSeconds must be between {MIN_DURATION} and the role's MaxSessionDuration."
        )
    return duration


def _find_role(call: Call, uid: str, name: str, role_arn: str) -> dict:
    account = call.state.account(uid)
    role = account.ram.get_role(name) if account is not None else None
    if role is None:
        raise ApiError(404, "EntityNotExist.Role", f"The role {role_arn} does not exist.")
    return role


def _check_trust(call: Call, role: dict, external_id) -> None:
    try:
        trust = json.loads(role.get("AssumeRolePolicyDocument") or "{}")
    except ValueError:
        trust = {}
    extra = {"sts:ExternalId": external_id} if external_id else {}
    context = request_context(call.state, call.identity, extra)
    decision = policy_engine.evaluate_trust(trust, call.identity.as_principal(), context)
    call.record_decision("sts:AssumeRole", role["Arn"], decision)
    if not decision.allowed:
        raise no_permission("sts:AssumeRole", role["Arn"], decision)


def _expiration(call: Call, duration: int) -> float:
    cap = call.state.settings.token_ttl_cap
    return call.state.clock.now() + (min(duration, cap) if cap else duration)


@action("sts", "AssumeRole")
def assume_role(call: Call) -> dict:
    role_arn = call.param("RoleArn", required=True)
    uid, name = parse_role_arn(role_arn)
    session_name = parse_session_name(call.param("RoleSessionName", required=True))
    policy = parse_session_policy(call.param("Policy"))
    duration = parse_duration(call.param("DurationSeconds"))
    external_id = call.param("ExternalId")
    if call.identity.kind == "root":
        raise ApiError(403, "NoPermission", "Roles may not be assumed by root accounts.")
    call.authorize("sts:AssumeRole", role_arn, {"sts:ExternalId": external_id})
    role = _find_role(call, uid, name, role_arn)
    _check_trust(call, role, external_id)
    if duration > int(role.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_DURATION):
        raise invalid("DurationSeconds", "The DurationSeconds exceeds the MaxSessionDuration of the role.")
    return _issue(call, uid, role, session_name, policy, duration)


def _issue(call: Call, uid: str, role: dict, session_name: str, policy, duration: int) -> dict:
    keys = new_sts_credentials()
    now = call.state.clock.now()
    session = StsSession(
        access_key_id=keys["access_key_id"],
        secret=keys["secret"],
        token=keys["token"],
        account_uid=uid,
        role_name=role["RoleName"],
        role_id=role["RoleId"],
        role_arn=role["Arn"],
        session_name=session_name,
        expires=_expiration(call, duration),
        issued=now,
        caller_arn=call.identity.arn,
        policy=policy,
        source_identity=call.param("SourceIdentity", default=""),
    )
    call.state.add_session(session)
    response = {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "AccessKeySecret": session.secret,
            "SecurityToken": session.token,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.expires)),
        },
        "AssumedRoleUser": {
            "Arn": f"{role['Arn']}/{session_name}",
            "AssumedRoleId": f"{role['RoleId']}:{session_name}",
        },
    }
    if session.source_identity:
        response["SourceIdentity"] = session.source_identity
    return response


@action("sts", "GetCallerIdentity")
def get_caller_identity(call: Call) -> dict:
    """Needs no permission (the API documents no RAM action for it)."""
    caller = call.identity
    body = {"AccountId": caller.account_uid, "Arn": caller.arn, "PrincipalId": caller.principal_id}
    if caller.kind == "root":
        body.update(IdentityType="Account", UserId=caller.account_uid)
    elif caller.kind == "user":
        body.update(IdentityType="RAMUser", UserId=caller.user_id or "")
    else:
        body.update(IdentityType="AssumedRoleUser", RoleId=caller.role_id)
    return body
