#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role_info
short_description: Read RAM roles with their trust parsed and cross-account principals flagged
version_added: 0.1.0
description:
  - Returns one RAM role (O(name)) or every role of the account, each with its trust policy, the principals it trusts
    (flagged when they belong to another account), and its attached policies.
  - Answers the owner's audit question "who outside this account can assume what, with which permissions".
  - Makes read calls only. Listing every role follows ListRoles' pages and reads each role and its attachments.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
  - apsaramq.cross_account.attributes.info_module
options:
  include_policy_documents:
    description:
      - Also return the default version and document of every attached policy (one more read per policy).
    type: bool
    default: false
  name:
    description:
      - Name of the role to read (case-insensitive). When omitted, every role of the account is returned.
      - An unknown role is not an error; RV(roles) is then empty.
    type: str
    aliases: [role_name]
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.ram_policy_info
"""

EXAMPLES = r"""
- name: Read one role
  apsaramq.cross_account.ram_role_info:
    name: mq-partner-operator
  register: found

- name: Fail when a partner account we no longer work with can still assume the role
  ansible.builtin.assert:
    that: "'3000000000000003' not in found.roles[0].trusted_principals.accounts"

- name: Every role of the account, with the documents of its policies
  apsaramq.cross_account.ram_role_info:
    include_policy_documents: true
  register: all_roles

- name: Principals of other accounts that can assume one of our roles
  ansible.builtin.debug:
    msg: "{{ all_roles.roles | map(attribute='principals') | flatten | selectattr('cross_account') | map(attribute='principal') | unique }}"
"""

RETURN = r"""
roles:
  description:
    - The role asked for (zero or one item) or every role of the account, sorted by name.
    - Each item holds the keys that RV(apsaramq.cross_account.ram_role#module:role) documents, built by the same
      code - C(arn), C(role_id), C(role_name), C(description), C(max_session_duration),
      C(create_date), C(update_date), C(account_id), C(assume_role_policy_document), C(trusted_principals),
      C(principals), C(policies), C(switch_role) and C(expires_at) - except C(tags). C(role_id), C(create_date) and
      C(update_date) are never null here (they are read, not predicted).
  returned: always
  type: list
  elements: dict
  contains:
    policies:
      description:
        - The policies attached to the role, each with C(policy_name) and C(policy_type) as in
          RV(apsaramq.cross_account.ram_role#module:role.policies), and with two more keys when
          O(include_policy_documents=true).
      type: list
      elements: dict
      contains:
        default_version:
          description: Id of the policy's default version.
          type: str
          returned: when O(include_policy_documents=true)
        document:
          description: The default version's document, parsed, with its keys as stored.
          type: dict
          returned: when O(include_policy_documents=true)
  sample:
    - arn: acs:ram::1000000000000001:role/mq-partner-operator
      role_id: "300000000000000001"
      role_name: mq-partner-operator
      description: Partners operate our ApsaraMQ instances
      max_session_duration: 3600
      create_date: "2026-01-01T00:00:00Z"
      update_date: "2026-01-02T00:00:00Z"
      account_id: "1000000000000001"
      assume_role_policy_document: {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                                   "Principal": {"RAM": ["acs:ram::2000000000000002:root"]}}],
                                    "Version": "1"}
      trusted_principals: {"accounts": ["2000000000000002"], "ram_arns": [], "services": [], "federated": []}
      principals: [{"type": "account", "principal": "2000000000000002", "account_id": "2000000000000002",
                    "cross_account": true}]
      policies: [{"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"}]
      switch_role: {"account_id": "1000000000000001", "role_name": "mq-partner-operator"}
      expires_at: "2027-06-30T00:00:00Z"
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import list_attached
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import default_document, get_policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import (
    get_role,
    list_role_names,
    role_facts,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import validate_role_name

ARGUMENT_SPEC = dict(
    name=dict(type="str", aliases=["role_name"]),
    include_policy_documents=dict(type="bool", default=False),
)


def policy_documents(client, attached):
    """Default version and parsed document of each attached policy, keyed by (type, name)."""
    documents = {}
    for policy in attached:
        body = get_policy(client, policy["PolicyName"], policy["PolicyType"]) or {}
        documents[(policy["PolicyType"], policy["PolicyName"])] = {
            "default_version": (body.get("DefaultPolicyVersion") or {}).get("VersionId"),
            "document": default_document(body),
        }
    return documents


def describe(client, role, include_documents):
    attached = list_attached(client, "Role", role["RoleName"])
    documents = policy_documents(client, attached) if include_documents else None
    return role_facts(role, attached, documents)


def read_roles(client, name):
    """The role called ``name`` (zero or one), or every role when ``name`` is None."""
    if name is not None:
        role = get_role(client, name)
        return [role] if role else []
    # ListRoles carries no trust policy: each role is read on its own. A role deleted meanwhile is skipped.
    return [
        role for role in (get_role(client, listed) for listed in sorted(list_role_names(client), key=str.lower)) if role
    ]


def run(module):
    name = module.params["name"]
    name = None if name is None else validate_role_name(name, "name")
    client = module.client("ram")
    return {
        "changed": False,
        "roles": [
            describe(client, role, module.params["include_policy_documents"]) for role in read_roles(client, name)
        ],
    }


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).execute(run)


if __name__ == "__main__":
    main()
