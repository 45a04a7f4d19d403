#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_access_review
short_description: Review who outside the account can assume its RAM roles, with which RocketMQ rights, until when
version_added: 0.1.0
description:
  - Reads the RAM roles of the account (Account A) and reports every role that a principal outside the account can
    assume - a RAM account, user or role of another account, or the users of an identity provider - with the trusted
    principals and the conditions they must meet (ExternalId, source IPs, MFA), the maximum session, the expiry, the
    attached policies and what they allow, translated back into RocketMQ terms (instance, topics, groups; publish,
    subscribe, read-only or full management; 4.x or 5.x).
  - "Flags findings: C(wildcard_resource) (a policy resource with C(*) or C(?) other than the whole-instance forms
    C(<instance>%*) and C(instance/<id>/*)), C(full_access_policy) (C(AdministratorAccess) or C(AliyunMQFullAccess)
    attached), C(no_external_id) (a RAM principal of another account may assume without an ExternalId),
    C(expired) (the role's expiry has passed and the role is still there), C(unmanaged) (not tagged
    C(managed-by: apsaramq.cross_account)), C(unknown_partner) (the trust names an account that is not in
    O(known_partners))."
  - "The expiry is the earliest of: the C(expires-at) tag; the trust policy's C(DateLessThan acs:CurrentTime) when every
    statement that trusts someone outside carries one; the attached policies' when each carries one on every statement."
  - "Read calls only, paged and bounded: ListRoles (O(page_size) per page, at most O(max_roles) roles), GetRole per role
    (ListRoles carries no trust policy), then for the roles reported ListTagResources (50 roles per call),
    ListPoliciesForRole, and GetPolicy once per distinct policy (GetPolicyVersion when GetPolicy carries no document);
    STS GetCallerIdentity when no role is reported. The report counts the calls (RV(api_call_count))."
  - The report holds no secret; an ExternalId is reported as present or absent, never its value.
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
  - apsaramq.cross_account.attributes.info_module
options:
  known_partners:
    description:
      - UIDs of the partner accounts that should have access (usually the inventory's partners).
      - A trust naming any other account is reported as C(unknown_partner). Not set, that check is skipped.
    type: list
    elements: str
  role_name_prefix:
    description: Review only the roles whose name starts with this text (compared case-insensitively, as RAM does).
    type: str
  only_outside:
    description:
      - V(true) reports only the roles a principal outside the account can assume; V(false) reports every role read
        (with O(role_name_prefix), the roles a set-up made, whoever they trust now).
    type: bool
    default: true
  read_policies:
    description:
      - Read the attached policies and translate them into RocketMQ rights. V(false) skips ListPoliciesForRole and
        GetPolicy (and the findings C(wildcard_resource) and C(full_access_policy)).
    type: bool
    default: true
  max_roles:
    description:
      - Most roles the account may have. A review that stopped early would answer wrongly, so the module fails when
        the account has more.
    type: int
    default: 1000
  page_size:
    description: Roles per ListRoles call (its C(MaxItems), 1 to 1000).
    type: int
    default: 100
  as_of:
    description:
      - The moment expiries are compared with, as an ISO 8601 date-time with an offset (C(2027-06-30T00:00:00Z)).
        Defaults to now (the controller's clock, UTC).
    type: str
  fail_on:
    description:
      - Finding kinds that make the task fail (for CI). The failed result still holds the whole report.
    type: list
    elements: str
    choices: [wildcard_resource, full_access_policy, no_external_id, expired, unmanaged, unknown_partner]
    default: []
seealso:
  - module: apsaramq.cross_account.ram_role_info
  - module: apsaramq.cross_account.ram_policy_info
"""

EXAMPLES = r"""
- name: Who outside Account A can reach its RocketMQ
  apsaramq.cross_account.ram_access_review:
    known_partners: "{{ groups['rocketmq_partners'] | map('extract', hostvars, 'apsaramq_account_uid') | list }}"
  register: review

- name: Keep the table
  ansible.builtin.copy:
    content: "{{ review.markdown }}"
    dest: reports/access-review.md
    mode: "0644"

- name: Fail CI when a role has a wildcard, a full-access policy or a partner that left
  apsaramq.cross_account.ram_access_review:
    known_partners: ["2000000000000002"]
    fail_on: [wildcard_resource, full_access_policy, unknown_partner]
"""

RETURN = r"""
account_id:
  description: UID of the account reviewed (from its roles' ARNs, or GetCallerIdentity when no role is reported).
  returned: always
  type: str
  sample: "1000000000000001"
as_of:
  description: The moment expiries were compared with.
  returned: always
  type: str
  sample: "2026-12-01T10:00:00Z"
known_partners:
  description: O(known_partners), sorted (null when not given).
  returned: always
  type: list
  elements: str
roles_scanned:
  description: How many roles were read (those of O(role_name_prefix) when given).
  returned: always
  type: int
  sample: 42
roles:
  description: The roles reported, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
    arn:
      description: ARN of the role.
      type: str
    description:
      description: Description of the role.
      type: str
    create_date:
      description: When the role was created.
      type: str
    max_session_duration:
      description: Longest session, in seconds, AssumeRole grants.
      type: int
    outside_access:
      description: Whether a principal outside the account can assume the role.
      type: bool
    trusted:
      description: The principals outside the account the trust admits, each with its statement's conditions.
      type: list
      elements: dict
      contains:
        type:
          description: C(account), C(ram_arn) or C(federated).
          type: str
        principal:
          description: As the trust policy writes it.
          type: str
        account_id:
          description: The account the principal belongs to.
          type: str
        known:
          description: Whether the account is in O(known_partners) (null when not checked).
          type: bool
        external_id:
          description: Whether an ExternalId is required (its value is never returned).
          type: bool
        source_ips:
          description: Addresses or ranges AssumeRole must come from.
          type: list
          elements: str
        mfa_required:
          description: Whether MFA is required.
          type: bool
        expires_at:
          description: The statement's C(DateLessThan acs:CurrentTime), as written.
          type: str
        other_conditions:
          description: Other condition keys of the statement.
          type: list
          elements: str
    managed:
      description: Whether the role is tagged C(managed-by=apsaramq.cross_account).
      type: bool
    partners:
      description: The partner UIDs of the C(partner) tag.
      type: list
      elements: str
    tags:
      description: Every tag of the role.
      type: dict
    expires_at:
      description: When the access ends (ISO 8601 UTC), or null.
      type: str
    expiry_source:
      description: Where that expiry is written (C(tag), C(trust condition), C(policy condition)).
      type: list
      elements: str
    expired:
      description: Whether the expiry is at or before RV(as_of).
      type: bool
    policies:
      description: The attached policies, each translated into RocketMQ terms.
      returned: when O(read_policies=true)
      type: list
      elements: dict
      contains:
        policy_name:
          description: Name of the attached policy.
          type: str
        policy_type:
          description: C(System) or C(Custom).
          type: str
        grants:
          description:
            - One per RocketMQ series and instance, in the keys of the C(apsaramq.cross_account.rocketmq_policy)
              filter's grant (C(instance_id) V(*) for every instance; C(management) V(custom) with
              C(management_actions) for rights the filter does not write).
          type: list
          elements: dict
        rights:
          description: The grants in words.
          type: list
          elements: str
        wildcard_resources:
          description: Resources with wildcards beyond one named instance.
          type: list
          elements: str
        other_actions:
          description: Allowed actions of other services (V(*) for all).
          type: list
          elements: str
        denies:
          description: Deny statements (not translated).
          type: int
        not_actions:
          description: NotAction statements (not translated).
          type: int
    rights:
      description: The RocketMQ rights of all attached policies, in words.
      returned: when O(read_policies=true)
      type: list
      elements: str
      sample: ["4.x MQ_INST_1000000000000001_BXhFHbcq: publish orders; subscribe orders with GID_orders_consumer; no management"]
    findings:
      description: What is wrong with the role (C(kind), C(detail)).
      type: list
      elements: dict
findings:
  description: Every finding, with C(role_name), C(kind) and C(detail).
  returned: always
  type: list
  elements: dict
  sample: [{"role_name": "legacy-ops", "kind": "no_external_id", "detail": "acs:ram::3000000000000003:root may assume without an ExternalId"}]
finding_counts:
  description: The number of findings of each kind (every kind, zero included).
  returned: always
  type: dict
  sample: {"wildcard_resource": 1, "full_access_policy": 0, "no_external_id": 2, "expired": 0, "unmanaged": 1, "unknown_partner": 0}
api_call_count:
  description: The API calls the review made (C(total), C(by_action)), attempts included.
  returned: always
  type: dict
  sample: {"total": 7, "by_action": {"GetPolicy": 2, "GetRole": 2, "ListPoliciesForRole": 1, "ListRoles": 1, "ListTagResources": 1}}
markdown:
  description: The report as a Markdown table, one row per role, then the findings.
  returned: always
  type: str
"""

from ansible_collections.apsaramq.cross_account.plugins.module_utils.access_review import (
    Reader,
    assess_role,
    count_calls,
    outside_principals,
    render_markdown,
    summarize,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import format_expiry
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_access_review_args import (
    ARGUMENT_SPEC,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import account_of, trust_document


def reviewed_roles(reader, request):
    """(number of roles read, the roles to report): every role of the prefix, those trusting outside unless
    ``only_outside`` is off."""
    roles = [role for role in (reader.role(name) for name in reader.role_names(request["role_name_prefix"])) if role]
    if not request["only_outside"]:
        return len(roles), roles
    return len(roles), [
        role for role in roles if outside_principals(trust_document(role) or {}, account_of(role.get("Arn")))
    ]


def review(reader, request):
    scanned, roles = reviewed_roles(reader, request)
    tags = reader.tags([role["RoleName"] for role in roles]) if roles else {}
    entries = []
    for role in roles:
        policies = None
        if request["read_policies"]:
            policies = [
                (attachment, reader.document(attachment["PolicyType"], attachment["PolicyName"]))
                for attachment in reader.attached(role["RoleName"])
            ]
        entries.append(
            assess_role(role, tags.get(role["RoleName"], {}), policies, request["now"], request["known_partners"])
        )
    return scanned, entries


def reviewed_account(module, entries):
    """The account's UID: from a reported role's ARN, else (no role reported) from GetCallerIdentity."""
    if entries:
        return account_of(entries[0]["arn"])
    return module.identity().get("AccountId")


def run(module):
    request = validated_request(module.params)
    reader = Reader(module.client("ram"), request["max_roles"], request["page_size"])
    scanned, entries = review(reader, request)
    findings, counts = summarize(entries)
    report = {
        "changed": False,
        "account_id": reviewed_account(module, entries),
        "as_of": format_expiry(request["now"]),
        "known_partners": None if request["known_partners"] is None else sorted(request["known_partners"]),
        "roles_scanned": scanned,
        "roles": entries,
        "findings": findings,
        "finding_counts": counts,
        "api_call_count": count_calls(module.api_calls),
    }
    report["markdown"] = render_markdown(report)
    failing = [kind for kind in request["fail_on"] if counts[kind]]
    if failing:
        raise CollectionError(
            "Access review: " + ", ".join(f"{counts[kind]} {kind}" for kind in failing) + " (review_fail_on / fail_on)",
            **{key: value for key, value in report.items() if key != "changed"},
        )
    return report


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).execute(run)


if __name__ == "__main__":
    main()
