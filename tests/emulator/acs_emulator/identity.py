"""Who is calling (from the AccessKey and STS token of a signed request) and what they may do.

Keys: an account's root keys, RAM user keys (status Active) and STS keys (with their token). The
authorization decision is made at request time from the current state: a RAM user is bound by its
attached policies and those of its groups (one set, ``RamBackend.policy_documents_for_user``), a role
session by its role's current policies intersected with its session policy, and a root key acts only
inside its own account. A session whose role was deleted (or deleted and
re-created: the RoleId differs) is refused every request with 403 NoPermission.
"""

import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from . import policy_engine
from .errors import ApiError
from .policy_engine import Decision, NamedPolicy
from .state import AccountState, State, StsSession

# Actions whose resource lives in another account by nature: the caller's own account decides whether its
# identity may ask (the target's trust policy decides the rest, in the service handler).
CROSS_ACCOUNT_ACTIONS = frozenset({"sts:assumerole"})


@dataclass(frozen=True)
class Identity:
    kind: str  # "root" | "user" | "role"
    account_uid: str
    access_key_id: str
    user_name: Optional[str] = None
    user_id: Optional[str] = None
    role_name: Optional[str] = None  # as in the role ARN (lower case)
    role_id: Optional[str] = None
    session_name: Optional[str] = None
    session_policy: Optional[dict] = None
    mfa_present: bool = False
    source_ip: str = "127.0.0.1"

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"acs:ram::{self.account_uid}:root"
        if self.kind == "user":
            return f"acs:ram::{self.account_uid}:user/{self.user_name}"
        return f"acs:ram::{self.account_uid}:assumed-role/{self.role_name}/{self.session_name}"

    @property
    def role_arn(self) -> Optional[str]:
        return f"acs:ram::{self.account_uid}:role/{self.role_name}" if self.kind == "role" else None

    @property
    def principal_id(self) -> str:
        if self.kind == "root":
            return self.account_uid
        if self.kind == "user":
            return self.user_id or self.user_name or ""
        return f"{self.role_id}:{self.session_name}"

    def as_principal(self) -> policy_engine.Principal:
        """The caller as a trust policy sees it (the user ARN, or the ARN of the role a session belongs to)."""
        arns = {"user": (f"acs:ram::{self.account_uid}:user/{self.user_name}",), "role": (self.role_arn,)}
        return policy_engine.Principal(self.account_uid, arns.get(self.kind, ()))


@dataclass(frozen=True)
class Credential:
    """The secret a request must be signed with, and whom it belongs to."""

    secret: str
    identity: Identity
    session: Optional[StsSession] = None


def find_credential(state: State, access_key_id: str, security_token: Optional[str]) -> Credential:
    """Look up the key of a request; raises the documented authentication errors."""
    if security_token:
        session = state.session_by_token(security_token)
        if session is None:
            raise ApiError(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
        if session.access_key_id != access_key_id:
            raise ApiError(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "Specified SecurityToken mismatch with the AccessKey.",
            )
        return Credential(session.secret, session_identity(session), session)
    if access_key_id.startswith("STS."):
        raise ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
    for account in state.iter_accounts():
        credential = _permanent_credential(account, access_key_id)
        if credential is not None:
            return credential
    raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")


def _permanent_credential(account: AccountState, access_key_id: str) -> Optional[Credential]:
    if access_key_id in account.root_keys:
        return Credential(account.root_keys[access_key_id], Identity("root", account.uid, access_key_id))
    key = account.ram.find_access_key(access_key_id) if account.ram is not None else None
    if key is None:
        return None
    if str(key.get("status", "Active")) != "Active":
        raise ApiError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
    user = account.ram.get_user(key["user_name"]) or {}
    identity = Identity(
        "user", account.uid, access_key_id, user_name=user.get("UserName", key["user_name"]), user_id=user.get("UserId")
    )
    return Credential(key["secret"], identity)


def session_identity(session: StsSession) -> Identity:
    return Identity(
        "role",
        session.account_uid,
        session.access_key_id,
        role_name=session.role_arn.rsplit("/", 1)[-1],
        role_id=session.role_id,
        session_name=session.session_name,
        session_policy=session.policy,
    )


def check_session_alive(state: State, session: StsSession) -> None:
    """An expired token is refused (403, as RAM and STS answer)."""
    if session.expires <= state.clock.now():
        raise ApiError(403, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")


def role_exists(state: State, identity: Identity) -> bool:
    """Does the role of a session still exist (the same role: a re-created one has another RoleId)?"""
    account = state.account(identity.account_uid)
    role = account.ram.get_role(identity.role_name) if account is not None else None
    return role is not None and role.get("RoleId") == identity.role_id


def ended_session_decision(identity: Identity) -> Decision:
    return Decision(False, reason=f"role {identity.role_name} no longer exists: its sessions have ended")


def request_context(state: State, identity: Identity, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The condition keys every request carries, plus the handler's own (e.g. sts:ExternalId)."""
    context = {
        "acs:SourceIp": identity.source_ip,
        "acs:CurrentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.clock.now())),
        "acs:SecureTransport": "false",
        "acs:MFAPresent": "true" if identity.mfa_present else "false",
    }
    context.update(extra or {})
    return context


def resource_account(resource: str) -> str:
    """The account field of an ARN (``acs:<service>:<region>:<account>:<path>``); "" when absent or a wildcard."""
    parts = resource.split(":", 4)
    if len(parts) < 5 or parts[3] in ("", "*"):
        return ""
    return parts[3]


def _policy_sets(state: State, identity: Identity) -> Optional[List[Tuple[str, List[NamedPolicy]]]]:
    """The policy sets that must all allow; None when the session's role is gone."""
    ram = state.account(identity.account_uid).ram
    if identity.kind == "user":
        return [("user policies", ram.policy_documents_for_user(identity.user_name))]
    if not role_exists(state, identity):
        return None
    sets = [("role policies", ram.policy_documents_for_role(identity.role_name))]
    if identity.session_policy is not None:
        sets.append(("session policy", [("session policy", identity.session_policy)]))
    return sets


def decide(
    state: State, identity: Identity, action: str, resource: str, context: Optional[Dict[str, Any]] = None
) -> Decision:
    """May ``identity`` do ``action`` on ``resource`` now?"""
    owner = resource_account(resource)
    if owner and owner != identity.account_uid and action.lower() not in CROSS_ACCOUNT_ACTIONS:
        return Decision(
            False, reason=f"the resource belongs to account {owner}; an identity acts only in its own account"
        )
    if identity.kind == "root":
        return Decision(True, reason="the account root may do anything in its own account")
    policy_sets = _policy_sets(state, identity)
    if policy_sets is None:
        return ended_session_decision(identity)
    return policy_engine.evaluate_all(policy_sets, action, resource, request_context(state, identity, context))


def no_permission(action: str, resource: str, decision: Decision) -> ApiError:
    """The refusal as RAM words it, with the detail newer APIs add (AccessDeniedDetail)."""
    return ApiError(
        403,
        "NoPermission",
        f"You are not authorized to do this action. Resource: {resource} Action: {action}",
        AccessDeniedDetail={
            "AuthAction": action,
            "AuthResource": resource,
            "NoPermissionType": "ExplicitDeny" if decision.explicit_deny else "ImplicitDeny",
            "PolicyType": "AccountLevelIdentityBasedPolicy",
        },
    )
