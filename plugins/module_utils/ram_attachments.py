# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy attachments of RAM roles, users and groups, shared by ram_role, ram_role_info, ram_user_grant, ram_group and
ram_policies. ``entity`` names the kind as the API actions spell it: "Role", "User" or "Group".

Attachments are handled as lists of ``{"PolicyName": ..., "PolicyType": "System" | "Custom"}`` dicts, the
shape the RAM API itself uses, so lists read from RAM and lists wanted by a task compare directly.
"""

from __future__ import annotations


def attachment_key(policy):
    """Identity of an attachment: RAM matches policy names exactly, within their type."""
    return (policy["PolicyType"], policy["PolicyName"])


def list_attached(client, entity, name):
    """Policies attached to the role, user or group ``name`` (``entity``: "Role", "User" or "Group"), sorted by type and name."""
    body = client.call(f"ListPoliciesFor{entity}", {f"{entity}Name": name}) or {}
    policies = (body.get("Policies") or {}).get("Policy") or []
    return sorted(
        ({"PolicyName": p["PolicyName"], "PolicyType": p["PolicyType"]} for p in policies), key=attachment_key
    )


def attach_policy(client, entity, name, policy):
    client.call(
        f"AttachPolicyTo{entity}",
        {f"{entity}Name": name, "PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]},
    )


def detach_policy(client, entity, name, policy):
    # DetachPolicyFrom* needs PolicyType; an attachment already gone is what we wanted.
    client.call(
        f"DetachPolicyFrom{entity}",
        {f"{entity}Name": name, "PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]},
        ignore=(f"EntityNotExist.{entity}.Policy",),
    )


def plan_attachments(wanted, current, purge):
    """(to_attach, to_detach, after) for the wanted list against the current one."""
    current_keys = {attachment_key(p) for p in current}
    wanted_keys = {attachment_key(p) for p in wanted}
    to_attach = [p for p in wanted if attachment_key(p) not in current_keys]
    to_detach = [p for p in current if purge and attachment_key(p) not in wanted_keys]
    after = [p for p in current if attachment_key(p) not in {attachment_key(d) for d in to_detach}] + to_attach
    return to_attach, to_detach, sorted(after, key=attachment_key)


def update_attachments(client, check_mode, entity, name, wanted, current, purge):
    """Attach what is wanted and, with ``purge``, detach the rest. Returns (changed, after_list).

    Attaches come first so that replacing one policy with another never leaves the entity without both.
    """
    to_attach, to_detach, after = plan_attachments(wanted, current, purge)
    if not check_mode:
        for policy in to_attach:
            attach_policy(client, entity, name, policy)
        for policy in to_detach:
            detach_policy(client, entity, name, policy)
    return bool(to_attach or to_detach), after
