#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_group
short_description: Manage a RAM user group, its members and its attached policies
version_added: 0.1.0
description:
  - Creates, updates or deletes a RAM (Resource Access Management) user group of an Alibaba Cloud account, with its
    members and the policies attached to it.
  - A partner account typically grants C(sts:AssumeRole) on the owner's role to one group; people who join or leave then
    change only the group's membership, and the owner account changes nothing.
  - Users are matched case-insensitively, as RAM does, and reported as RAM spells them. Group names are matched the way
    RAM matches them; an existing group keeps its spelling (no rename).
  - Every member and policy is checked before anything is written. A user that does not exist fails the task naming its
    O(members) index; an unknown policy fails it naming O(policies). In check mode both are assumed to be created by an
    earlier task (a warning says so).
  - O(state=absent) removes every member and detaches every policy (RAM refuses to delete a group that has either),
    then deletes the group.
  - Supports check mode (no write call; a create returns the group that would be created) and diff mode.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: Makes only read calls and returns the predicted group.
  diff_mode:
    support: full
    details: Shows the comments, the members and the attached policies before and after.
options:
  group_name:
    description:
      - Name of the group. Letters, digits, C(.), C(_) and C(-), 1 to 64 characters.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) creates or updates the group, V(absent) removes its members, detaches its policies and deletes it.
    type: str
    choices: [present, absent]
    default: present
  comments:
    description:
      - Comments of the group, at most 128 characters. When omitted, the comments are left as they are.
    type: str
  members:
    description:
      - Names of RAM users of the account that belong to the group. Each must exist (see
        M(apsaramq.cross_account.ram_user_grant)); repeats are ignored.
      - Users in the group but not listed stay, unless O(purge_members) is set.
      - When omitted, the membership is left as it is.
    type: list
    elements: str
  purge_members:
    description:
      - Remove the members that are not listed in O(members). Requires O(members); V(members=[]) with
        O(purge_members=true) empties the group.
    type: bool
    default: false
  policies:
    description:
      - Policies to attach to the group. Each element is either a policy name, optionally prefixed with C(System:) or
        C(Custom:), or a mapping with the keys C(name) and C(type) (V(Custom) or V(System)).
      - A name without a type is looked up as a custom policy first, then as a system policy.
      - Attached policies that are not listed stay, unless O(purge_policies) is set.
      - When omitted, attachments are left as they are.
    type: list
    elements: raw
  purge_policies:
    description:
      - Detach the attached policies that are not listed in O(policies). Requires O(policies).
    type: bool
    default: false
notes:
  - A group created by this module may be visible to the next API call only after a moment (RAM is eventually
    consistent); adding members or attaching policies right after the creation waits for it.
  - A user belongs to at most 10 groups and an account has at most 300 groups (RAM's limits); RAM's refusal is reported
    as it comes.
  - Adding a user to a group that holds an C(sts:AssumeRole) grant lets that user assume the role at once; removing the
    user refuses new AssumeRole calls, while sessions already issued last until they expire.
seealso:
  - module: apsaramq.cross_account.ram_user_grant
  - module: apsaramq.cross_account.ram_policy
  - module: apsaramq.cross_account.sts_assume
"""

EXAMPLES = r"""
- name: The operators of partner B, allowed to assume Account A's role through one custom policy
  apsaramq.cross_account.ram_group:
    group_name: mq-operators
    comments: People who operate Account A's ApsaraMQ instances
    members: [alice, bob]
    policies:
      - name: AssumeRole-mq-partner-operator
        type: Custom
      - System:AliyunRAMReadOnlyAccess
  register: group

- name: A joiner - bob is added; the other members stay
  apsaramq.cross_account.ram_group:
    group_name: mq-operators
    members: [bob]

- name: Exactly these members and policies (alice has left)
  apsaramq.cross_account.ram_group:
    group_name: mq-operators
    members: [bob]
    purge_members: true
    policies: [AssumeRole-mq-partner-operator]
    purge_policies: true

- name: Delete the group (members removed and policies detached first)
  apsaramq.cross_account.ram_group:
    group_name: mq-operators
    state: absent
"""

RETURN = r"""
group:
  description: The group after the task (predicted in check mode), with its members and attached policies; empty after a
    deletion.
  returned: always
  type: dict
  contains:
    group_name:
      description: Name of the group as RAM stores it.
      type: str
      sample: mq-operators
    group_id:
      description: Id of the group (null when predicted in check mode).
      type: str
      sample: g-FpMEHiMysofp0001
    comments:
      description: Comments of the group.
      type: str
      sample: People who operate Account A's ApsaraMQ instances
    create_date:
      description: When the group was created (null when predicted in check mode).
      type: str
      sample: "2026-01-01T00:00:00Z"
    update_date:
      description: When the group was last changed, when RAM reports it.
      type: str
      sample: "2026-01-02T00:00:00Z"
    members:
      description: Names of the users in the group, sorted case-insensitively.
      type: list
      elements: str
      sample: [alice, bob]
    policies:
      description: Policies attached to the group, each with C(policy_name) and C(policy_type) (C(System) or C(Custom)).
      type: list
      elements: dict
      sample: [{"policy_name": "AssumeRole-mq-partner-operator", "policy_type": "Custom"}]
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import (
    list_attached,
    update_attachments,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_group_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_groups import (
    MEMBERS_OPTION,
    create_group,
    delete_group,
    diff_view,
    get_group,
    group_facts,
    list_members,
    resolve_members,
    update_group,
    update_members,
    wait_until_visible,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    pending_policy_warning,
    wanted_attachments,
)


def wanted(module, client, request, members, attached):
    """The members and policies the task asks for, every one checked to exist before any write: (members, policies),
    each None when its option is not given."""
    users, pending_users = resolve_members(client, request["members"], members, module.check_mode)
    policies, pending_policies = wanted_attachments(client, request["policies"], attached, module.check_mode)
    for name in pending_users:
        module.warn(
            f"{MEMBERS_OPTION}: the RAM user {name} does not exist yet; check mode assumes an earlier task creates it"
        )
    for name in pending_policies:
        module.warn(pending_policy_warning(name))
    return users, policies


def ensure_present(module, client, request, current):
    check_mode = module.check_mode
    name = current["GroupName"] if current else request["group_name"]
    members = list_members(client, name) if current else []
    attached = list_attached(client, "Group", name) if current else []
    users, policies = wanted(module, client, request, members, attached)
    if current is None:
        changed, group = True, create_group(client, check_mode, name, request["comments"])
        if not check_mode and (users or policies):
            wait_until_visible(client, name)
    else:
        changed, group = update_group(client, check_mode, name, request["comments"], current)
    members_after, attached_after = members, attached
    if users is not None:
        members_changed, members_after = update_members(
            client, check_mode, name, users, members, request["purge_members"]
        )
        changed |= members_changed
    if policies is not None:
        policies_changed, attached_after = update_attachments(
            client, check_mode, "Group", name, policies, attached, request["purge_policies"]
        )
        changed |= policies_changed
    return {
        "changed": changed,
        "group": group_facts(group, members_after, attached_after),
        "diff": {
            "before": diff_view(current, members, attached),
            "after": diff_view(group, members_after, attached_after),
        },
    }


def ensure_absent(module, client, current):
    """Remove every member, detach every policy, then delete the group."""
    if current is None:
        return {"changed": False, "group": {}, "diff": {"before": {}, "after": {}}}
    name = current["GroupName"]
    members, attached = list_members(client, name), list_attached(client, "Group", name)
    delete_group(client, module.check_mode, name, members, attached)
    return {"changed": True, "group": {}, "diff": {"before": diff_view(current, members, attached), "after": {}}}


def run(module):
    request = validated_request(module.params)
    client = module.client("ram")
    current = get_group(client, request["group_name"])
    if request["state"] == "absent":
        return ensure_absent(module, client, current)
    return ensure_present(module, client, request, current)


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
