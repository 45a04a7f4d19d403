# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, resolving and versioning RAM policies, shared by ram_policy, ram_policy_info, ram_role, ram_group and ram_user_grant.

RAM keeps at most five versions of a custom policy; a changed document becomes a new default version.
Documents travel as JSON strings on the wire and are returned to users as parsed dicts with their keys untouched.
"""

from __future__ import annotations

import json

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import listing_pages
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import render_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import (
    attachment_key,
    detach_policy,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_tags import tag_list

MAX_VERSIONS = 5
ROTATE_STRATEGY = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
MISSING_POLICY = ("EntityNotExist.Policy",)
MISSING_VERSION = ("EntityNotExist.Policy.Version",)
POLICY_TYPES = ("System", "Custom")
# A bare policy name is looked up in this order (the order RAM users expect).
LOOKUP_ORDER = ("Custom", "System")
# The option every module names its policy list with; errors about unknown policies point at it.
POLICIES_OPTION = "policies"
# ListEntitiesForPolicy wrapper keys per entity kind, and the keys modules return them under.
ENTITY_KINDS = (("roles", "Role"), ("users", "User"), ("groups", "Group"))


class UnknownPolicyError(CollectionError):
    """A policy named in ``policies`` exists neither as a custom nor as a system policy."""


class VersionLimitError(Exception):
    """A new version is needed but the policy is at the version limit and rotation is not allowed."""


def parse_document(text):
    """The policy document as a dict with the keys RAM stored; a non-JSON document is returned as text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def get_policy(client, name, policy_type="Custom"):
    """GetPolicy's body (``Policy`` and ``DefaultPolicyVersion``), or None when the policy does not exist."""
    return client.call("GetPolicy", {"PolicyName": name, "PolicyType": policy_type}, ignore=MISSING_POLICY)


def find_policy(client, name, policy_type=None):
    """GetPolicy's body for ``name`` of ``policy_type``, or of the first type in LOOKUP_ORDER that has it; None when none has."""
    for candidate in (policy_type,) if policy_type else LOOKUP_ORDER:
        body = get_policy(client, name, candidate)
        if body and body.get("Policy"):
            return body
    return None


def split_policy_reference(reference):
    """``"System:Name"`` / ``"Custom:Name"`` -> (type, name); a bare name -> (None, name)."""
    prefix, sep, rest = reference.partition(":")
    for policy_type in POLICY_TYPES:
        if sep and prefix.lower() == policy_type.lower():
            return policy_type, rest.strip()
    return None, reference.strip()


def resolve_policies(client, references, check_mode=False):
    """Turn the ``policies`` option into attachment dicts, raising UnknownPolicyError before any write.

    Names keep the spelling RAM reports, so later comparisons with attached lists are exact. Returns
    (attachments, names of custom policies check mode assumed an earlier task creates)."""
    resolved, unknown = [], []
    for reference in references or ():
        policy_type, name = split_policy_reference(reference)
        body = find_policy(client, name, policy_type) if name else None
        if body is None:
            unknown.append(reference)
            continue
        policy = body["Policy"]
        found = {"PolicyName": policy.get("PolicyName", name), "PolicyType": policy.get("PolicyType", policy_type)}
        if attachment_key(found) not in {attachment_key(p) for p in resolved}:
            resolved.append(found)
    predicted = predict_pending_custom_policies(unknown) if check_mode else []
    unknown = [reference for reference in unknown if reference not in {p["reference"] for p in predicted}]
    if unknown:
        raise UnknownPolicyError(f"{POLICIES_OPTION}: unknown RAM policy: {', '.join(unknown)}", unknown=unknown)
    resolved += [{"PolicyName": p["PolicyName"], "PolicyType": "Custom"} for p in predicted]
    return sorted(resolved, key=attachment_key), [p["PolicyName"] for p in predicted]


def wanted_attachments(client, references, attached, check_mode=False):
    """The attachments a ``policies`` option asks for, against the ``attached`` list read from RAM.

    Returns (attachment dicts sorted, or None when the option is not given; names of custom policies check mode assumed
    an earlier task creates). References already attached need no lookup, so a converged run reads no policy."""
    if references is None:
        return None, []
    found, unresolved = [], []
    for reference in references:
        policy_type, name = split_policy_reference(reference)
        match = next((p for p in attached if p["PolicyName"] == name and policy_type in (None, p["PolicyType"])), None)
        if match:
            found.append(match)
        else:
            unresolved.append(reference)
    resolved, pending = resolve_policies(client, unresolved, check_mode) if unresolved else ([], [])
    unique = {attachment_key(policy): policy for policy in found + resolved}
    return sorted(unique.values(), key=attachment_key), pending


def predict_pending_custom_policies(unknown):
    """In a dry run an earlier task (ram_policy) may create a custom policy: the unknown references that may be one.

    System references cannot be created, so they stay unknown."""
    predicted = []
    for reference in unknown:
        policy_type, name = split_policy_reference(reference)
        if policy_type in (None, "Custom"):
            predicted.append({"reference": reference, "PolicyName": name})
    return predicted


def pending_policy_warning(name):
    return (
        f"{POLICIES_OPTION}: the custom policy {name} does not exist yet; check mode assumes an earlier task creates it"
    )


def default_document(body):
    return parse_document((body.get("DefaultPolicyVersion") or {}).get("PolicyDocument"))


def list_policies(client, policy_type=None, page_size=100, tags=None):
    """Every policy of the account (optionally of one type, or carrying all the ``tags``), following ListPolicies' markers."""
    params = {"MaxItems": page_size}
    if policy_type:
        params["PolicyType"] = policy_type
    if tags:
        params["Tag"] = tag_list(tags)
    return [
        policy for page, _more in listing_pages(client, "ListPolicies", params, "Policies", "Policy") for policy in page
    ]


def version_number(version_id):
    """RAM version ids are "v1", "v2", ...: their number orders them by age."""
    digits = str(version_id).lstrip("vV")
    return int(digits) if digits.isdigit() else 0


def list_versions(client, name, policy_type="Custom"):
    """The policy's versions, oldest first."""
    body = client.call("ListPolicyVersions", {"PolicyName": name, "PolicyType": policy_type}) or {}
    versions = (body.get("PolicyVersions") or {}).get("PolicyVersion") or []
    return sorted(versions, key=lambda v: version_number(v.get("VersionId")))


def list_entities(client, name, policy_type="Custom"):
    """Names of the roles, users and groups the policy is attached to: ``{"roles": [...], "users": [...], "groups": [...]}``."""
    body = client.call("ListEntitiesForPolicy", {"PolicyName": name, "PolicyType": policy_type}) or {}
    return {
        key: sorted(item[f"{entity}Name"] for item in (body.get(f"{entity}s") or {}).get(entity) or [])
        for key, entity in ENTITY_KINDS
    }


def has_entities(attached_to):
    return any(attached_to.get(key) for key, _entity in ENTITY_KINDS)


def plan_new_version(versions, rotate):
    """(new version id, id of the version RAM will remove or None) for one more default version.

    Raises VersionLimitError at the limit when rotation is not allowed, so nothing is written.
    """
    new_id = f"v{max((version_number(v.get('VersionId')) for v in versions), default=0) + 1}"
    if len(versions) < MAX_VERSIONS:
        return new_id, None
    oldest = next((v["VersionId"] for v in versions if not is_default(v)), None)
    if not rotate or oldest is None:
        raise VersionLimitError(f"the policy already has {len(versions)} versions, the RAM limit")
    return new_id, oldest


def is_default(version):
    flag = version.get("IsDefaultVersion")
    return flag is True or str(flag).lower() == "true"


def create_policy(client, name, document, description, tags=None):
    """CreatePolicy (tagged by the create itself when ``tags``); returns the ``Policy`` record RAM answers with."""
    params = {"PolicyName": name, "PolicyDocument": render_document(document)}
    if description:
        params["Description"] = description
    if tags:
        params["Tag"] = tag_list(tags)
    return (client.call("CreatePolicy", params) or {}).get("Policy") or {}


def create_default_version(client, name, document, rotate):
    """A new version made default at once; with ``rotate`` RAM drops the oldest non-default one at the limit."""
    params = {"PolicyName": name, "PolicyDocument": render_document(document), "SetAsDefault": True}
    if rotate:
        params["RotateStrategy"] = ROTATE_STRATEGY
    return (client.call("CreatePolicyVersion", params) or {}).get("PolicyVersion") or {}


def delete_policy(client, name, attached_to):
    """Detach the custom policy from the entities in ``attached_to`` (see list_entities), delete its non-default
    versions, then the policy itself."""
    reference = {"PolicyName": name, "PolicyType": "Custom"}
    for key, entity in ENTITY_KINDS:
        for entity_name in attached_to.get(key) or ():
            detach_policy(client, entity, entity_name, reference)
    for version in list_versions(client, name):
        if not is_default(version):
            client.call(
                "DeletePolicyVersion", {"PolicyName": name, "VersionId": version["VersionId"]}, ignore=MISSING_VERSION
            )
    client.call("DeletePolicy", {"PolicyName": name}, ignore=MISSING_POLICY)


def describe_version(version):
    return {
        "version_id": version.get("VersionId"),
        "is_default_version": is_default(version),
        "create_date": version.get("CreateDate"),
        "document": parse_document(version.get("PolicyDocument")),
    }


def describe_policy(policy, document=None, versions=None, attached_to=None):
    """The ``policy`` return value of the modules from RAM's ``Policy`` record and optional extras."""
    facts = {
        "policy_name": policy.get("PolicyName"),
        "policy_type": policy.get("PolicyType", "Custom"),
        "description": policy.get("Description") or "",
        "default_version": policy.get("DefaultVersion"),
        "create_date": policy.get("CreateDate"),
        "update_date": policy.get("UpdateDate"),
        "attachment_count": int(policy.get("AttachmentCount") or 0),
    }
    if document is not None:
        facts["document"] = document
    if versions is not None:
        facts["versions"] = [describe_version(v) for v in versions]
    if attached_to is not None:
        facts["attached_to"] = attached_to
    return facts
