# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy attachments of RAM roles and users, shared by ram_role, ram_user_grant and ram_policy.

Attachments are handled as lists of ``{"PolicyName": ..., "PolicyType": "System" | "Custom"}`` dicts, the
shape the RAM API itself uses, so lists read from RAM and lists wanted by a task compare directly.
"""

from __future__ import annotations

POLICY_TYPES = ("System", "Custom")
MISSING_POLICY = ("EntityNotExist.Policy",)
# The option every module names its policy list with; errors about unknown policies point at it.
POLICIES_OPTION = "policies"


def attachment_key(policy):
    """Identity of an attachment: RAM matches policy names exactly, within their type."""
    return (policy["PolicyType"], policy["PolicyName"])


def list_attached(client, entity, name):
    """Policies attached to the role or user ``name`` (``entity``: "Role" or "User"), sorted by type and name."""
    body = client.call(f"ListPoliciesFor{entity}", {f"{entity}Name": name}) or {}
    policies = (body.get("Policies") or {}).get("Policy") or []
    return sorted(({"PolicyName": p["PolicyName"], "PolicyType": p["PolicyType"]} for p in policies), key=attachment_key)


def split_policy_reference(reference):
    """``"System:Name"`` / ``"Custom:Name"`` -> (type, name); a bare name -> (None, name)."""
    prefix, sep, rest = reference.partition(":")
    for policy_type in POLICY_TYPES:
        if sep and prefix.lower() == policy_type.lower():
            return policy_type, rest.strip()
    return None, reference.strip()


def find_policy(client, policy_type, name):
    """The ``Policy`` record of RAM for ``name`` (a Custom policy wins over a System one for bare names), or None."""
    for candidate in (policy_type,) if policy_type else POLICY_TYPES:
        body = client.call("GetPolicy", {"PolicyName": name, "PolicyType": candidate}, ignore=MISSING_POLICY)
        if body and body.get("Policy"):
            return body["Policy"]
    return None


def resolve_policies(client, names):
    """Turn the ``policies`` option into attachment dicts, failing on an unknown policy before any write.

    Names keep the spelling RAM reports, so later comparisons with attached lists are exact.
    """
    resolved, unknown = [], []
    for reference in names or ():
        policy_type, name = split_policy_reference(reference)
        policy = find_policy(client, policy_type, name) if name else None
        if policy is None:
            unknown.append(reference)
            continue
        found = {"PolicyName": policy.get("PolicyName", name), "PolicyType": policy.get("PolicyType", policy_type)}
        if attachment_key(found) not in {attachment_key(p) for p in resolved}:
            resolved.append(found)
    if unknown:
        client.module.fail_json(msg=f"{POLICIES_OPTION}: unknown RAM policy: {', '.join(unknown)}", unknown=unknown)
    return sorted(resolved, key=attachment_key)


def attach_policy(client, entity, name, policy):
    client.call(f"AttachPolicyTo{entity}", {f"{entity}Name": name, "PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]})


def detach_policy(client, entity, name, policy):
    # DetachPolicyFrom* needs PolicyType; an attachment already gone is what we wanted.
    client.call(f"DetachPolicyFrom{entity}", {f"{entity}Name": name, "PolicyName": policy["PolicyName"], "PolicyType": policy["PolicyType"]},
                ignore=(f"EntityNotExist.{entity}.Policy",))


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
