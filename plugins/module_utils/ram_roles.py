# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM roles: read, update and describe them. Shared by ram_role and ram_role_info.

Roles are handled in the API's own shape (``{"RoleName": ..., "AssumeRolePolicyDocument": "<json>", ...}``) until
``role_facts`` turns one into the snake_case dict the modules return.
"""

from __future__ import annotations

import json
import random
import re
import time

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import WAIT_MAX_ATTEMPTS, listing_pages
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import ApiError, CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    documents_equal,
    expiry_of_document,
    trusted_principals,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_tags import tag_list
from ansible_collections.apsaramq.cross_account.plugins.module_utils.retries import RetryPolicy

ROLE_NOT_FOUND = "EntityNotExist.Role"
DEFAULT_MAX_SESSION_DURATION = 3600
_ARN_ACCOUNT = re.compile(r"acs:ram::([0-9]{16}):")
# Role attributes UpdateRole can change: API attribute -> UpdateRole parameter.
_UPDATABLE = {
    "AssumeRolePolicyDocument": "NewAssumeRolePolicyDocument",
    "Description": "NewDescription",
    "MaxSessionDuration": "NewMaxSessionDuration",
}
# What RAM reports for an attribute a role was created without.
_ATTRIBUTE_DEFAULTS = {"Description": "", "MaxSessionDuration": DEFAULT_MAX_SESSION_DURATION}
# A trust edit is read back after a pause drawn from this range (seconds), and written at most this many times.
TRUST_SETTLE_SECONDS = (0.2, 0.6)
TRUST_EDIT_ROUNDS = 5
# The code wait_until retries on: what is awaited is not visible yet (never an API error code).
NOT_YET = "Collection.NotYet"


# ------------------------------------------------------------------------------------------------------------- reading


def get_role(client, name):
    """The role called ``name`` (RAM matches role names case-insensitively), or None when there is none."""
    body = client.call("GetRole", {"RoleName": name}, ignore=(ROLE_NOT_FOUND,))
    return body.get("Role") if body else None


def wait_until_visible(client, name):
    """Wait out RAM's eventual consistency after CreateRole, before a call that needs the role to exist."""
    client.call("GetRole", {"RoleName": name}, retry_on=(ROLE_NOT_FOUND,))


def list_roles(client, tags=None):
    """Every role of the account (ListRoles records: no trust document, but their ``Tags``), following the Marker
    across pages (RAM's default page size); ``tags`` ({key: value}) keeps the roles that carry all of them."""
    params = {"Tag": tag_list(tags)} if tags else {}
    return [role for page, _more in listing_pages(client, "ListRoles", params, "Roles", "Role") for role in page]


def list_role_names(client):
    """Names of every role of the account."""
    return [role["RoleName"] for role in list_roles(client)]


def wait_until(check, timeout, what, policy=None):
    """``check()``'s first value that is not None, asked again with the jittered backoff of ``policy`` (the task's,
    ``client.retry_policy``; the default policy without one) for up to ``timeout`` seconds (RetryPolicy.within).
    Returns (value, {"attempts", "waited"}); CollectionError naming ``what`` when the time is up."""
    stats = {}

    def attempt(_number):
        value = check()
        if value is None:
            raise ApiError(NOT_YET, what)
        return value

    try:
        return (policy or RetryPolicy()).within(timeout, max_attempts=WAIT_MAX_ATTEMPTS).run(
            attempt, retry_on=(NOT_YET,), stats=stats
        ), stats
    except ApiError as error:
        if error.code != NOT_YET:
            raise
        raise CollectionError(
            f"wait_timeout: gave up waiting for {what} after {error.waited:.1f} seconds ({error.attempts} reads)",
            wait={"attempts": error.attempts, "waited": round(error.waited, 3)},
        ) from None


def wait_for_trust(client, name, trust, timeout):
    """Wait until GetRole shows role ``name`` with ``trust`` (a dict): RAM then serves the role and its trust to a
    reader. It does not prove that STS, a separate service, already accepts an AssumeRole under that trust."""

    def shows_trust():
        role = get_role(client, name)
        return role if role is not None and documents_equal(trust_document(role), trust) else None

    role, stats = wait_until(
        shows_trust, timeout, f"GetRole showing the role {name} with the trust policy written", client.retry_policy
    )
    return role, {"attempts": stats["attempts"], "waited": round(stats["waited"], 3)}


def wait_until_gone(client, name, timeout):
    """Wait until GetRole answers that role ``name`` does not exist (the proof of a deletion); returns the stats."""
    return wait_until(
        lambda: True if get_role(client, name) is None else None,
        timeout,
        f"GetRole answering that the role {name} is gone",
        client.retry_policy,
    )[1]


def trust_document(role):
    """The role's trust policy as a dict with its keys as RAM stores them (None when unknown)."""
    document = (role or {}).get("AssumeRolePolicyDocument")
    if document is None or isinstance(document, dict):
        return document
    return json.loads(document)


def account_of(arn):
    """The account UID inside a RAM ARN (``acs:ram::<uid>:...``), or None."""
    match = _ARN_ACCOUNT.match(arn or "")
    return match.group(1) if match else None


# ------------------------------------------------------------------------------------------------------------- updating


def role_changes(wanted, current):
    """UpdateRole parameters for the attributes of ``wanted`` (API names; None = leave as is) that differ."""
    changes = {}
    for attribute, parameter in _UPDATABLE.items():
        value = wanted.get(attribute)
        if value is None:
            continue
        if attribute == "AssumeRolePolicyDocument":
            differs = not documents_equal(json.loads(value), trust_document(current))
        else:
            differs = value != current.get(attribute, _ATTRIBUTE_DEFAULTS[attribute])
        if differs:
            changes[parameter] = value
    return changes


def with_changes(role, changes):
    """``role`` as it is once UpdateRole applied ``changes`` (the check-mode prediction, and the fallback after a write)."""
    updated = dict(role)
    for attribute, parameter in _UPDATABLE.items():
        if parameter in changes:
            updated[attribute] = changes[parameter]
    return updated


def update_role(client, check_mode, name, wanted, current):
    """Bring description, session duration and trust of role ``name`` to ``wanted`` in one UpdateRole call.

    Returns (changed, role after the update).
    """
    changes = role_changes(wanted, current)
    if not changes:
        return False, current
    updated = with_changes(current, changes)
    if not check_mode:
        body = client.call("UpdateRole", {"RoleName": name, **changes}) or {}
        updated = {**updated, **(body.get("Role") or {})}
    return True, updated


def settle():
    """Pause before reading a trust edit back: long enough for a concurrent writer's request already in flight to
    land, and jittered so two runs that collided once do not collide again in lockstep."""
    time.sleep(random.uniform(*TRUST_SETTLE_SECONDS))


def apply_trust_edit(client, name, edit, pending, current, sleep=settle, rounds=TRUST_EDIT_ROUNDS):
    """Write an add/remove edit of role ``name``'s trust and make sure it survives concurrent writers.

    RAM has no ETag: two runs that read the same trust and each write it back with their own principal merged in
    lose one of them. So after each UpdateRole the role is read back (after ``sleep``), and if this run's edit no
    longer holds, it is merged again into the document just read and written again, at most ``rounds`` times.

    ``edit(role)`` gives the UpdateRole attributes wanted (API names, as ``update_role`` takes them) computed from
    ``role``, always the latest read; ``pending(role)`` lists what of this run's edit ``role`` does not hold (empty:
    it holds). ``current`` is the role as read before. Returns (changed, role as last read, number of writes); with
    nothing to change it writes and reads nothing. Raises CollectionError when the edit still does not hold after
    ``rounds`` writes.
    """
    role, missing = current, []
    for written in range(rounds):
        changes = role_changes(edit(role), role)
        if not changes:  # converged before the first write (a later round always has something to write)
            return written > 0, role, written
        client.call("UpdateRole", {"RoleName": name, **changes})
        sleep()
        role = get_role(client, name)
        if role is None:
            raise CollectionError(
                f"the role {name} was deleted while its trust policy was being updated", trust_rounds=written + 1
            )
        missing = pending(role)
        if not missing:
            return True, role, written + 1
    raise CollectionError(
        f"the trust policy of the role {name} kept changing under concurrent writers: after {rounds} writes, "
        f"each read back, this run's change still does not hold ({'; '.join(missing)}); run the task again "
        "once the other writers are done",
        trust_rounds=rounds,
        pending=missing,
    )


# --------------------------------------------------------------------------------------------------------- describing


def flag_principals(principals, own_account):
    """Each trusted principal with the account it belongs to and whether that is another account than the role's.

    Services and identity providers belong to no other account: ``cross_account`` is false for them.
    """
    flagged = [{"type": "account", "principal": uid, "account_id": uid} for uid in principals["accounts"]]
    flagged += [{"type": "ram_arn", "principal": arn, "account_id": account_of(arn)} for arn in principals["ram_arns"]]
    flagged += [{"type": "service", "principal": name, "account_id": None} for name in principals["services"]]
    flagged += [
        {"type": "federated", "principal": arn, "account_id": account_of(arn)} for arn in principals["federated"]
    ]
    for entry in flagged:
        entry["cross_account"] = bool(own_account and entry["account_id"] and entry["account_id"] != own_account)
    return flagged


def attachment_facts(attached, documents=None):
    """Attachments as returned by the modules; ``documents`` maps (type, name) to a policy's default version."""
    facts = []
    for policy in attached:
        fact = {"policy_name": policy["PolicyName"], "policy_type": policy["PolicyType"]}
        if documents is not None:
            fact.update(documents.get((policy["PolicyType"], policy["PolicyName"]), {}))
        facts.append(fact)
    return facts


def role_facts(role, attached, documents=None, tags=None):
    """The module return value for ``role`` (API shape) and its attached policies (and its tags, when read).

    The account comes from the role's ARN, so flagging cross-account principals costs no API call; ``expires_at`` is
    read from the trust (the DateLessThan acs:CurrentTime condition every Allow statement carries, else None).
    """
    document = trust_document(role)
    account = account_of(role.get("Arn"))
    principals = (
        trusted_principals(document) if document else {"accounts": [], "ram_arns": [], "services": [], "federated": []}
    )
    return {
        "arn": role.get("Arn"),
        "role_id": role.get("RoleId"),
        "role_name": role.get("RoleName"),
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration"),
        "create_date": role.get("CreateDate"),
        "update_date": role.get("UpdateDate"),
        "account_id": account,
        "assume_role_policy_document": document,
        "trusted_principals": principals,
        "principals": flag_principals(principals, account),
        "policies": attachment_facts(attached, documents),
        "switch_role": {"account_id": account, "role_name": role.get("RoleName")},
        "expires_at": expiry_of_document(document) if document else None,
        **({"tags": dict(tags)} if tags is not None else {}),
    }


def diff_view(role, attached, tags=None):
    """What ``--diff`` shows of a role: documents as parsed dicts so the diff is readable; {} for no role. ``tags``
    only when the task manages them (read)."""
    if role is None:
        return {}
    return {
        **({"tags": dict(tags)} if tags is not None else {}),
        "role_name": role.get("RoleName"),
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration"),
        "assume_role_policy_document": trust_document(role),
        "policies": sorted(f"{policy['PolicyType']}:{policy['PolicyName']}" for policy in attached),
    }
