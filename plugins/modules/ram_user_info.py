#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_user_info
short_description: Read the RAM users of an account with their groups, grants, AccessKeys and console logins, never a secret
version_added: 0.1.0
description:
  - Returns RAM users (all of them, or those of O(names)) with their groups, attached policies and AssumeRole grant
    policies, AccessKey ids with status, creation date and age, the state of their console login profile (exists,
    password reset required, MFA binding required) and whether they carry this collection's marker (see
    M(apsaramq.cross_account.ram_user_grant)). Also the groups of the account with their members.
  - Answers the partner's audit questions "who can sign in, whose keys are old or disabled, who holds a grant".
  - Never returns a secret. RAM gives no AccessKey secret or password back after their creation, and none is read.
  - Makes read calls only, page by page and bounded (O(max_users)). Each user costs four reads (groups, policies,
    AccessKeys, login profile); each group one read per page of members.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
  - apsaramq.cross_account.attributes.info_module
options:
  names:
    description:
      - Names of the users to read. When empty, the users of the account are listed (up to O(max_users)).
      - An unknown name is not an error; it is returned in RV(missing_users).
    type: list
    elements: str
    default: []
    aliases: [user_names]
  include_groups:
    description:
      - Also return every group of the account (at most 300, RAM's limit) with its members.
    type: bool
    default: true
  max_users:
    description:
      - At most this many users (1 to 1000) are listed when O(names) is empty; RV(truncated) says when the account has
        more.
    type: int
    default: 100
  access_key_max_age_days:
    description:
      - Flag active AccessKeys older than this many days (1 to 3650) with C(over_age).
    type: int
seealso:
  - module: apsaramq.cross_account.ram_user_grant
  - module: apsaramq.cross_account.ram_role_info
"""

EXAMPLES = r"""
- name: Every user of the partner account, with the keys older than 90 days flagged
  apsaramq.cross_account.ram_user_info:
    access_key_max_age_days: 90
  register: people

- name: Who can sign in to the console without having changed the first password
  ansible.builtin.debug:
    msg: "{{ people.users | selectattr('login_profile.exists') | selectattr('login_profile.password_reset_required')
             | map(attribute='user_name') | list }}"

- name: Fail on an old AccessKey
  ansible.builtin.assert:
    that: people.users | map(attribute='access_keys') | flatten | selectattr('over_age') | list | length == 0

- name: Two users only, without the groups of the account
  apsaramq.cross_account.ram_user_info:
    names: [alice, orders-app]
    include_groups: false
"""

RETURN = r"""
users:
  description: The users, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    user_name:
      description: Name of the user as RAM stores it.
      type: str
      sample: alice
    user_id:
      description: Id of the user.
      type: str
    display_name:
      description: Display name.
      type: str
    comments:
      description: Comments, without the collection's marker.
      type: str
    managed:
      description: Whether the user carries the collection's marker (M(apsaramq.cross_account.ram_user_grant) created it).
      type: bool
    create_date:
      description: When the user was created (ISO 8601 UTC).
      type: str
    update_date:
      description: When the user was last changed (ISO 8601 UTC).
      type: str
    groups:
      description: Names of the groups the user belongs to.
      type: list
      elements: str
    policies:
      description: Policies attached to the user, with C(policy_name) and C(policy_type).
      type: list
      elements: dict
    grant_policies:
      description:
        - The attached policies that are an AssumeRole grant of M(apsaramq.cross_account.ram_user_grant)
          (C(AssumeRole-<user>) or C(AliyunSTSAssumeRoleAccess)); a grant policy of another name is not recognised.
      type: list
      elements: str
      sample: [AssumeRole-alice]
    access_keys:
      description: The user's AccessKeys, without secrets.
      type: list
      elements: dict
      contains:
        access_key_id:
          description: Id of the key.
          type: str
        status:
          description: V(Active) or V(Inactive).
          type: str
        create_date:
          description: When the key was created.
          type: str
        age_days:
          description: Days since then.
          type: float
        over_age:
          description: Active and older than O(access_key_max_age_days).
          type: bool
          returned: when O(access_key_max_age_days) is set
    login_profile:
      description: The console login profile.
      type: dict
      contains:
        exists:
          description: Whether the user may sign in to the console with a password.
          type: bool
        password_reset_required:
          description: The password must be changed at the next sign-in.
          type: bool
          returned: when it exists
        mfa_bind_required:
          description: An MFA device must be bound at the next sign-in.
          type: bool
          returned: when it exists
        create_date:
          description: When the profile was created.
          type: str
          returned: when it exists
    login_name:
      description: The console sign-in name, C(<user>@<account alias or UID>.onaliyun.com).
      type: str
      returned: when the login profile exists
groups:
  description: The groups of the account with their members, sorted by name.
  returned: when O(include_groups=true)
  type: list
  elements: dict
  contains:
    group_name:
      description: Name of the group.
      type: str
    comments:
      description: Comments on the group.
      type: str
    members:
      description: Names of its users.
      type: list
      elements: str
  sample: [{"group_name": "operators", "comments": "", "members": ["alice", "bob"]}]
missing_users:
  description: Names of O(names) that no user has.
  returned: always
  type: list
  elements: str
truncated:
  description: Whether the account has more users than O(max_users) (only the first ones are returned).
  returned: always
  type: bool
signin_url:
  description: The RAM user sign-in page.
  returned: always
  type: str
  sample: https://signin.aliyun.com/login.htm
"""

from datetime import datetime, timezone

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_user_grant_args import (
    default_grant_policy_name,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_user_info_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_users import (
    SIGNIN_URL,
    account_alias,
    describe_user,
    get_user,
    list_paged,
    sign_in,
)

MAX_GROUPS = 300  # per account (RAM limits)
MEMBERS_PER_GROUP = 1000


def read_users(client, names, max_users):
    """(user records, names not found, truncated): the named users, or the account's first ``max_users``."""
    if names:
        found = {name: get_user(client, name) for name in names}
        return [user for user in found.values() if user], [name for name, user in found.items() if not user], False
    users, truncated = list_paged(client, "ListUsers", {}, "Users", "User", max_users)
    return users, [], truncated


def read_groups(client):
    groups, _more = list_paged(client, "ListGroups", {}, "Groups", "Group", MAX_GROUPS)
    described = []
    for group in groups:
        members, _more = list_paged(
            client, "ListUsersForGroup", {"GroupName": group["GroupName"]}, "Users", "User", MEMBERS_PER_GROUP
        )
        described.append(
            {
                "group_name": group["GroupName"],
                "comments": group.get("Comments") or "",
                "members": sorted((member["UserName"] for member in members), key=str.lower),
            }
        )
    return sorted(described, key=lambda group: group["group_name"].lower())


def grant_policies_of(user_name):
    return {("Custom", default_grant_policy_name(user_name)), ("System", "AliyunSTSAssumeRoleAccess")}


def add_login_names(module, client, users):
    """The console sign-in name of each user who has a login profile (one GetAccountAlias, only if any has one)."""
    people = [user for user in users if user["login_profile"]["exists"]]
    if not people:
        return
    alias = account_alias(client)
    uid = None if alias else module.identity().get("AccountId")
    for user in people:
        user["login_name"] = sign_in(user["user_name"], alias, uid)["login_name"]


def run(module):
    names = validated_request(module.params)
    client = module.client("ram")
    records, missing, truncated = read_users(client, names, module.params["max_users"])
    now = datetime.now(timezone.utc)
    users = [
        describe_user(
            client, record, now, grant_policies_of(record["UserName"]), module.params["access_key_max_age_days"]
        )
        for record in sorted(records, key=lambda record: record["UserName"].lower())
    ]
    add_login_names(module, client, users)
    if truncated:
        module.warn(
            f"max_users: the account has more than {module.params['max_users']} users; only the first ones are returned"
        )
    result = {
        "changed": False,
        "users": users,
        "missing_users": missing,
        "truncated": truncated,
        "signin_url": SIGNIN_URL,
    }
    if module.params["include_groups"]:
        result["groups"] = read_groups(client)
    return result


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
