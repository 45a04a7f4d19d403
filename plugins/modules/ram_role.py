#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role
short_description: Manage a RAM role, its trust policy and its attached policies
version_added: 0.1.0
description:
  - Creates, updates or deletes a RAM (Resource Access Management) role of an Alibaba Cloud account, the role a partner
    account assumes to reach this account's ApsaraMQ for RocketMQ resources.
  - The trust policy is given either raw (O(assume_role_policy_document)) or from friendly options (O(trusted_accounts),
    O(trusted_ram_arns), O(trusted_services) with the conditions O(external_id), O(source_ips) and O(mfa_required)).
  - O(trust_mode) decides what the friendly options mean for an existing role. V(exact) makes the trust exactly what is
    given. V(add) and V(remove) add or remove the given principals and leave everyone else trusted, which is how one
    partner is revoked from a role shared by several.
  - Trust documents are compared semantically (key order, a string versus a one-item list, the order of statements and
    of list items, C(<uid>) versus C(acs:ram::<uid>:root) do not count as changes).
  - Role names are case-insensitive in RAM, so O(name=MyRole) manages an existing role C(myrole); it does not rename it.
  - O(state=absent) detaches every policy from the role and then deletes it.
  - Supports check mode (no write call; a create returns the role that would be created) and diff mode.
author:
  - apsaramq.cross_account maintainers (@apsaramq)
extends_documentation_fragment:
  - apsaramq.cross_account.common
attributes:
  check_mode:
    support: full
    description: Makes only read calls and returns the predicted role.
  diff_mode:
    support: full
    description: Shows the trust policy (as a parsed mapping), description, maximum session duration and attached policies.
options:
  name:
    description:
      - Name of the role. Letters, digits, C(.) and C(-), at most 64 characters. Matched case-insensitively.
    type: str
    required: true
    aliases: [role_name]
  state:
    description:
      - V(present) creates or updates the role, V(absent) detaches its policies and deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the role, at most 1024 characters. When omitted, the description is left as it is.
    type: str
  max_session_duration:
    description:
      - Longest session, in seconds, that STS AssumeRole may grant for this role (3600 to 43200).
      - When omitted, a new role gets RAM's default of 3600 and an existing role keeps its value.
    type: int
  assume_role_policy_document:
    description:
      - The complete trust policy, as a mapping, a JSON string or a YAML string.
      - At most 2,048 characters as compact JSON, and no wildcard (C(*), C(?)) in a principal; either fails before
        any API call. The RAM reference gives no length for a trust policy; 2,048 is the limit the collection and
        its emulator assume.
      - Cannot be combined with the friendly trust options.
      - When neither this nor a friendly trust option is given, the trust of an existing role is left as it is.
    type: raw
    aliases: [trust_policy]
  trusted_accounts:
    description:
      - UIDs (16 digits) of the accounts whose RAM users and roles may assume the role, once that account grants them
        C(sts:AssumeRole). Written as C(acs:ram::<uid>:root).
      - The trust policy built from the friendly options is bound by the 2,048-character limit of
        O(assume_role_policy_document) (59 accounts at most without conditions); beyond it the task fails before any API
        call.
    type: list
    elements: str
  trusted_ram_arns:
    description:
      - ARNs of single RAM users or roles that may assume the role, such as C(acs:ram::2000000000000002:user/alice).
      - Wildcards such as C(acs:ram::2000000000000002:user/*) are refused; trust the account with O(trusted_accounts)
        instead.
    type: list
    elements: str
  trusted_services:
    description:
      - Cloud services that may assume the role, such as C(ecs.aliyuncs.com).
    type: list
    elements: str
  external_id:
    description:
      - Require this C(sts:ExternalId) in AssumeRole calls of trusted accounts and RAM ARNs (confused-deputy protection).
      - With O(trust_mode=add) it is used only when the role is created; principals added to an existing role join its
        existing sts:AssumeRole statement and its conditions.
    type: str
  source_ips:
    description:
      - Allow the trusted accounts and RAM ARNs to assume the role only from these addresses or CIDR blocks.
      - With O(trust_mode=add) it is used only when the role is created.
    type: list
    elements: str
  mfa_required:
    description:
      - Allow the trusted accounts and RAM ARNs to assume the role only with multi-factor authentication.
      - With O(trust_mode=add) it is used only when the role is created.
    type: bool
    default: false
  trust_mode:
    description:
      - How the friendly trust options apply to an existing role.
      - V(exact) replaces the trust policy by the one built from the options.
      - V(add) adds the given principals to the current trust policy; its other principals and conditions are kept.
      - V(remove) removes the given principals from the current trust policy; the others stay trusted. A role cannot be
        created this way, and removing the last principal fails (delete the role instead).
      - Removing an account removes its C(acs:ram::<uid>:root) principal only; single users or roles of that account
        trusted by ARN are removed with O(trusted_ram_arns). RV(role.principals) lists what is left.
      - RAM has no locking, so two runs that add (or remove) different principals of one role at the same time could
        each write back the trust they read and drop the other's principal. With V(add) and V(remove) the module
        therefore reads the role back after a short random pause (0.2 to 0.6 seconds) once it has written the trust; if
        a concurrent writer has overwritten this run's change, the given principals are merged again into the trust
        just read and written again, up to 5 writes in all, after which the task fails naming the principals whose
        change does not hold. RV(trust_rounds) counts the writes. A run with nothing to change makes no extra call,
        and check mode neither writes nor reads back.
    type: str
    choices: [exact, add, remove]
    default: exact
  policies:
    description:
      - Policies to attach to the role, by name. A name may be prefixed with C(System:) or C(Custom:); a bare name is
        looked up as a custom policy first, then as a system policy.
      - Unknown policies fail the task before anything is changed.
      - When omitted, attachments are left as they are.
    type: list
    elements: str
  purge_policies:
    description:
      - Detach the attached policies that are not listed in O(policies). Requires O(policies).
    type: bool
    default: false
notes:
  - A role created by this module is visible to the next API call only after a moment (RAM is eventually consistent);
    attaching policies right after the creation waits for it.
  - The account and role name in RV(role.switch_role) are what the console's "Switch Role" page asks for.
seealso:
  - module: apsaramq.cross_account.ram_role_info
  - module: apsaramq.cross_account.ram_policy
  - module: apsaramq.cross_account.sts_assume
"""

EXAMPLES = r"""
- name: A role that partner accounts B and C may assume, with read access to ApsaraMQ
  apsaramq.cross_account.ram_role:
    name: mq-partner-operator
    description: Partners operate our ApsaraMQ instances
    trusted_accounts:
      - "2000000000000002"
      - "3000000000000003"
    external_id: partner-contract-4711
    max_session_duration: 7200
    policies:
      - System:AliyunMQReadOnlyAccess
      - orders-pubsub
  register: role

- name: Revoke partner C only; B stays trusted
  apsaramq.cross_account.ram_role:
    name: mq-partner-operator
    trusted_accounts: ["3000000000000003"]
    trust_mode: remove

- name: Trust one RAM user of partner B in addition to the others
  apsaramq.cross_account.ram_role:
    name: mq-partner-operator
    trusted_ram_arns: ["acs:ram::2000000000000002:user/alice"]
    trust_mode: add

- name: A raw trust policy, and exactly these policies attached
  apsaramq.cross_account.ram_role:
    name: mq-ecs-publisher
    assume_role_policy_document:
      Version: "1"
      Statement:
        - Action: sts:AssumeRole
          Effect: Allow
          Principal:
            Service: [ecs.aliyuncs.com]
    policies: [AliyunMQPubOnlyAccess]
    purge_policies: true

- name: Delete the role (its policies are detached first)
  apsaramq.cross_account.ram_role:
    name: mq-partner-operator
    state: absent
"""

RETURN = r"""
role:
  description: The role after the task (predicted in check mode); empty after a deletion.
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role, the value a partner passes to STS AssumeRole.
      type: str
      sample: acs:ram::1000000000000001:role/mq-partner-operator
    role_id:
      description: Id of the role (null when predicted in check mode).
      type: str
      sample: "300000000000000001"
    role_name:
      description: Name of the role as RAM stores it (an existing role keeps its spelling).
      type: str
      sample: mq-partner-operator
    description:
      description: Description of the role.
      type: str
      sample: Partners operate our ApsaraMQ instances
    max_session_duration:
      description: Longest session in seconds that AssumeRole may grant.
      type: int
      sample: 3600
    create_date:
      description: When the role was created (null when predicted in check mode).
      type: str
      sample: "2026-01-01T00:00:00Z"
    update_date:
      description: When the role was last changed (null when predicted in check mode).
      type: str
      sample: "2026-01-02T00:00:00Z"
    account_id:
      description: UID of the account that owns the role.
      type: str
      sample: "1000000000000001"
    assume_role_policy_document:
      description: The trust policy, parsed, with its keys as RAM stores them.
      type: dict
      sample: {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::2000000000000002:root"]}}],
               "Version": "1"}
    trusted_principals:
      description: Who may assume the role, parsed from the trust policy.
      type: dict
      contains:
        accounts:
          description: UIDs of trusted accounts (from C(<uid>) or C(acs:ram::<uid>:root)).
          type: list
          elements: str
          sample: ["2000000000000002"]
        ram_arns:
          description: ARNs of trusted RAM users and roles.
          type: list
          elements: str
          sample: ["acs:ram::2000000000000002:user/alice"]
        services:
          description: Trusted cloud services.
          type: list
          elements: str
          sample: []
        federated:
          description: Trusted identity providers.
          type: list
          elements: str
          sample: []
    principals:
      description: Every trusted principal with its account and whether it belongs to another account than the role.
      type: list
      elements: dict
      contains:
        type:
          description: C(account), C(ram_arn), C(service) or C(federated).
          type: str
        principal:
          description: The UID, ARN or service name.
          type: str
        account_id:
          description: UID of the account the principal belongs to (null for a service).
          type: str
        cross_account:
          description: Whether the principal belongs to another account than the role's.
          type: bool
      sample: [{"type": "account", "principal": "2000000000000002", "account_id": "2000000000000002", "cross_account": true}]
    policies:
      description: Policies attached to the role.
      type: list
      elements: dict
      contains:
        policy_name:
          description: Name of the policy.
          type: str
        policy_type:
          description: C(System) or C(Custom).
          type: str
      sample: [{"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"}]
    switch_role:
      description: What the console's Switch Role page asks for.
      type: dict
      contains:
        account_id:
          description: UID of the account that owns the role.
          type: str
        role_name:
          description: Name of the role.
          type: str
      sample: {"account_id": "1000000000000001", "role_name": "mq-partner-operator"}
trust_rounds:
  description:
    - How many UpdateRole writes it took until the role, read back, held this run's O(trust_mode=add) or
      O(trust_mode=remove) change; V(0) when there was nothing to change. More than V(1) means a concurrent writer
      overwrote the change and it was merged into that writer's trust again.
  returned: when O(trust_mode) is V(add) or V(remove) and the role exists, except in check mode
  type: int
  sample: 1
"""

import json

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import add_trusted_principals, documents_equal, remove_trusted_principals
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import attachment_key, list_attached, update_attachments
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    pending_policy_warning,
    resolve_policies,
    split_policy_reference,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_role_args import ARGUMENT_SPEC, RULES, validated_request
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import (
    DEFAULT_MAX_SESSION_DURATION,
    ROLE_NOT_FOUND,
    apply_trust_edit,
    diff_view,
    get_role,
    role_facts,
    trust_document,
    update_role,
    wait_until_visible,
)


# --------------------------------------------------------------------------------------------------------------- trust

def wanted_trust(module, request, current):
    """The trust document the role should have, or None to leave it as it is."""
    if request["raw_trust"] is not None or request["friendly_trust"] is None:
        return request["raw_trust"]
    mode = request["trust_mode"]
    if mode == "exact" or (current is None and mode == "add"):
        return request["friendly_trust"]
    if current is None:
        raise CollectionError(f"trust_mode: the role {request['name']} does not exist, so there is nothing to remove; "
                              "trust_mode=remove cannot create a role")
    return edited_trust(request, current)


def edits_trust(request):
    """Whether the task adds or removes principals (rather than setting the whole trust or leaving it alone)."""
    return request["friendly_trust"] is not None and request["trust_mode"] in ("add", "remove")


def edited_trust(request, role):
    """``role``'s trust with the given principals added or removed (add/remove modes), from that very read of it."""
    edit = add_trusted_principals if request["trust_mode"] == "add" else remove_trusted_principals
    document = edit(trust_document(role), **request["principals"])
    if not document.get("Statement"):
        raise CollectionError(f"trust_mode: removing these principals would leave the role {role['RoleName']} trusting nobody; "
                              "use state=absent to delete the role")
    return document


def pending_principals(request, role):
    """The given principals whose add or remove ``role``'s trust does not hold, one phrase each (empty: it holds).

    A principal's change holds when making it again would change nothing, so "trusted" means what the edit means
    (any spelling, any statement)."""
    document = trust_document(role)
    adding = request["trust_mode"] == "add"
    edit = add_trusted_principals if adding else remove_trusted_principals
    state = "is not trusted" if adding else "is still trusted"
    return [f"{name} {state}" for argument, names in request["principals"].items() for name in names
            if not documents_equal(edit(document, **{argument: [name]}), document)]


def render(document):
    """The document as sent to RAM: compact JSON with the keys in the order the user wrote them."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------------------------ policies

def wanted_policies(module, client, references, attached):
    """Attachment dicts for the ``policies`` option; names already attached need no lookup."""
    if references is None:
        return None
    found, unresolved = [], []
    for reference in references:
        policy_type, name = split_policy_reference(reference)
        match = next((p for p in attached if p["PolicyName"] == name and policy_type in (None, p["PolicyType"])), None)
        if match:
            found.append(match)
        else:
            unresolved.append(reference)
    resolved, pending = resolve_policies(client, unresolved, module.check_mode) if unresolved else ([], [])
    for name in pending:
        module.warn(pending_policy_warning(name))
    unique = {attachment_key(policy): policy for policy in found + resolved}
    return sorted(unique.values(), key=attachment_key)


# ---------------------------------------------------------------------------------------------------------------- apply

def predicted_role(module, params):
    """The Role record CreateRole would return, for check mode (the account UID costs one STS read)."""
    account = (module.identity() or {}).get("AccountId")
    return {
        "RoleName": params["RoleName"],
        "Arn": f"acs:ram::{account}:role/{params['RoleName']}" if account else None,
        "Description": params.get("Description", ""),
        "MaxSessionDuration": params.get("MaxSessionDuration", DEFAULT_MAX_SESSION_DURATION),
        "AssumeRolePolicyDocument": params["AssumeRolePolicyDocument"],
    }


def create_role(module, client, request, trust, policies):
    if trust is None:
        raise CollectionError(f"assume_role_policy_document: the role {request['name']} does not exist and creating it needs a trust "
                              "policy; give assume_role_policy_document or trusted_accounts, trusted_ram_arns or trusted_services")
    params = {"RoleName": request["name"], "AssumeRolePolicyDocument": render(trust)}
    if request["description"] is not None:
        params["Description"] = request["description"]
    if request["max_session_duration"] is not None:
        params["MaxSessionDuration"] = request["max_session_duration"]
    if module.check_mode:
        role = predicted_role(module, params)
    else:
        role = client.call("CreateRole", params)["Role"]
    attached = []
    if policies:
        if not module.check_mode:
            wait_until_visible(client, role["RoleName"])
        attached = update_attachments(client, module.check_mode, "Role", role["RoleName"], policies, [], purge=False)[1]
    return {"changed": True, "role": role_facts(role, attached), "diff": {"before": {}, "after": diff_view(role, attached)}}


def update_existing_role(module, client, request, current, trust):
    name = current["RoleName"]
    attached = list_attached(client, "Role", name)
    policies = wanted_policies(module, client, request["policies"], attached)
    others = {"Description": request["description"], "MaxSessionDuration": request["max_session_duration"]}
    extra = {}
    if edits_trust(request) and not module.check_mode:
        changed, role, extra["trust_rounds"] = write_trust_edit(client, request, current, others)
    else:
        wanted = {"AssumeRolePolicyDocument": None if trust is None else render(trust), **others}
        changed, role = update_role(client, module.check_mode, name, wanted, current)
    after = attached
    if policies is not None:
        attachments_changed, after = update_attachments(client, module.check_mode, "Role", name, policies, attached, request["purge_policies"])
        changed |= attachments_changed
    return {"changed": changed, "role": role_facts(role, after), **extra,
            "diff": {"before": diff_view(current, attached), "after": diff_view(role, after)}}


def write_trust_edit(client, request, current, others):
    """Add or remove the principals and check, by reading the role back, that no concurrent run overwrote the change
    (RAM has no ETag); ``others`` are the description and session duration wanted. Returns (changed, role, writes)."""

    def edit(role):
        return {"AssumeRolePolicyDocument": render(edited_trust(request, role)), **others}

    return apply_trust_edit(client, current["RoleName"], edit, lambda role: pending_principals(request, role), current)


def ensure_present(module, client, request, current):
    trust = wanted_trust(module, request, current)
    if current is not None:
        return update_existing_role(module, client, request, current, trust)
    policies = wanted_policies(module, client, request["policies"], [])
    return create_role(module, client, request, trust, policies)


def ensure_absent(module, client, current):
    """Detach every policy, then delete the role."""
    if current is None:
        return {"changed": False, "role": {}, "diff": {"before": {}, "after": {}}}
    name = current["RoleName"]
    attached = list_attached(client, "Role", name)
    update_attachments(client, module.check_mode, "Role", name, [], attached, purge=True)
    if not module.check_mode:
        client.call("DeleteRole", {"RoleName": name}, ignore=(ROLE_NOT_FOUND,))
    return {"changed": True, "role": {}, "diff": {"before": diff_view(current, attached), "after": {}}}


def run(module):
    request = validated_request(module.params)
    client = module.client("ram")
    current = get_role(client, request["name"])
    if module.params["state"] == "absent":
        return ensure_absent(module, client, current)
    return ensure_present(module, client, request, current)


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
