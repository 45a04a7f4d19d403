# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM permission policies read back in RocketMQ terms: which instances, topics and groups, and what may be done.

The inverse of the ``rocketmq_policy`` filter: a document the filter made translates back into the grant it was made
of (same keys, defaults left out); any other document (a system policy, one written by hand) is described in the same
vocabulary as far as it goes, and what the vocabulary cannot say is listed next to it:

- ``grants``: one per (series, instance), with ``series``, ``instance_id`` (``*``: every instance), ``management``
  (``none``, ``read_only``, ``full``, or ``custom`` with ``management_actions``), and when present ``publish_topics``,
  ``subscribe_topics``, ``subscribe_groups`` (4.x), ``topics``, ``groups``, ``region``, ``owner_uid`` (5.x),
  ``namespaced: false``, ``source_ips`` and ``expires_at``;
- ``wildcard_resources``: resources with ``*`` or ``?`` beyond the whole-instance forms the filter itself writes
  (``<instance>%*`` on 4.x, ``instance/<id>/*`` on 5.x): they reach more than one named instance, topic or group;
- ``other_actions``: actions of other services (``*`` for every service);
- ``denies`` and ``not_actions``: how many Deny and NotAction statements were not translated.

Pure Python (no SDK, no Ansible): the review module and the unit tests use it. The action names are the filter's
(plugins/filter/rocketmq_policy.py) and those of the system policies (AliyunMQ*Access).
"""

from __future__ import annotations

import re

SERIES_4X = "4.x"
SERIES_5X = "5.x"
ANY = "*"
# 4.x: the instance-level right topic and group rights need (the system policies use its older name).
MQ_INSTANCE_INFO = frozenset(("mq:queryinstancebaseinfo", "mq:onsinstancebaseinfo"))
MQ_MESSAGING = frozenset(("mq:pub", "mq:sub"))
# 5.x: the instance reads the filter adds when management is limited to some topics or groups.
ROCKETMQ_SCOPE_READS = frozenset(("rocketmq:getinstance", "rocketmq:listtopics", "rocketmq:listconsumergroups"))
FULL_ACTIONS = frozenset(("*", "mq:*", "rocketmq:*"))
# An action whose name starts with one of these only reads (Get*, List*, ... and the system policies' Download*,
# Dashboard*, SubmitQuery*).
READ_PREFIXES = ("get", "list", "query", "describe", "download", "dashboard", "submitquery", "onsinstancebaseinfo")
# 4.x consumer group IDs start with GID_ (CID_ before 2019); a topic and a group share one resource form.
GROUP_PREFIX = re.compile(r"(?i)[GC]ID[_-]")
WILDCARD = re.compile(r"[*?]")
DATE_OPERATORS = ("DateLessThan", "DateLessThanEquals")
CURRENT_TIME = "acs:currenttime"
SOURCE_IP = "acs:sourceip"
_PUBLISH = "publish_topics"
_SUB_TOPICS = "subscribe_topics"
_SUB_GROUPS = "subscribe_groups"


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _has_wildcard(text):
    return bool(WILDCARD.search(text or ""))


# ------------------------------------------------------------------------------------------------------- resources


class Target:
    """What one resource string reaches: ``kind`` is ``instance``, ``children`` (everything in the instance), ``all``
    (the instance and everything in it), ``name`` (4.x topic or group), ``bare`` (4.x ``acs:mq:*:*:<x>``: an instance,
    or a topic or group of an instance without namespace), ``topic``, ``group`` or ``other`` (a 5.x sub-resource
    this translation does not know)."""

    def __init__(self, series, instance, kind, name=None, region=None, owner_uid=None):
        self.series = series
        self.instance = instance
        self.kind = kind
        self.name = name
        self.region = region
        self.owner_uid = owner_uid


def _mq_targets(rest):
    instance, percent, name = rest.partition("%")
    if not percent:
        if rest == ANY:
            return [Target(SERIES_4X, ANY, "all")]
        # <instance>* is the documented whole-instance form; it also matches every instance whose ID starts the same.
        return [Target(SERIES_4X, rest, "all" if _has_wildcard(rest) else "bare")]
    if name == ANY:
        return [Target(SERIES_4X, instance, "children")]
    return [Target(SERIES_4X, instance, "name", name)]


def _rocketmq_targets(rest, region, owner_uid):
    if rest in (ANY, "instance/*"):
        return [Target(SERIES_5X, ANY, "all", region=region, owner_uid=owner_uid)]
    if not rest.startswith("instance/"):
        return [Target(SERIES_5X, ANY, "other", rest, region, owner_uid)]
    instance, _sep, below = rest[len("instance/") :].partition("/")
    if _has_wildcard(instance):
        return [Target(SERIES_5X, instance, "all", region=region, owner_uid=owner_uid)]
    if not below:
        return [Target(SERIES_5X, instance, "instance", region=region, owner_uid=owner_uid)]
    if below == ANY:
        return [Target(SERIES_5X, instance, "children", region=region, owner_uid=owner_uid)]
    part, _sep, name = below.partition("/")
    kind = {"topic": "topic", "consumerGroup": "group"}.get(part, "other")
    return [Target(SERIES_5X, instance, kind, name if kind != "other" else below, region, owner_uid)]


def parse_resource(resource):
    """The RocketMQ targets of one resource string (empty for a resource of another service)."""
    if resource == ANY:
        return [Target(SERIES_4X, ANY, "all"), Target(SERIES_5X, ANY, "all")]
    parts = resource.split(":", 4)
    if len(parts) < 5 or parts[0] != "acs":
        return []
    service, region, account, rest = parts[1], parts[2], parts[3], parts[4]
    if service == ANY:
        return parse_resource(ANY)
    if service == "mq":
        return _mq_targets(rest)
    if service == "rocketmq":
        return _rocketmq_targets(rest, region, account)
    return []


def is_wildcard_resource(resource):
    """A resource whose path (after ``acs:<service>:<region>:<account>:``, which 4.x writes as ``*:*`` and instance
    IDs make unique anyway) has ``*`` or ``?``, other than the whole-instance forms of one named instance."""
    parts = resource.split(":", 4)
    path = parts[4] if len(parts) == 5 and parts[0] == "acs" and parts[1] != ANY else resource
    if not _has_wildcard(path):
        return False
    return not any(
        target.kind == "children" and not _has_wildcard(target.instance) for target in parse_resource(resource)
    )


# ---------------------------------------------------------------------------------------------------------- actions


def _service(action):
    return action.split(":", 1)[0] if ":" in action else action


def _applies(action, series):
    service = _service(action)
    return service == ANY or service == ("mq" if series == SERIES_4X else "rocketmq")


def is_read_action(action):
    name = action.split(":", 1)[-1]
    return name.startswith(READ_PREFIXES)


def management_level(actions):
    """``(level, actions)`` for management actions: none, full, read_only, or custom (then the actions)."""
    if not actions:
        return "none", []
    if actions & FULL_ACTIONS:
        return "full", []
    if all(is_read_action(action) for action in actions):
        return "read_only", []
    return "custom", sorted(actions)


# ------------------------------------------------------------------------------------------------------- conditions


def _condition_values(condition, operators, key):
    values = []
    for operator in operators:
        for condition_key, value in ((condition or {}).get(operator) or {}).items():
            if str(condition_key).lower() == key:
                values.extend(str(item) for item in _as_list(value))
    return values


def statement_expiry(statement):
    """The earliest ``DateLessThan acs:CurrentTime`` of a statement (as written), or None."""
    values = _condition_values(statement.get("Condition"), DATE_OPERATORS, CURRENT_TIME)
    return min(values) if values else None


def statement_source_ips(statement):
    return sorted(set(_condition_values(statement.get("Condition"), ("IpAddress",), SOURCE_IP)))


# ------------------------------------------------------------------------------------------------------ translation


class _Instance:
    """What the statements of one document allow on one (series, instance)."""

    def __init__(self, target):
        self.series = target.series
        self.instance = target.instance
        self.region = target.region
        self.owner_uid = target.owner_uid
        self.on_instance = set()  # actions on the instance itself, or on everything (all / children)
        self.by_name = {}  # 4.x name, or ("topic"|"group", name) on 5.x -> actions
        self.bare_names = {}  # 4.x names of instances without namespace -> actions
        self.expiries = []  # per contributing statement: its expiry or None
        self.source_ips = []  # per contributing statement: its source IPs (empty: none)
        self.only_bare = True  # every resource that reached it was a bare 4.x acs:mq:*:*:<x>

    def add(self, target, actions, statement):
        self.expiries.append(statement_expiry(statement))
        self.source_ips.append(statement_source_ips(statement))
        self.only_bare = self.only_bare and target.kind == "bare"
        if target.kind in ("instance", "children", "all", "bare"):
            self.on_instance.update(actions)
        elif target.kind == "name":
            self.by_name.setdefault(target.name, set()).update(actions)
        elif target.kind in ("topic", "group"):
            self.by_name.setdefault((target.kind, target.name), set()).update(actions)
        else:  # a 5.x sub-resource of another kind: managed, in a way this translation does not name
            self.on_instance.update(action for action in actions if not is_read_action(action))

    def grant(self, spelling):
        """The grant, management actions spelled as in the document (``spelling``: lower case -> as written)."""
        grant = {"series": self.series, "instance_id": self.instance}
        if self.series == SERIES_4X:
            self._grant_4x(grant)
        else:
            self._grant_5x(grant)
        self._restrictions(grant)
        if "management_actions" in grant:
            grant["management_actions"] = [
                " on ".join([spelling.get(action, action)] + rest)
                for action, *rest in (item.split(" on ", 1) for item in grant["management_actions"])
            ]
        return grant

    def _grant_4x(self, grant):
        level, actions = management_level(self.on_instance - MQ_INSTANCE_INFO - MQ_MESSAGING)
        lists = {_PUBLISH: set(), _SUB_TOPICS: set(), _SUB_GROUPS: set()}
        if level != "full":
            # PUB/SUB on the whole instance: every topic (and group).
            self._messaging(lists, ANY, self.on_instance & MQ_MESSAGING, both=True)
        for names, namespaced in ((self.by_name, True), (self.bare_names, False)):
            for name, name_actions in names.items():
                self._messaging(lists, name, name_actions)
                extra = name_actions - MQ_MESSAGING - MQ_INSTANCE_INFO
                if extra and level != "full":
                    level, actions = "custom", sorted(set(actions) | {f"{action} on {name}" for action in extra})
            if names and not namespaced:
                grant["namespaced"] = False
        grant["management"] = level
        if actions:
            grant["management_actions"] = actions
        grant.update({key: sorted(values) for key, values in lists.items() if values})

    @staticmethod
    def _messaging(lists, name, actions, both=False):
        if actions & {"mq:pub", "mq:*", "*"}:
            lists[_PUBLISH].add(name)
        if actions & {"mq:sub", "mq:*", "*"}:
            is_group = GROUP_PREFIX.match(name)
            if both or not is_group:
                lists[_SUB_TOPICS].add(name)
            if both or is_group:
                lists[_SUB_GROUPS].add(name)

    def _grant_5x(self, grant):
        parts = {"topic": set(), "group": set()}
        part_actions = set()
        for (kind, name), actions in self.by_name.items():
            parts[kind].add(name)
            part_actions |= actions
        if parts["topic"] or parts["group"]:
            # Management limited to some topics and groups: the instance reads the filter adds come with it.
            level, actions = management_level(part_actions | (self.on_instance - ROCKETMQ_SCOPE_READS))
        else:
            level, actions = management_level(self.on_instance)
        grant["management"] = level
        if actions:
            grant["management_actions"] = actions
        for key, kind in (("topics", "topic"), ("groups", "group")):
            if parts[kind]:
                grant[key] = sorted(parts[kind])
        grant.update(
            {
                key: value
                for key, value in (("region", self.region), ("owner_uid", self.owner_uid))
                if value not in (None, ANY)
            }
        )

    def _restrictions(self, grant):
        """Source IPs and expiry bind the whole grant only when every statement that gives it carries them."""
        if self.source_ips and all(self.source_ips):
            grant["source_ips"] = sorted(set(ip for ips in self.source_ips for ip in ips))
        if self.expiries and all(self.expiries):
            grant["expires_at"] = max(self.expiries)


def _statements_of(document):
    statements = (document or {}).get("Statement") if isinstance(document, dict) else None
    return [statement for statement in _as_list(statements) if isinstance(statement, dict)]


def _resolve_bare_names(buckets):
    """A 4.x ``acs:mq:*:*:<x>`` only published or subscribed to is a topic or group of an instance without
    namespace: it joins the one 4.x instance of the document (an unnamed instance when there is none or several)."""
    names = [
        key
        for key, bucket in buckets.items()
        if key[0] == SERIES_4X and bucket.only_bare and not bucket.on_instance - MQ_MESSAGING
    ]
    instances = [
        bucket for key, bucket in buckets.items() if key[0] == SERIES_4X and key not in names and bucket.instance != ANY
    ]
    for key in names:
        bucket = buckets[key]
        owner = (
            instances[0]
            if len(instances) == 1
            else buckets.setdefault((SERIES_4X, None), _Instance(Target(SERIES_4X, None, "bare")))
        )
        owner.bare_names.setdefault(bucket.instance, set()).update(bucket.on_instance)
        owner.expiries.extend(bucket.expiries)
        owner.source_ips.extend(bucket.source_ips)
        del buckets[key]


def translate(document):
    """The RocketMQ reading of a permission policy document (a dict): see the module docstring."""
    buckets, wildcards, other_actions, spelling = {}, set(), set(), {}
    denies = not_actions = 0
    for statement in _statements_of(document):
        if statement.get("Effect") != "Allow":
            denies += 1
            continue
        if "NotAction" in statement:
            not_actions += 1
            continue
        written = [str(action) for action in _as_list(statement.get("Action"))]
        for action in written:
            spelling.setdefault(action.lower(), action)
        actions = {action.lower() for action in written}
        resources = [str(resource) for resource in _as_list(statement.get("Resource", statement.get("NotResource")))]
        if "NotResource" in statement:
            resources = [ANY]  # everything but some resources: read as everything
        other_actions.update(action for action in actions if _service(action) not in ("mq", "rocketmq"))
        for resource in resources:
            if is_wildcard_resource(resource):
                wildcards.add(resource)
            for target in parse_resource(resource):
                applying = {action for action in actions if _applies(action, target.series)}
                if applying:
                    key = (target.series, target.instance)
                    bucket = buckets.setdefault(key, _Instance(target))
                    bucket.add(target, applying, statement)
    _resolve_bare_names(buckets)
    grants = [
        bucket.grant(spelling)
        for _key, bucket in sorted(buckets.items(), key=lambda item: (item[0][0], str(item[0][1])))
    ]
    return {
        "grants": grants,
        "wildcard_resources": sorted(wildcards),
        "other_actions": sorted(spelling[action] for action in other_actions),
        "denies": denies,
        "not_actions": not_actions,
    }


# --------------------------------------------------------------------------------------------------------- wording


def _names(values):
    return "every" if values == [ANY] else ", ".join(values)


def describe_grant(grant):
    """One line in RocketMQ terms, e.g. ``4.x MQ_INST_x: publish orders; subscribe orders with GID_orders; no management``."""
    instance = (
        "every instance" if grant["instance_id"] == ANY else (grant["instance_id"] or "an instance without namespace")
    )
    parts = []
    if grant.get(_PUBLISH):
        parts.append(f"publish {_names(grant[_PUBLISH])}" + (" topic" if grant[_PUBLISH] == [ANY] else ""))
    if grant.get(_SUB_TOPICS) or grant.get(_SUB_GROUPS):
        topics, groups = grant.get(_SUB_TOPICS) or [], grant.get(_SUB_GROUPS) or []
        parts.append(
            f"subscribe {_names(topics) or '-'}"
            + (" topic" if topics == [ANY] else "")
            + (f" with {_names(groups)}" + (" group" if groups == [ANY] else "") if groups else "")
        )
    scope = [f"{key} {', '.join(grant[key])}" for key in ("topics", "groups") if grant.get(key)]
    level = grant["management"]
    wording = {"none": "no management", "read_only": "read-only management", "full": "full management"}.get(
        level, "management " + ", ".join(grant.get("management_actions") or [])
    )
    parts.append(wording + (f" of {' and '.join(scope)}" if scope and level != "none" else ""))
    line = f"{grant['series']} {instance}: " + "; ".join(parts)
    if grant.get("source_ips"):
        line += f" (from {', '.join(grant['source_ips'])})"
    if grant.get("expires_at"):
        line += f" until {grant['expires_at']}"
    return line
