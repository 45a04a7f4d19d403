# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The partner_roles filter: the owner_setup role's plan of one RAM role and one custom policy per partner."""

from __future__ import annotations

DOCUMENTATION = r"""
name: partner_roles
short_description: Plan one RAM role and one RocketMQ policy per partner (the owner_setup role's per-partner mode)
version_added: 0.1.0
description:
  - Turns a list of partners into the arguments of one M(apsaramq.cross_account.ram_policy) and one
    M(apsaramq.cross_account.ram_role) task per partner, in the form the M(apsaramq.cross_account.preflight) module
    checks (C(module), C(args), C(names)), so that one preflight task checks every partner before the first API call.
  - The role is named O(prefix) + the partner's alias (its UID without one), the policy C(<role>-rocketmq). Each role
    trusts its partner alone, and both are tagged C(managed-by=apsaramq.cross_account), C(partner=<UID>) and, with an
    end date, C(expires-at=<ISO 8601 UTC>).
  - What a partner leaves out comes from O(defaults). The policy document is made by the
    C(apsaramq.cross_account.rocketmq_policy) filter from the partner's grant and end date.
  - Never fails on a partner's input; it collects problems instead (two partners with one UID or one role name, a
    grant the rocketmq_policy filter refuses, an unreadable end date, a partner granted nothing), each naming
    C(owner_setup_partners[<index>]), for the preflight module to report together with its own.
options:
  _input:
    description: The partners, as the owner_setup role's C(owner_setup_partners) describes them.
    type: list
    elements: dict
    required: true
  prefix:
    description: The start of every role name.
    type: str
    required: true
  defaults:
    description:
      - What a partner leaves out, keyed like a partner (C(grant), C(external_id), C(source_ips), C(mfa_required),
        C(max_session_duration), C(expires_at), C(system_policies)), plus C(description) (of the roles),
        C(purge_policies) and C(tags) (of your own, for roles and policies).
    type: dict
    default: {}
  label:
    description: What problems call the list, followed by C([<index>]).
    type: str
    default: owner_setup_partners
author:
  - apsaramq.cross_account maintainers (@apsaramq)
"""

EXAMPLES = r"""
- name: Plan the roles of two partners
  ansible.builtin.set_fact:
    plan: >-
      {{ [{'uid': '2000000000000002', 'alias': 'partner-b'}, {'uid': '3000000000000003', 'expires_at': '2027-06-30T00:00:00Z'}]
         | apsaramq.cross_account.partner_roles(prefix='rocketmq-partner-', defaults={'grant': grant}) }}
  vars:
    grant: {series: "4.x", instance_id: MQ_INST_1000000000000001_BXhFHbcq, publish_topics: [orders]}
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    partners:
      description:
        - One entry per partner, in order, with C(uid), C(alias), C(label), C(role_name), C(role_key) (the role name in
          lower case), C(policy_name) (null without a grant), C(expires_at) (canonical text or null), C(document) (the
          policy document, null without a grant or when the grant is refused), C(line) (one line for people),
          C(role_check) and C(policy_check) (null without a grant) in the preflight module's task form.
      type: list
      elements: dict
    problems:
      description: "What is wrong with the partners, each C(<label>[<index>]...: <reason>)."
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.apsaramq.cross_account.plugins.filter.rocketmq_policy import rocketmq_policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import (
    EXPIRES_AT_KEY,
    MANAGED_BY_KEY,
    MANAGED_BY_VALUE,
    PARTNER_KEY,
    normalize_expiry,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

POLICY_SUFFIX = "-rocketmq"
DEFAULT_DESCRIPTION = "Cross-account access to ApsaraMQ for RocketMQ (managed by Ansible)"
# Role options a partner may set, with the preflight label of their fallback variable.
PARTNER_OPTIONS = {
    "max_session_duration": "owner_setup_max_session_duration",
    "external_id": "owner_setup_external_id",
    "source_ips": "owner_setup_source_ips",
    "mfa_required": "owner_setup_mfa_required",
}


def _given(value):
    return value not in (None, "", [], {})


def _pick(partner, defaults, key, fallback=None):
    """The partner's own value, else the default's, else ``fallback`` (empty values count as not given)."""
    for source in (partner, defaults):
        if _given(source.get(key)):
            return source[key]
    return fallback


class _Partner:
    """One partner's plan; ``problems`` collects what is wrong with it."""

    def __init__(self, partner, index, prefix, defaults, label):
        self.partner = partner
        self.defaults = defaults
        self.label = f"{label}[{index}]"
        self.problems = []
        self.uid = str(partner.get("uid", ""))
        self.alias = str(partner.get("alias") or "")
        self.role_name = prefix + (self.alias or self.uid)
        self.grant = _pick(partner, defaults, "grant")
        self.system_policies = list(_pick(partner, defaults, "system_policies", []))
        self.expires_at = self._expiry()
        self.policy_name = self.role_name + POLICY_SUFFIX if self.grant is not None else None
        self.document = self._document()
        if self.grant is None and not self.system_policies:
            self.problems.append(
                f"{self.label}: grants nothing; set its grant (or owner_setup_grant) or system_policies"
            )

    def _expiry(self):
        """The partner's own end, else its grant's, else the default one, in the canonical text."""
        grant = self.grant if isinstance(self.grant, dict) else {}
        for field, value in (
            (f"{self.label}.expires_at", self.partner.get("expires_at")),
            (f"{self.label}.grant.expires_at", grant.get("expires_at")),
            ("owner_setup_expires_at", self.defaults.get("expires_at")),
        ):
            if _given(value):
                try:
                    return normalize_expiry(value, field)
                except ValidationError as error:
                    self.problems.append(str(error))
                    return None
        return None

    def _document(self):
        if self.grant is None:
            return None
        grant = dict(self.grant) if isinstance(self.grant, dict) else self.grant
        if isinstance(grant, dict) and self.expires_at:
            grant["expires_at"] = self.expires_at
        try:
            return rocketmq_policy(grant)
        except AnsibleFilterError as error:
            reason = str(error.message).split("rocketmq_policy: ", 1)[-1]
            self.problems.append(
                f"{self.label}.{reason}" if reason.startswith("grant.") else f"{self.label}.grant: {reason}"
            )
            return None

    def tags(self, with_expiry):
        tags = dict(self.defaults.get("tags") or {})
        tags.update({MANAGED_BY_KEY: MANAGED_BY_VALUE, PARTNER_KEY: self.uid})
        if with_expiry and self.expires_at:
            tags[EXPIRES_AT_KEY] = self.expires_at
        return tags

    def role_check(self):
        policy_label = f"{self.label}.alias (the policy name is the role name + {POLICY_SUFFIX})"
        args = {
            "name": self.role_name,
            "description": f"{self.defaults.get('description') or DEFAULT_DESCRIPTION} - partner {self.uid}",
            "trusted_accounts": [self.uid],
            "policies": ([f"Custom:{self.policy_name}"] if self.policy_name else []) + self.system_policies,
            "purge_policies": bool(self.defaults.get("purge_policies", True)),
            "tags": self.tags(with_expiry=False),  # ram_role adds expires-at itself from expires_at
            "expires_at": self.expires_at,
        }
        names = {option: f"{self.label}.{option} (or {variable})" for option, variable in PARTNER_OPTIONS.items()}
        for option in PARTNER_OPTIONS:
            value = _pick(self.partner, self.defaults, option)
            if value is not None and value is not False:
                args[option] = value
        names.update(
            {
                "name": f"{self.label}.alias (the role name is the prefix + the alias, or the UID without one)",
                "description": "owner_setup_role_description",
                "trusted_accounts": [f"{self.label}.uid"],
                "policies": [policy_label] * bool(self.policy_name)
                + [
                    f"{self.label}.system_policies[{index}] (or owner_setup_system_policies)"
                    for index in range(len(self.system_policies))
                ],
                "purge_policies": "owner_setup_purge_policies",
                "tags": f"owner_setup_tags with the collection's tags (partner = {self.label}.uid)",
                "expires_at": f"{self.label}.expires_at (or its grant's, or owner_setup_expires_at)",
            }
        )
        return {"module": "ram_role", "args": args, "names": names}

    def policy_check(self):
        if self.policy_name is None:
            return None
        args = {
            "name": self.policy_name,
            "document": self.document,
            "tags": self.tags(with_expiry=True),
            "description": f"RocketMQ rights of the role {self.role_name} (managed by Ansible)",
        }
        names = {
            "name": f"{self.label}.alias (the policy name is the role name + {POLICY_SUFFIX})",
            "document": f"{self.label}.grant (the policy document the rocketmq_policy filter made of it)",
            "description": f"{self.label}.alias (in the description)",
            "tags": f"owner_setup_tags with the collection's tags (partner = {self.label}.uid)",
        }
        return {"module": "ram_policy", "args": args, "names": names}

    def line(self):
        who = self.uid + (f" ({self.alias})" if self.alias else "")
        parts = [
            f"{who}: role {self.role_name}",
            f"policy {self.policy_name}" if self.policy_name else "no custom policy",
        ]
        parts += self.system_policies
        parts.append(f"access ends {self.expires_at}" if self.expires_at else "no end date")
        return ", ".join(parts)

    def plan(self):
        return {
            "uid": self.uid,
            "alias": self.alias or None,
            "label": self.label,
            "role_name": self.role_name,
            "role_key": self.role_name.lower(),
            "policy_name": self.policy_name,
            "expires_at": self.expires_at,
            "document": self.document,
            "line": self.line(),
            "role_check": self.role_check(),
            "policy_check": self.policy_check(),
        }


def _duplicates(plans, key, what):
    """``<label>, <label>: <what>`` for every value of ``key`` that more than one partner has."""
    seen = {}
    for plan in plans:
        seen.setdefault(plan[key], []).append(plan["label"])
    return [f"{', '.join(labels)}: {what}" for labels in seen.values() if len(labels) > 1]


def partner_roles(partners, prefix, defaults=None, label="owner_setup_partners"):
    """The plan of one role and one policy per partner (see DOCUMENTATION)."""
    if not isinstance(partners, list) or not all(isinstance(partner, dict) for partner in partners):
        raise AnsibleFilterError(f"partner_roles: {label} must be a list of dicts (uid, alias, grant, ...)")
    planned = [
        _Partner(partner, index, str(prefix), dict(defaults or {}), label) for index, partner in enumerate(partners)
    ]
    plans = [partner.plan() for partner in planned]
    problems = _duplicates(plans, "uid", "name the same partner UID")
    problems += _duplicates(plans, "role_key", "derive the same role name; give them distinct aliases")
    problems += [problem for partner in planned for problem in partner.problems]
    return {"partners": plans, "problems": problems}


class FilterModule:
    """apsaramq.cross_account filters."""

    def filters(self):
        return {"partner_roles": partner_roles}
