# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rocketmq_policy filter: a high-level RocketMQ grant -> the least-privilege RAM permission policy."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rocketmq_policy
short_description: Least-privilege RAM policy document for an ApsaraMQ for RocketMQ grant
version_added: 0.1.0
description:
  - Turns a high-level grant (one instance, the topics to publish, the topics and groups to subscribe, management or
    read-only rights) into the smallest RAM permission policy that allows it, in the resource and action forms of
    ApsaraMQ for RocketMQ 4.x (RAM code C(mq)) or 5.x (RAM code C(rocketmq)).
  - "4.x: the instance-level C(mq:QueryInstanceBaseInfo) right that topic and group rights need, C(mq:PUB) on
    C(acs:mq:*:*:<instance>%<topic>) for each publish topic, C(mq:SUB) on each subscribe topic and each group."
  - "5.x: C(acs:rocketmq:<region>:<owner uid>:instance/<id>) and C(.../topic/<name>), C(.../consumerGroup/<name>);
    read-only is C(rocketmq:Get*) and C(rocketmq:List*); full management is C(rocketmq:*). Message send and receive
    on 5.x is authorized by the instance's own ACL, not by RAM, so a 5.x grant covers management only."
  - The whole instance is written as C(<instance>) plus C(<instance>%*) (4.x) or C(instance/<id>) plus
    C(instance/<id>/*) (5.x), never C(<instance>*), which would also match every instance whose ID starts the same way.
  - The result is validated by the collection's policy toolkit and is ready for the C(document) option of
    M(apsaramq.cross_account.ram_policy).
options:
  _input:
    description: The grant.
    type: dict
    required: true
    suboptions:
      series:
        description: The RocketMQ series of the instance.
        type: str
        choices: ['4.x', '5.x']
        required: true
      instance_id:
        description: The instance ID (for example C(MQ_INST_1234567890_BXxyz) or C(rmq-cn-abc123)).
        type: str
        required: true
      region:
        description: The region of the instance. Required for 5.x; 4.x resources do not name a region.
        type: str
      owner_uid:
        description: The UID of the account that owns the instance. Required for 5.x.
        type: str
      publish_topics:
        description: Topics the grantee may publish to (4.x only).
        type: list
        elements: str
        default: []
      subscribe_topics:
        description: Topics the grantee may consume from (4.x only). Needs O(_input.subscribe_groups).
        type: list
        elements: str
        default: []
      subscribe_groups:
        description: Consumer groups (GID) the grantee may consume with (4.x only).
        type: list
        elements: str
        default: []
      management:
        description:
          - V(none) grants no management rights, V(read_only) the C(Get*)/C(List*)(/C(Query*) on 4.x) actions,
            V(full) every action of the service on the instance (or on O(_input.topics) and O(_input.groups) for 5.x).
        type: str
        choices: [none, read_only, full]
        default: none
      topics:
        description:
          - 5.x only. Limits the management rights to these topics (and to reading the instance and listing its
            topics). Empty means the whole instance.
        type: list
        elements: str
        default: []
      groups:
        description: 5.x only. Limits the management rights to these consumer groups, like O(_input.topics).
        type: list
        elements: str
        default: []
      namespaced:
        description:
          - 4.x only. V(false) for old instances without a namespace, whose topics and groups are written as
            C(acs:mq:*:*:<topic>).
        type: bool
        default: true
      source_ips:
        description: Allow the actions only from these addresses or CIDR ranges (condition C(acs:SourceIp)).
        type: list
        elements: str
        default: []
      expires_at:
        description:
          - When the access ends, as an ISO 8601 date-time in UTC such as C(2027-06-30T00:00:00Z) (any explicit offset is
            converted to UTC; a date-time without one, or with fractions of a second, is refused).
          - Every statement then carries the condition C(DateLessThan) C(acs:CurrentTime), evaluated by the cloud on each
            request, so after that moment the policy grants nothing, to new sessions and to sessions issued before.
        type: str
author:
  - apsaramq.cross_account maintainers (@apsaramq)
"""

EXAMPLES = r"""
- name: A partner publishes to orders and consumes it with GID_orders (4.x)
  apsaramq.cross_account.ram_policy:
    name: partner-b-orders
    document: "{{ grant | apsaramq.cross_account.rocketmq_policy }}"
  vars:
    grant:
      series: 4.x
      instance_id: MQ_INST_1234567890_BXxyz
      publish_topics: [orders]
      subscribe_topics: [orders]
      subscribe_groups: [GID_orders]
      expires_at: "2027-06-30T00:00:00Z"  # the contract's end: nothing is allowed after it

- name: Read-only management of two topics of a 5.x instance
  ansible.builtin.set_fact:
    policy_document: >-
      {{ {'series': '5.x', 'instance_id': 'rmq-cn-abc123', 'region': 'cn-hangzhou', 'owner_uid': '1000000000000001',
          'management': 'read_only', 'topics': ['orders', 'refunds']} | apsaramq.cross_account.rocketmq_policy }}
"""

RETURN = r"""
_value:
  description: The RAM permission policy document (C(Version) and C(Statement)), statements in a stable order.
  type: dict
  sample:
    Version: "1"
    Statement:
      - Effect: Allow
        Action: ["mq:QueryInstanceBaseInfo"]
        Resource: ["acs:mq:*:*:MQ_INST_1234567890_BXxyz"]
      - Effect: Allow
        Action: ["mq:PUB", "mq:SUB"]
        Resource: ["acs:mq:*:*:MQ_INST_1234567890_BXxyz%orders"]
      - Effect: Allow
        Action: ["mq:SUB"]
        Resource: ["acs:mq:*:*:MQ_INST_1234567890_BXxyz%GID_orders"]
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import normalize_expiry
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    PolicyError,
    validate_document,
    with_expiry,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_account_uid,
)

SERIES = ("4.x", "5.x")
MANAGEMENT_LEVELS = ("none", "read_only", "full")
LIST_KEYS = ("publish_topics", "subscribe_topics", "subscribe_groups", "topics", "groups", "source_ips")
KNOWN_KEYS = frozenset(
    ("series", "instance_id", "region", "owner_uid", "management", "namespaced", "expires_at") + LIST_KEYS
)
MESSAGING_KEYS = ("publish_topics", "subscribe_topics", "subscribe_groups")
SCOPE_KEYS_5X = ("topics", "groups")

# Topic and group names as RocketMQ allows them; no wildcard, so a grant never widens by accident.
RESOURCE_NAME = re.compile(r"[A-Za-z0-9%_.-]{1,128}")
INSTANCE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
SOURCE_IP = re.compile(r"[0-9A-Fa-f:.]+(/[0-9]{1,3})?")

MQ_INSTANCE_INFO = "mq:QueryInstanceBaseInfo"
MQ_READ_ONLY = ("mq:Get*", "mq:List*", "mq:Query*")
ROCKETMQ_READ_ONLY = ("rocketmq:Get*", "rocketmq:List*")
ACTION_ORDER = (MQ_INSTANCE_INFO, "mq:PUB", "mq:SUB")


class GrantError(AnsibleFilterError):
    """A grant that cannot be expressed; the message names the grant key."""

    def __init__(self, key, reason):
        super().__init__(f"rocketmq_policy: grant.{key}: {reason}")


def rocketmq_policy(grant):
    """Return the least-privilege RAM permission policy document for ``grant`` (see DOCUMENTATION)."""
    grant = _normalized_grant(grant)
    builder = _build_4x if grant["series"] == "4.x" else _build_5x
    rights = builder(grant)
    document = {"Version": "1", "Statement": _statements(rights, grant["source_ips"])}
    if grant["expires_at"]:
        document = with_expiry(document, grant["expires_at"])
    try:
        validate_document(document, kind="permission", field="rocketmq_policy")
    except PolicyError as error:
        raise AnsibleFilterError(f"rocketmq_policy: the generated document is invalid: {error}") from None
    return document


# --- input ---------------------------------------------------------------------------------------------------------


def _normalized_grant(grant):
    if not isinstance(grant, dict):
        raise AnsibleFilterError(f"rocketmq_policy: the grant must be a dict, got {type(grant).__name__}")
    unknown = sorted(set(grant) - KNOWN_KEYS)
    if unknown:
        raise GrantError(unknown[0], f"unknown key; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    normalized = {
        "series": _choice(grant, "series", SERIES, required=True),
        "instance_id": _matching(grant, "instance_id", INSTANCE_ID, required=True),
        "management": _choice(grant, "management", MANAGEMENT_LEVELS, default="none"),
        "namespaced": _boolean(grant, "namespaced", default=True),
        "region": _matching(grant, "region", REGION),
        "owner_uid": _owner_uid(grant),
        "expires_at": _expiry(grant),
    }
    for key in LIST_KEYS:
        pattern = SOURCE_IP if key == "source_ips" else RESOURCE_NAME
        normalized[key] = _name_list(grant, key, pattern)
    _check_series_rules(normalized)
    return normalized


def _choice(grant, key, choices, required=False, default=None):
    value = grant.get(key, default)
    if value is None and required:
        raise GrantError(key, "is required")
    if str(value) not in choices:
        raise GrantError(key, f"must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _matching(grant, key, pattern, required=False):
    value = grant.get(key)
    if value is None or value == "":
        if required:
            raise GrantError(key, "is required")
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise GrantError(key, f"is not a valid {key.replace('_', ' ')}: {value!r}")
    return value


def _boolean(grant, key, default):
    value = grant.get(key, default)
    if not isinstance(value, bool):
        raise GrantError(key, f"must be a boolean, got {value!r}")
    return value


def _owner_uid(grant):
    if grant.get("owner_uid") in (None, ""):
        return None
    try:
        return validate_account_uid(grant["owner_uid"], "owner_uid")
    except ValidationError as error:
        raise GrantError("owner_uid", error.reason) from None


def _expiry(grant):
    try:
        return normalize_expiry(grant.get("expires_at"), "expires_at")
    except ValidationError as error:
        raise GrantError("expires_at", error.reason) from None


def _name_list(grant, key, pattern):
    values = grant.get(key) or []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise GrantError(key, f"must be a list of strings, got {type(values).__name__}")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise GrantError(f"{key}[{index}]", f"is not a valid name (no wildcards): {value!r}")
    return list(dict.fromkeys(values))


def _check_series_rules(grant):
    if grant["series"] == "4.x":
        _check_4x_rules(grant)
    else:
        _check_5x_rules(grant)


def _check_4x_rules(grant):
    for key in SCOPE_KEYS_5X:
        if grant[key]:
            raise GrantError(
                key, "applies to 5.x only; on 4.x use publish_topics, subscribe_topics and subscribe_groups"
            )
    if bool(grant["subscribe_topics"]) != bool(grant["subscribe_groups"]):
        raise GrantError("subscribe_groups", "consuming needs both subscribe_topics and subscribe_groups")
    if grant["management"] == "none" and not any(grant[key] for key in MESSAGING_KEYS):
        raise GrantError(
            "management", "the grant gives no access: name topics to publish or subscribe, or management rights"
        )


def _check_5x_rules(grant):
    for key in MESSAGING_KEYS:
        if grant[key]:
            raise GrantError(
                key, "5.x messaging is authorized by the instance's ACL, not by RAM; grant management rights instead"
            )
    for key in ("region", "owner_uid"):
        if grant[key] is None:
            raise GrantError(key, "is required for a 5.x instance (it is part of the resource ARN)")
    if not grant["namespaced"]:
        raise GrantError("namespaced", "applies to 4.x only")
    if grant["management"] == "none":
        raise GrantError("management", "a 5.x grant needs read_only or full management rights")


# --- rights --------------------------------------------------------------------------------------------------------


def _build_4x(grant):
    """``{resource: set(actions)}`` for a 4.x instance."""
    instance = grant["instance_id"]
    prefix = f"acs:mq:*:*:{instance}%" if grant["namespaced"] else "acs:mq:*:*:"
    rights = {}
    if grant["management"] == "full":
        _add(rights, ["mq:*"], [f"acs:mq:*:*:{instance}", prefix + "*"])
        return rights
    if grant["management"] == "read_only":
        _add(rights, MQ_READ_ONLY, [f"acs:mq:*:*:{instance}", prefix + "*"])
    else:
        _add(rights, [MQ_INSTANCE_INFO], [f"acs:mq:*:*:{instance}"])
    _add(rights, ["mq:PUB"], [prefix + topic for topic in grant["publish_topics"]])
    _add(rights, ["mq:SUB"], [prefix + name for name in grant["subscribe_topics"] + grant["subscribe_groups"]])
    return rights


def _build_5x(grant):
    """``{resource: set(actions)}`` for a 5.x instance: the whole instance, or the instance read plus the named parts."""
    instance = f"acs:rocketmq:{grant['region']}:{grant['owner_uid']}:instance/{grant['instance_id']}"
    actions = ["rocketmq:*"] if grant["management"] == "full" else list(ROCKETMQ_READ_ONLY)
    rights = {}
    parts = [f"{instance}/topic/{name}" for name in grant["topics"]]
    parts += [f"{instance}/consumerGroup/{name}" for name in grant["groups"]]
    if not parts:
        _add(rights, actions, [instance, f"{instance}/*"])
        return rights
    instance_reads = ["rocketmq:GetInstance"]
    instance_reads += ["rocketmq:ListTopics"] * bool(grant["topics"]) + ["rocketmq:ListConsumerGroups"] * bool(
        grant["groups"]
    )
    _add(rights, instance_reads, [instance])
    _add(rights, actions, parts)
    return rights


def _add(rights, actions, resources):
    for resource in resources:
        rights.setdefault(resource, set()).update(actions)


# --- output --------------------------------------------------------------------------------------------------------


def _statements(rights, source_ips):
    """One Allow statement per distinct action set, in a stable order (the instance right, PUB, SUB, then the rest)."""
    by_actions = {}
    for resource, actions in rights.items():
        by_actions.setdefault(tuple(sorted(actions, key=_action_sort_key)), []).append(resource)
    statements = []
    for actions in sorted(by_actions, key=lambda item: [_action_sort_key(action) for action in item]):
        statement = {"Effect": "Allow", "Action": list(actions), "Resource": by_actions[actions]}
        if source_ips:
            statement["Condition"] = {"IpAddress": {"acs:SourceIp": list(source_ips)}}
        statements.append(statement)
    return statements


def _action_sort_key(action):
    return (ACTION_ORDER.index(action) if action in ACTION_ORDER else len(ACTION_ORDER), action)


class FilterModule:
    """apsaramq.cross_account filters."""

    def filters(self):
        return {"rocketmq_policy": rocketmq_policy}
