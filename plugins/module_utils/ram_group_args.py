# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_group module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    POLICY_TYPES,
    split_policy_reference,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_description,
    validate_group_name,
    validate_policy_name,
    validate_user_name,
)

COMMENTS_LIMIT = 128  # CreateGroup / UpdateGroup: Comments of at most 128 characters
POLICY_KEYS = ("name", "type")

ARGUMENT_SPEC = dict(
    group_name=dict(type="str", required=True, aliases=["name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    comments=dict(type="str"),
    members=dict(type="list", elements="str"),
    purge_members=dict(type="bool", default=False),
    policies=dict(type="list", elements="raw"),
    purge_policies=dict(type="bool", default=False),
)
REQUIRED_IF = [("purge_members", True, ("members",)), ("purge_policies", True, ("policies",))]
RULES = dict(required_if=REQUIRED_IF)


def policy_reference(entry, field):
    """One element of ``policies`` as the reference ram_policies resolves: ``Type:Name``, or a bare name (looked up as
    a custom policy first, then as a system policy).

    An element is a name (``System:`` or ``Custom:`` prefix allowed) or a mapping ``{name, type}``."""
    if isinstance(entry, str):
        policy_type, name = split_policy_reference(entry)
        validate_policy_name(name, field)
        return f"{policy_type}:{name}" if policy_type else name
    if not isinstance(entry, dict):
        raise ValidationError(field, f"must be a policy name or a mapping of name and type, got {type(entry).__name__}")
    unknown = sorted(set(map(str, entry)) - set(POLICY_KEYS))
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]}", f"is not a key of a policy; use {' and '.join(POLICY_KEYS)}")
    name = validate_policy_name(entry.get("name"), f"{field}.name")
    policy_type = entry.get("type")
    if policy_type is None:
        return name
    matching = [known for known in POLICY_TYPES if str(policy_type).lower() == known.lower()]
    if not matching:
        raise ValidationError(f"{field}.type", f"must be one of: {', '.join(POLICY_TYPES)}, got {policy_type!r}")
    return f"{matching[0]}:{name}"


def validated_members(names):
    """The user names of ``members``, each checked (the index kept in errors); None when the option is not given."""
    if names is None:
        return None
    return [validate_user_name(name, f"members[{index}]") for index, name in enumerate(names)]


def validated_request(params):
    """Everything the task asks for, checked before any API call (raises ValidationError naming the option)."""
    comments = params["comments"]
    policies = params["policies"]
    return {
        "group_name": validate_group_name(params["group_name"], "group_name"),
        "state": params["state"],
        "comments": None if comments is None else validate_description(comments, "comments", COMMENTS_LIMIT),
        "members": validated_members(params["members"]),
        "purge_members": params["purge_members"],
        "policies": None
        if policies is None
        else [policy_reference(entry, f"policies[{index}]") for index, entry in enumerate(policies)],
        "purge_policies": params["purge_policies"],
    }
