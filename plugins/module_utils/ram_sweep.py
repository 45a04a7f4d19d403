# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sweep of expired access (module ram_role_sweep, role revoke with revoke_mode=sweep).

Only what this collection tagged as its own is ever considered: a role must carry ``managed-by:
apsaramq.cross_account`` (module_utils/ownership.py) in the ListRoles answer itself, not merely match the filter, and an
``expires-at`` tag at or before ``now``. A role without the tag, or with an expiry that cannot be read, is never
deleted. With the role go the custom policies attached to it that carry the same ``managed-by`` tag and are attached to
no other role, user or group; a managed custom policy whose own ``expires-at`` has passed goes too when nothing else
uses it. Anything else is reported, not touched.
"""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import (
    MANAGED_BY_KEY,
    MANAGED_BY_VALUE,
    expiry_of,
    format_expiry,
    is_expired,
    is_managed,
    partners_of,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import (
    list_attached,
    update_attachments,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    delete_policy,
    get_policy,
    list_entities,
    list_policies,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import (
    ROLE_NOT_FOUND,
    list_roles,
    wait_until,
    wait_until_gone,
)

MANAGED = {MANAGED_BY_KEY: MANAGED_BY_VALUE}


def read_managed(client, with_policies=True):
    """(roles, custom policies) tagged as the collection's own, each checked on the tags the answer carries."""
    roles = [role for role in list_roles(client, tags=MANAGED) if is_managed(role.get("Tags"))]
    policies = (
        [policy for policy in list_policies(client, "Custom", tags=MANAGED) if is_managed(policy.get("Tags"))]
        if with_policies
        else []
    )
    return roles, policies


def _expiry_text(tags):
    expiry = expiry_of(tags)
    return format_expiry(expiry) if expiry else None


def plan_sweep(client, roles, policies, now):
    """What the sweep deletes at ``now`` (an aware datetime), read but not written: a dict with ``roles`` (the expired
    managed roles, each with its attachments), ``policies`` (custom policies to delete, each with why), ``kept``
    (managed custom policies that would have gone but are used elsewhere) and ``remaining`` (managed roles that stay)."""
    expired = sorted(
        (role for role in roles if is_expired(role.get("Tags"), now)), key=lambda role: role["RoleName"].lower()
    )
    swept = {role["RoleName"].lower() for role in expired}
    managed_policies = {policy["PolicyName"]: policy for policy in policies}
    planned_roles, reasons = [], {}
    for role in expired:
        attached = list_attached(client, "Role", role["RoleName"])
        planned_roles.append({"role": role, "attached": attached})
        for policy in attached:
            if policy["PolicyType"] == "Custom" and policy["PolicyName"] in managed_policies:
                reasons.setdefault(policy["PolicyName"], f"attached to the expired role {role['RoleName']}")
    for name, policy in managed_policies.items():
        if is_expired(policy.get("Tags"), now):
            reasons.setdefault(name, f"its own expires-at ({_expiry_text(policy.get('Tags'))}) has passed")
    to_delete, kept = [], []
    for name in sorted(reasons):
        others = [
            f"{kind[:-1]} {entity}"
            for kind, entities in list_entities(client, name).items()
            for entity in entities
            if not (kind == "roles" and entity.lower() in swept)
        ]
        if others:
            kept.append({"policy_name": name, "reason": reasons[name], "attached_to": others})
        else:
            to_delete.append({"policy_name": name, "reason": reasons[name]})
    remaining = [
        {"role_name": role["RoleName"], "expires_at": _expiry_text(role.get("Tags"))}
        for role in sorted(roles, key=lambda role: role["RoleName"].lower())
        if role["RoleName"].lower() not in swept
    ]
    return {"roles": planned_roles, "policies": to_delete, "kept": kept, "remaining": remaining}


def apply_sweep(client, plan):
    """Detach every policy from each expired role and delete it, then delete the planned custom policies."""
    for entry in plan["roles"]:
        name = entry["role"]["RoleName"]
        update_attachments(client, False, "Role", name, [], entry["attached"], purge=True)
        client.call("DeleteRole", {"RoleName": name}, ignore=(ROLE_NOT_FOUND,))
    for policy in plan["policies"]:
        delete_policy(client, policy["policy_name"], {})  # its only attachments were the roles just deleted


def prove_gone(client, plan, timeout):
    """Read back that every swept role and policy is gone (GetRole, GetPolicy answer "not found"), waiting out RAM's
    eventual consistency for up to ``timeout`` seconds each; CollectionError when one is still there."""
    for entry in plan["roles"]:
        wait_until_gone(client, entry["role"]["RoleName"], timeout)
    for policy in plan["policies"]:
        name = policy["policy_name"]
        wait_until(
            lambda name=name: True if get_policy(client, name) is None else None,
            timeout,
            f"GetPolicy answering that the custom policy {name} is gone",
            client.retry_policy,
        )


def describe_plan(plan, gone):
    """The module's return values for ``plan``; ``gone`` is True once every deletion is proven, None in check mode."""
    deleted = {policy["policy_name"] for policy in plan["policies"]}
    swept = [
        {
            "role_name": entry["role"]["RoleName"],
            "expires_at": _expiry_text(entry["role"].get("Tags")),
            "partners": partners_of(entry["role"].get("Tags")),
            "policies": sorted(
                policy["PolicyName"]
                for policy in entry["attached"]
                if policy["PolicyType"] == "Custom" and policy["PolicyName"] in deleted
            ),
            "gone": gone,
        }
        for entry in plan["roles"]
    ]
    policies = [dict(policy, gone=gone) for policy in plan["policies"]]
    return {"swept": swept, "deleted_policies": policies, "kept_policies": plan["kept"], "remaining": plan["remaining"]}
