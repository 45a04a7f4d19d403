#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_policy_info
short_description: Read RAM policies, their documents and what they are attached to
version_added: 0.1.0
description:
  - Returns one RAM policy by name, or every policy of the account (optionally only system or only custom ones).
  - Optionally adds each policy's default document and the roles, users and groups it is attached to.
  - Makes only read calls and never reports a change.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
  - apsaramq.cross_account.attributes.info_module
options:
  name:
    description:
      - Name of one policy to return. When omitted, every policy is listed (all pages).
      - A policy that does not exist gives an empty RV(policies) list, not an error.
    type: str
    aliases: [policy_name]
  policy_type:
    description:
      - With O(name), the type of the named policy; when omitted, a custom policy of that name is looked up first, then a system one.
      - Without O(name), list only the policies of this type.
    type: str
    choices: [System, Custom]
  include_documents:
    description:
      - Add the default version's document to each policy. A listing then makes one more read per policy.
    type: bool
    default: false
  include_versions:
    description:
      - Add every version with its document to each custom policy (one more read per policy).
    type: bool
    default: false
  include_attachments:
    description:
      - Add the roles, users and groups each policy is attached to (C(ListEntitiesForPolicy), one more read per policy).
    type: bool
    default: false
seealso:
  - module: apsaramq.cross_account.ram_policy
"""

EXAMPLES = r"""
- name: Read one custom policy with its document and attachments
  apsaramq.cross_account.ram_policy_info:
    name: orders-pubsub
    include_documents: true
    include_attachments: true
  register: orders_policy

- name: Who may publish to the orders topic?
  ansible.builtin.debug:
    msg: "{{ orders_policy.policies[0].attached_to.roles }}"
  when: orders_policy.policies | length > 0

- name: Every custom policy of the account
  apsaramq.cross_account.ram_policy_info:
    policy_type: Custom
  register: custom_policies

- name: The system policy the product documentation grants to partner users
  apsaramq.cross_account.ram_policy_info:
    name: AliyunSTSAssumeRoleAccess
    policy_type: System
    include_documents: true
"""

RETURN = r"""
policies:
  description: The policies found, sorted by type and name (one or none when O(name) is given).
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: Name of the policy found.
      type: str
      sample: AliyunSTSAssumeRoleAccess
    policy_type:
      description: C(System) or C(Custom).
      type: str
      sample: System
    description:
      description: Description of the policy.
      type: str
    default_version:
      description: Id of the default version.
      type: str
      sample: v1
    create_date:
      description: When the policy was created.
      type: str
      sample: "2026-01-01T00:00:00Z"
    update_date:
      description: When the policy was last changed.
      type: str
      sample: "2026-01-02T00:00:00Z"
    attachment_count:
      description: Number of roles, users and groups the policy is attached to.
      type: int
    document:
      description: The default version's document, parsed, with its keys as stored.
      returned: when O(include_documents=true)
      type: dict
    versions:
      description: Every version of a custom policy, oldest first, with C(version_id), C(is_default_version), C(create_date) and C(document).
      returned: when O(include_versions=true) and the policy is custom
      type: list
      elements: dict
    attached_to:
      description: Names of the roles, users and groups the policy is attached to.
      returned: when O(include_attachments=true)
      type: dict
      sample: {"roles": ["partner-b-operator"], "users": [], "groups": []}
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    default_document,
    describe_policy,
    find_policy,
    get_policy,
    list_entities,
    list_policies,
    list_versions,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import validate_policy_name

ARGUMENT_SPEC = dict(
    name=dict(type="str", aliases=["policy_name"]),
    policy_type=dict(type="str", choices=["System", "Custom"]),
    include_documents=dict(type="bool", default=False),
    include_versions=dict(type="bool", default=False),
    include_attachments=dict(type="bool", default=False),
)


def named_policy(client, name, policy_type):
    """[(Policy record, GetPolicy body)] for one named policy, or [] when it does not exist."""
    body = find_policy(client, name, policy_type)
    return [(body["Policy"], body)] if body else []


def listed_policies(client, policy_type):
    """[(Policy record, None)] for every policy; GetPolicy bodies are fetched only when documents are wanted."""
    return [(policy, None) for policy in list_policies(client, policy_type)]


def describe(client, policy, body, params):
    """One policy with the extras asked for; each extra costs its own read."""
    name, policy_type = policy["PolicyName"], policy.get("PolicyType", "Custom")
    document = versions = attached_to = None
    if params["include_documents"]:
        document = default_document(body or get_policy(client, name, policy_type) or {})
    if params["include_versions"] and policy_type == "Custom":
        versions = list_versions(client, name, policy_type)
    if params["include_attachments"]:
        attached_to = list_entities(client, name, policy_type)
    return describe_policy(policy, document, versions, attached_to)


def run(module):
    params = module.params
    if params["name"] is not None:
        validate_policy_name(params["name"], "name")
    client = module.client("ram")
    if params["name"] is not None:
        found = named_policy(client, params["name"], params["policy_type"])
    else:
        found = listed_policies(client, params["policy_type"])
    found.sort(key=lambda item: (item[0].get("PolicyType", ""), item[0]["PolicyName"]))
    return {"changed": False, "policies": [describe(client, policy, body, params) for policy, body in found]}


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).execute(run)


if __name__ == "__main__":
    main()
