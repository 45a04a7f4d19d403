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
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: Makes only read calls and returns the predicted role.
  diff_mode:
    support: full
    details: Shows the trust policy (as a parsed mapping), description, maximum session duration, attached policies and, when
      managed, tags.
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
      - Detach the attached policies that are not listed in O(policies); the policies themselves are not deleted.
        Requires O(policies).
    type: bool
    default: false
  tags:
    description:
      - Tags of the role, as a mapping of keys to values. A new role is created with them (one CreateRole call); on an
        existing role they are read (ListTagResources) and written only when they differ (UntagResources, TagResources).
      - At most 20 tags; keys of 1 to 128 characters, values of at most 256; neither may start with C(acs:) or
        C(aliyun) nor contain C(http://) or C(https://). Bad tags fail the task before any API call.
      - When omitted, the tags are left as they are and not read (except the C(expires-at) tag, see O(expires_at)).
      - The tags the collection writes on what it creates (C(managed-by), C(partner), C(expires-at)) are described in the
        README's "Ownership tags" section.
    type: dict
  purge_tags:
    description:
      - With O(tags), remove the tags whose keys O(tags) does not name (as amazon.aws does). V(tags={}) with
        V(purge_tags=true) removes every tag, C(expires-at) included unless O(expires_at) is given too (the trust's
        expiry condition stays either way).
    type: bool
    default: true
  expires_at:
    description:
      - When access through this role ends, as an ISO 8601 date-time in UTC such as C(2027-06-30T00:00:00Z). An explicit
        other offset is converted to UTC; a date-time without an offset, a date alone or fractions of a second are refused.
      - Every Allow statement of the trust policy gets the condition C(DateLessThan) C(acs:CurrentTime) (an earlier one
        is replaced), whether the trust comes from O(assume_role_policy_document), the friendly options (in any
        O(trust_mode)) or, when neither is given, from the existing role. The cloud evaluates it on every AssumeRole,
        so no new session starts after that moment, even if nothing runs. To end the sessions already issued at the
        same moment, give their permission policies the same expiry (the C(expires_at) key of the
        P(apsaramq.cross_account.rocketmq_policy#filter) grant).
      - The role is tagged C(expires-at) with the same text (added to O(tags), or set alone when O(tags) is omitted),
        so the C(revoke) role's sweep mode can find it; RV(role.expires_at) reads it back from the trust.
      - A moment that is not in the future of the controller's clock is accepted with a warning (it cuts access
        now); what counts is the cloud's clock.
    type: str
  wait:
    description:
      - After a change, wait until RAM's GetRole shows the role with the trust policy just written (RAM is eventually
        consistent; community.aws#710).
      - This proves that RAM serves the role and its new trust to a reader. It does not prove that STS, a separate
        service, already accepts an AssumeRole of a newly trusted principal (with the real cloud that follows within
        seconds, but nothing reads it without that principal's credentials); for that proof, assume the role with
        M(apsaramq.cross_account.sts_assume) and its retries. RV(wait) reports the reads and seconds waited.
      - Nothing is waited for when nothing changed (the role was just read as it is) or in check mode.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long O(wait) may take, in seconds (1 to 3600); the reads back off with jitter as the retry policy does. When
        the time is up the task fails (the role has been written).
    type: int
    default: 120
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

- name: A partner's own role that nobody can assume after the contract ends, tagged as ours, ready when the task ends
  apsaramq.cross_account.ram_role:
    name: mq-partner-b
    trusted_accounts: ["2000000000000002"]
    external_id: partner-contract-4711
    expires_at: "2027-06-30T00:00:00Z"
    tags:
      managed-by: apsaramq.cross_account
      partner: "2000000000000002"
    wait: true
    policies: [partner-b-orders]

- name: Extend the contract by a year (the trust and the expires-at tag change; other tags stay)
  apsaramq.cross_account.ram_role:
    name: mq-partner-b
    expires_at: "2028-06-30T00:00:00Z"

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
      description: When the role was created (ISO 8601 UTC; null when predicted in check mode).
      type: str
      sample: "2026-01-01T00:00:00Z"
    update_date:
      description: When the role was last changed (ISO 8601 UTC; null when predicted in check mode).
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
      description: Policies attached to the role, each with C(policy_name) and C(policy_type) (C(System) or C(Custom)).
      type: list
      elements: dict
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
    expires_at:
      description:
        - When the trust stops allowing AssumeRole - the C(DateLessThan) C(acs:CurrentTime) value every Allow statement
          of the trust carries (ISO 8601 UTC) - or null when a statement has none.
      type: str
      sample: "2027-06-30T00:00:00Z"
    tags:
      description: The tags of the role after the task.
      returned: when O(tags) or O(expires_at) is given
      type: dict
      sample: {"managed-by": "apsaramq.cross_account", "partner": "2000000000000002", "expires-at": "2027-06-30T00:00:00Z"}
wait:
  description: What O(wait) took - GetRole reads and seconds slept between them.
  returned: when O(wait) is true and the task changed the role, except in check mode
  type: dict
  contains:
    attempts:
      description: GetRole reads until the role showed the trust written.
      type: int
    waited:
      description: Seconds slept between the reads.
      type: float
  sample: {"attempts": 1, "waited": 0.0}
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
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import parse_expiry, utc_now
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    add_trusted_principals,
    documents_equal,
    remove_trusted_principals,
    with_expiry,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import (
    list_attached,
    update_attachments,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    pending_policy_warning,
    wanted_attachments,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_role_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import (
    DEFAULT_MAX_SESSION_DURATION,
    ROLE_NOT_FOUND,
    apply_trust_edit,
    diff_view,
    get_role,
    role_facts,
    trust_document,
    update_role,
    wait_for_trust,
    wait_until_visible,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_tags import (
    ROLE,
    read_tags,
    tag_list,
    update_tags,
)

# --------------------------------------------------------------------------------------------------------------- trust


def wanted_trust(module, request, current):
    """The trust document the role should have, or None to leave it as it is.

    ``expires_at`` alone (no trust option) puts the expiry into the role's current trust."""
    if (
        request["raw_trust"] is None
        and request["friendly_trust"] is None
        and request["expires_at"]
        and current is not None
    ):
        return with_expiry(trust_document(current), request["expires_at"])
    if request["raw_trust"] is not None or request["friendly_trust"] is None:
        return request["raw_trust"]
    mode = request["trust_mode"]
    if mode == "exact" or (current is None and mode == "add"):
        return request["friendly_trust"]
    if current is None:
        raise CollectionError(
            f"trust_mode: the role {request['name']} does not exist, so there is nothing to remove; "
            "trust_mode=remove cannot create a role"
        )
    return edited_trust(request, current)


def edits_trust(request):
    """Whether the task adds or removes principals (rather than setting the whole trust or leaving it alone)."""
    return request["friendly_trust"] is not None and request["trust_mode"] in ("add", "remove")


def edited_trust(request, role):
    """``role``'s trust with the given principals added or removed (add/remove modes), from that very read of it."""
    edit = add_trusted_principals if request["trust_mode"] == "add" else remove_trusted_principals
    document = edit(trust_document(role), **request["principals"])
    if not document.get("Statement"):
        raise CollectionError(
            f"trust_mode: removing these principals would leave the role {role['RoleName']} trusting nobody; "
            "use state=absent to delete the role"
        )
    return with_expiry(document, request["expires_at"]) if request["expires_at"] else document


def pending_principals(request, role):
    """The given principals whose add or remove ``role``'s trust does not hold, one phrase each (empty: it holds).

    A principal's change holds when making it again would change nothing, so "trusted" means what the edit means
    (any spelling, any statement)."""
    document = trust_document(role)
    adding = request["trust_mode"] == "add"
    edit = add_trusted_principals if adding else remove_trusted_principals
    state = "is not trusted" if adding else "is still trusted"
    return [
        f"{name} {state}"
        for argument, names in request["principals"].items()
        for name in names
        if not documents_equal(edit(document, **{argument: [name]}), document)
    ]


def render(document):
    """The document as sent to RAM: compact JSON with the keys in the order the user wrote them."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------------------------ policies


def wanted_policies(module, client, references, attached):
    """Attachment dicts for the ``policies`` option (None when not given); names already attached need no lookup."""
    policies, pending = wanted_attachments(client, references, attached, module.check_mode)
    for name in pending:
        module.warn(pending_policy_warning(name))
    return policies


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
        raise CollectionError(
            f"assume_role_policy_document: the role {request['name']} does not exist and creating it needs a trust "
            "policy; give assume_role_policy_document or trusted_accounts, trusted_ram_arns or trusted_services"
        )
    params = {"RoleName": request["name"], "AssumeRolePolicyDocument": render(trust)}
    if request["description"] is not None:
        params["Description"] = request["description"]
    if request["max_session_duration"] is not None:
        params["MaxSessionDuration"] = request["max_session_duration"]
    if request["tags"]:
        params["Tag"] = tag_list(request["tags"])  # tagged by the create itself: never an untagged moment
    if module.check_mode:
        role = predicted_role(module, params)
    else:
        role = client.call("CreateRole", params)["Role"]
    attached = []
    if policies:
        if not module.check_mode:
            wait_until_visible(client, role["RoleName"])
        attached = update_attachments(client, module.check_mode, "Role", role["RoleName"], policies, [], purge=False)[1]
    tags = request["tags"]
    return {
        "changed": True,
        "role": role_facts(role, attached, tags=tags),
        "diff": {"before": {}, "after": diff_view(role, attached, tags)},
    }


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
        attachments_changed, after = update_attachments(
            client, module.check_mode, "Role", name, policies, attached, request["purge_policies"]
        )
        changed |= attachments_changed
    tags_before = tags_after = None
    if request["tags"] is not None:
        tags_before = read_tags(client, ROLE, name)
        tags_changed, tags_after = update_tags(
            client, module.check_mode, ROLE, name, request["tags"], tags_before, request["purge_tags"]
        )
        changed |= tags_changed
    return {
        "changed": changed,
        "role": role_facts(role, after, tags=tags_after),
        **extra,
        "diff": {"before": diff_view(current, attached, tags_before), "after": diff_view(role, after, tags_after)},
    }


def write_trust_edit(client, request, current, others):
    """Add or remove the principals and check, by reading the role back, that no concurrent run overwrote the change
    (RAM has no ETag); ``others`` are the description and session duration wanted. Returns (changed, role, writes)."""

    def edit(role):
        return {"AssumeRolePolicyDocument": render(edited_trust(request, role)), **others}

    return apply_trust_edit(client, current["RoleName"], edit, lambda role: pending_principals(request, role), current)


def ensure_present(module, client, request, current):
    trust = wanted_trust(module, request, current)
    if current is not None:
        result = update_existing_role(module, client, request, current, trust)
    else:
        result = create_role(module, client, request, trust, wanted_policies(module, client, request["policies"], []))
    if request["wait"] and result["changed"] and not module.check_mode:
        result["wait"] = wait_for_trust(
            client, result["role"]["role_name"], result["role"]["assume_role_policy_document"], request["wait_timeout"]
        )[1]
    return result


def warn_if_expired(module, request):
    """A past ``expires_at`` is allowed (it cuts access now), but rarely meant when creating or extending a role."""
    if request["expires_at"] and parse_expiry(request["expires_at"], "expires_at") <= utc_now():
        module.warn(
            f"expires_at: {request['expires_at']} is not in the future of this controller's clock: once the cloud's clock "
            "agrees, no new session of the role starts (DateLessThan acs:CurrentTime in its trust)"
        )


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
    warn_if_expired(module, request)
    return ensure_present(module, client, request, current)


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
