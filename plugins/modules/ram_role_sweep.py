#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role_sweep
short_description: Delete the RAM roles this collection created whose access has expired, and their custom policies
version_added: 0.1.0
description:
  - Finds the roles of the account tagged C(managed-by=apsaramq.cross_account) (one paginated ListRoles filtered by that
    tag; the tag is checked again on each answer) whose C(expires-at) tag is at or before O(now), detaches their
    policies and deletes them.
  - A role without the C(managed-by) tag is never deleted, nor one whose C(expires-at) tag is missing or unreadable.
  - With O(delete_policies), the custom policies attached to a swept role that carry the same C(managed-by) tag go too,
    and so does a managed custom policy whose own C(expires-at) has passed; either only when no other role, user or
    group uses it (otherwise it is listed in RV(kept_policies)).
  - After deleting, reads back that each role and policy is gone (GetRole and GetPolicy answer "not found"), waiting
    out RAM's eventual consistency for up to O(wait_timeout) seconds; the task fails otherwise.
  - The cloud already refuses access after the expiry by itself (the C(DateLessThan acs:CurrentTime) conditions that
    M(apsaramq.cross_account.ram_role) O(apsaramq.cross_account.ram_role#module:expires_at) and the
    P(apsaramq.cross_account.rocketmq_policy#filter) grant's C(expires_at) write); the sweep removes what is left.
  - Used by the C(revoke) role's V(sweep) mode.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: Reads only and lists what would be deleted (RV(swept), RV(deleted_policies)).
  diff_mode:
    support: full
    details: Shows the managed roles and the policies to delete before, and what is left after.
options:
  now:
    description:
      - The moment the expiries are compared with, as an ISO 8601 date-time with an offset (C(2027-06-30T00:00:00Z)).
      - When omitted, the controller's UTC clock. The cloud's own answer time (the HTTP C(Date) of its responses) would be
        the better judge, but the client layer does not expose it; a controller clock that is ahead may sweep a role a
        little early, whose access the cloud has not yet ended (at most by the clock's error).
    type: str
  delete_policies:
    description:
      - Also delete the managed custom policies that belonged to the swept roles or have expired themselves and are used
        by nothing else.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds (1 to 3600) to wait, for each deleted role and policy, until RAM answers that it is gone.
    type: int
    default: 60
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.ram_role_info
"""

EXAMPLES = r"""
- name: What would go now (reads only)
  apsaramq.cross_account.ram_role_sweep:
  check_mode: true
  register: would_go

- name: Delete the expired partner roles and their policies
  apsaramq.cross_account.ram_role_sweep:
  register: sweep

- name: Show who lost access
  ansible.builtin.debug:
    msg: "{{ sweep.swept | map(attribute='partners') | flatten | unique }}"
"""

RETURN = r"""
now:
  description: The moment the expiries were compared with (ISO 8601 UTC).
  returned: always
  type: str
  sample: "2027-07-01T08:00:00Z"
now_source:
  description: V(option) when O(now) was given, else V(controller) (the controller's UTC clock).
  returned: always
  type: str
  sample: controller
swept:
  description: The expired managed roles deleted (to be deleted in check mode), sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: Name of the swept role.
      type: str
    expires_at:
      description: Its C(expires-at) tag.
      type: str
    partners:
      description: The partner UIDs of its C(partner) tag.
      type: list
      elements: str
    policies:
      description: The custom policies deleted with it.
      type: list
      elements: str
    gone:
      description: True once GetRole answered that the role no longer exists; null in check mode.
      type: bool
  sample: [{"role_name": "mq-partner-b", "expires_at": "2027-06-30T00:00:00Z", "partners": ["2000000000000002"],
            "policies": ["mq-partner-b"], "gone": true}]
deleted_policies:
  description: The custom policies deleted (to be deleted in check mode), with why.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: Name of the deleted policy.
      type: str
    reason:
      description: Attached to which expired role, or its own C(expires-at) passed.
      type: str
    gone:
      description: True once GetPolicy answered that the policy no longer exists; null in check mode.
      type: bool
  sample: [{"policy_name": "mq-partner-b", "reason": "attached to the expired role mq-partner-b", "gone": true}]
kept_policies:
  description: Managed custom policies that would have been deleted but are still used by another role, user or group.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: Name of the policy kept.
      type: str
    reason:
      description: Why it would have been deleted.
      type: str
    attached_to:
      description: What else uses it (C(role <name>), C(user <name>), C(group <name>)).
      type: list
      elements: str
  sample: []
remaining:
  description: The managed roles that stay, with their expiry (null when they have none).
  returned: always
  type: list
  elements: dict
  sample: [{"role_name": "mq-partner-c", "expires_at": "2028-06-30T00:00:00Z"}]
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import format_expiry
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_role_sweep_args import (
    ARGUMENT_SPEC,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_sweep import (
    apply_sweep,
    describe_plan,
    plan_sweep,
    prove_gone,
    read_managed,
)


def snapshot(roles, policies):
    return {"roles": sorted(role["RoleName"] for role in roles), "policies": sorted(policies)}


def run(module):
    request = validated_request(module.params)
    client = module.client("ram")
    roles, policies = read_managed(client, request["delete_policies"])
    plan = plan_sweep(client, roles, policies, request["now"])
    changed = bool(plan["roles"] or plan["policies"])
    gone = None
    if changed and not module.check_mode:
        apply_sweep(client, plan)
        prove_gone(client, plan, request["wait_timeout"])
        gone = True
    swept_names = {entry["role"]["RoleName"] for entry in plan["roles"]}
    deleted = {policy["policy_name"] for policy in plan["policies"]}
    managed_policy_names = [policy["PolicyName"] for policy in policies]
    diff = {
        "before": snapshot(roles, managed_policy_names),
        "after": snapshot(
            [role for role in roles if role["RoleName"] not in swept_names],
            [name for name in managed_policy_names if name not in deleted],
        ),
    }
    return {
        "changed": changed,
        "now": format_expiry(request["now"]),
        "now_source": request["now_source"],
        "diff": diff,
        **describe_plan(plan, gone),
    }


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).execute(run)


if __name__ == "__main__":
    main()
