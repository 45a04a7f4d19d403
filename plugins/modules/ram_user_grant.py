#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_user_grant
short_description: Let a RAM user assume roles of other accounts (the partner side of cross-account access)
version_added: 0.1.0
description:
  - Run in the partner account (Account B). Makes sure the RAM user O(user_name) exists and may call
    C(sts:AssumeRole) on the roles that the resource owner (Account A) created for this account.
  - O(grant_mode=least_privilege) (the default) writes a custom policy that allows C(sts:AssumeRole) on exactly
    O(role_arns) and attaches it to the user. O(grant_mode=system) attaches the system policy
    C(AliyunSTSAssumeRoleAccess), as the product documentation does; it allows assuming every role that trusts this account.
  - Switching modes removes the other mode's grant, so the user never keeps the broader one by accident.
  - Optionally creates an AccessKey for an application user and writes it to a file of mode 0600. The secret is
    never returned, logged or shown in a diff.
  - O(state=absent) removes the grant (the custom policy is detached and deleted, C(AliyunSTSAssumeRoleAccess) is
    detached) and, only with O(remove_user=true), the user with its AccessKeys.
author:
  - apsaramq.cross_account maintainers (@apsaramq)
extends_documentation_fragment:
  - apsaramq.cross_account.common
attributes:
  check_mode:
    support: full
    description: Makes only read calls and writes no file; the result predicts the user and the grant.
  diff_mode:
    support: full
    description: Shows the user, the grant policy document and the grant attachments before and after.
options:
  user_name:
    description:
      - Name of the RAM user. Letters, digits, C(.), C(_) and C(-), at most 64 characters.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) makes sure the grant exists, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  create_user:
    description:
      - Create the user when it does not exist. With V(false), a missing user is an error.
    type: bool
    default: true
  display_name:
    description:
      - Display name of the user (1 to 128 characters). Set on creation and updated when it differs.
    type: str
  comments:
    description:
      - Comments on the user (at most 128 characters). Set on creation and updated when they differ.
    type: str
  role_arns:
    description:
      - ARNs of the roles the user may assume, such as C(acs:ram::1000000000000001:role/partner-b-operator).
      - Required with O(state=present) and O(grant_mode=least_privilege). Ignored (with a warning) in O(grant_mode=system).
    type: list
    elements: str
    default: []
  grant_mode:
    description:
      - V(least_privilege) writes and attaches a custom policy naming exactly O(role_arns).
      - V(system) attaches C(AliyunSTSAssumeRoleAccess) (C(sts:AssumeRole) on every resource).
    type: str
    choices: [least_privilege, system]
    default: least_privilege
  grant_policy_name:
    description:
      - Name of the custom policy of O(grant_mode=least_privilege).
      - Defaults to C(AssumeRole-<user_name>). When O(user_name) holds C(.) or C(_), which policy names cannot, they become C(-)
        and a short digest of the user name is appended, so that two users never share a default grant policy.
    type: str
  remove_user:
    description:
      - With O(state=absent), also delete the user, its AccessKeys and its other policy attachments and group
        memberships. O(access_key_file) is removed when it holds one of the deleted keys (with O(access_key_format=ini),
        only its O(access_key_profile) profile is removed).
    type: bool
    default: false
  access_key_action:
    description:
      - V(none) manages no AccessKey.
      - V(create) creates an AccessKey and writes it to O(access_key_file), unless that file already holds an active key of the user.
      - V(rotate) creates a new AccessKey, writes it to O(access_key_file), then deletes the key the file held before. Always changes.
      - RAM allows two AccessKeys per user; at the limit the task fails before writing anything.
    type: str
    choices: [none, create, rotate]
    default: none
  access_key_file:
    description:
      - File that receives the AccessKey, created with mode 0600 (written to a temporary file and renamed).
      - Its directory must exist (in check mode a missing directory is only a warning, since an earlier task may
        create it). Required when O(access_key_action) is not V(none).
    type: path
  access_key_format:
    description:
      - V(json) writes a JSON object with the keys C(AccessKeyId) and C(AccessKeySecret).
      - V(ini) writes a profile of the Alibaba Cloud credentials file (C(type = access_key)); other profiles in that file are kept.
    type: str
    choices: [json, ini]
    default: json
  access_key_profile:
    description:
      - Name of the profile (section) with O(access_key_format=ini).
    type: str
    default: default
notes:
  - The resource owner must also trust this account (or this user) in the role's trust policy, see M(apsaramq.cross_account.ram_role).
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.sts_assume
  - module: apsaramq.cross_account.ram_policy
"""

EXAMPLES = r"""
- name: Alice may assume exactly the operator role of Account A
  apsaramq.cross_account.ram_user_grant:
    user_name: alice
    display_name: Alice (partner operator)
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-operator

- name: An application user with an AccessKey in a credentials profile
  apsaramq.cross_account.ram_user_grant:
    user_name: orders-publisher
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-publisher
    access_key_action: create
    access_key_file: /etc/orders-publisher/credentials.ini
    access_key_format: ini
    access_key_profile: orders-publisher
  register: publisher

- name: The documentation's way (any role that trusts this account)
  apsaramq.cross_account.ram_user_grant:
    user_name: bob
    grant_mode: system

- name: Revoke alice's grant, keep the user
  apsaramq.cross_account.ram_user_grant:
    user_name: alice
    state: absent

- name: Remove the application user altogether
  apsaramq.cross_account.ram_user_grant:
    user_name: orders-publisher
    state: absent
    remove_user: true
    access_key_file: /etc/orders-publisher/credentials.ini
    access_key_format: ini
    access_key_profile: orders-publisher
"""

RETURN = r"""
user:
  description: The RAM user after the task (predicted in check mode); empty when it does not exist.
  returned: always
  type: dict
  contains:
    user_name:
      description: Name of the user.
      type: str
      sample: alice
    user_id:
      description: Id of the user (null when predicted in check mode).
      type: str
    display_name:
      description: Display name of the user.
      type: str
    comments:
      description: Comments on the user.
      type: str
grant:
  description: The grant after the task; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    mode:
      description: V(least_privilege) or V(system).
      type: str
    policy_name:
      description: The attached policy that grants C(sts:AssumeRole).
      type: str
      sample: AssumeRole-alice
    policy_type:
      description: C(Custom) or C(System).
      type: str
    document:
      description: The document of that policy, parsed.
      type: dict
      sample: {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
               "Resource": ["acs:ram::1000000000000001:role/partner-b-operator"]}]}
    role_arns:
      description: The role ARNs the custom policy names (empty in O(grant_mode=system)).
      type: list
      elements: str
access_key:
  description: Where the AccessKey is. The secret is only in the file.
  returned: when O(access_key_action) is not V(none)
  type: dict
  contains:
    access_key_id:
      description: Id of the AccessKey in the file (null when one would be created in check mode).
      type: str
    file:
      description: Path of O(access_key_file).
      type: str
    replaced_access_key_id:
      description: Id of the AccessKey deleted by a rotation.
      type: str
      returned: when a key was rotated
"""

import configparser
import io
import json
import os
import secrets

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import documents_equal
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import (
    attachment_key,
    detach_policy,
    list_attached,
    update_attachments,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import (
    create_default_version,
    create_policy,
    default_document,
    delete_policy,
    get_policy,
    list_entities,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_user_grant_args import (
    ARGUMENT_SPEC,
    RULES,
    key_directory_missing,
    validated_request,
)


SYSTEM_GRANT = {"PolicyName": "AliyunSTSAssumeRoleAccess", "PolicyType": "System"}
MISSING_USER = ("EntityNotExist.User",)
MISSING_ACCESS_KEY = ("EntityNotExist.User.AccessKey",)
GROUP_CONFLICT = "DeleteConflict.User.Group"
MAX_ACCESS_KEYS = 2  # per RAM user


# ------------------------------------------------------------------------------------------------------------ validation

def grant_document(role_arns):
    """Least privilege: sts:AssumeRole on exactly these roles."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(role_arns)}]}


# ------------------------------------------------------------------------------------------------------------ the user

def get_user(client, name):
    return (client.call("GetUser", {"UserName": name}, ignore=MISSING_USER) or {}).get("User")


def user_facts(user):
    if not user:
        return {}
    return {"user_name": user.get("UserName"), "user_id": user.get("UserId"),
            "display_name": user.get("DisplayName") or "", "comments": user.get("Comments") or ""}


def ensure_user(module, client, name, current):
    """Create the user or update its display name and comments. Returns (changed, user record after)."""
    wanted = {key: module.params[option] for key, option in (("DisplayName", "display_name"), ("Comments", "comments"))
              if module.params[option] is not None}
    if current is None:
        if not module.params["create_user"]:
            raise CollectionError(f"user_name: the RAM user {name} does not exist and create_user is false")
        new_user = dict(wanted, UserName=name)
        if module.check_mode:
            return True, new_user
        return True, (client.call("CreateUser", new_user) or {}).get("User") or new_user
    updates = {key: value for key, value in wanted.items() if value != (current.get(key) or "")}
    if updates and not module.check_mode:
        client.call("UpdateUser", dict({"New" + key: value for key, value in updates.items()}, UserName=name))
    return bool(updates), dict(current, **updates)


# ------------------------------------------------------------------------------------------------------------ the grant

def grant_policy_reference(policy_name):
    return {"PolicyName": policy_name, "PolicyType": "Custom"}


def ensure_grant_policy(module, client, name, document, current):
    """Create the custom grant policy or give it a new default version. Returns whether it changed."""
    if current is not None and documents_equal(default_document(current), document):
        return False
    if not module.check_mode:
        if current is None:
            create_policy(client, name, document, f"Lets RAM user {module.params['user_name']} assume the listed roles "
                                                  "(managed by apsaramq.cross_account.ram_user_grant)")
        else:
            # Only this module writes the grant policy, so old versions are not worth keeping.
            create_default_version(client, name, document, rotate=True)
    return True


def remove_grant_policy(module, client, name):
    """Detach the custom grant policy from everything and delete it."""
    if not module.check_mode:
        delete_policy(client, name, list_entities(client, name))
    return True


def grant_attachments(attached, request):
    """The user's attachments that this module manages (either mode's grant policy)."""
    managed = {attachment_key(SYSTEM_GRANT), attachment_key(grant_policy_reference(request["policy_name"]))}
    return [p for p in attached if attachment_key(p) in managed]


def ensure_grant(module, client, request, attached, custom):
    """Write the wanted grant, then drop the other mode's. Returns (changed, managed attachments after, grant facts)."""
    name, policy_name = request["user_name"], request["policy_name"]
    least_privilege = module.params["grant_mode"] == "least_privilege"
    changed = False
    if least_privilege:
        document = grant_document(request["role_arns"])
        changed |= ensure_grant_policy(module, client, policy_name, document, custom)
        wanted = grant_policy_reference(policy_name)
    else:
        wanted = SYSTEM_GRANT
        document = default_document(get_policy(client, SYSTEM_GRANT["PolicyName"], "System") or {})
    attachments_changed, after = update_attachments(client, module.check_mode, "User", name, [wanted],
                                                    grant_attachments(attached, request), purge=True)
    changed |= attachments_changed
    if not least_privilege and custom is not None:
        changed |= remove_grant_policy(module, client, policy_name)
    facts = {"mode": module.params["grant_mode"], "policy_name": wanted["PolicyName"], "policy_type": wanted["PolicyType"],
             "document": document, "role_arns": request["role_arns"] if least_privilege else []}
    return changed, after, facts


def revoke_grant(module, client, request, attached, custom):
    """Detach and delete the custom grant policy, detach the system one. Returns whether anything changed."""
    changed = False
    if custom is not None:
        changed |= remove_grant_policy(module, client, request["policy_name"])
    if attachment_key(SYSTEM_GRANT) in {attachment_key(p) for p in attached}:
        if not module.check_mode:
            detach_policy(client, "User", request["user_name"], SYSTEM_GRANT)
        changed = True
    return changed


# ------------------------------------------------------------------------------------------------------------ AccessKeys

def list_access_keys(client, user_name):
    body = client.call("ListAccessKeys", {"UserName": user_name}) or {}
    return (body.get("AccessKeys") or {}).get("AccessKey") or []


def delete_access_key(client, user_name, key_id):
    client.call("DeleteAccessKey", {"UserName": user_name, "UserAccessKeyId": key_id}, ignore=MISSING_ACCESS_KEY)


def read_key_file(path, key_format, profile):
    """(AccessKeyId recorded in the file or None, existing INI profiles to keep); ValueError if the file is not ours to overwrite."""
    if not os.path.exists(path):
        return None, None
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if key_format == "json":
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            raise ValueError(f"{path} exists and is not a JSON AccessKey file; refusing to overwrite it") from None
        return (data.get("AccessKeyId") if isinstance(data, dict) else None), None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error:
        raise ValueError(f"{path} exists and is not an INI credentials file; refusing to overwrite it") from None
    return (parser.get(profile, "access_key_id", fallback=None) if parser.has_section(profile) else None), parser


def render_key_file(key, key_format, profile, parser):
    if key_format == "json":
        return json.dumps({"AccessKeyId": key["AccessKeyId"], "AccessKeySecret": key["AccessKeySecret"]}, indent=2) + "\n"
    parser = parser or configparser.ConfigParser(interpolation=None)
    parser[profile] = {"type": "access_key", "access_key_id": key["AccessKeyId"], "access_key_secret": key["AccessKeySecret"]}
    return ini_text(parser)


def ini_text(parser):
    text = io.StringIO()
    parser.write(text)
    return text.getvalue()


def write_private_file(path, content):
    """Write ``content`` to ``path`` with mode 0600 from the first byte: an exclusive temporary file, then a rename."""
    directory, base = os.path.split(os.path.abspath(path))
    temp_path = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)


def make_private(module, path):
    """Tighten an existing key file to 0600. Returns whether its mode changed."""
    if os.stat(path).st_mode & 0o077 == 0:
        return False
    if not module.check_mode:
        os.chmod(path, 0o600)
    return True


def plan_access_key(module, client, user_name, user_exists):
    """Decide the AccessKey step before anything is written; fails at RAM's per-user key limit."""
    if module.params["access_key_action"] == "none":
        return None
    path = module.params["access_key_file"]
    try:
        recorded, parser = read_key_file(path, module.params["access_key_format"], module.params["access_key_profile"])
    except (OSError, ValueError) as error:
        raise CollectionError(f"access_key_file: {error}") from None
    keys = list_access_keys(client, user_name) if user_exists else []
    active = {key["AccessKeyId"] for key in keys if key.get("Status", "Active") == "Active"}
    if module.params["access_key_action"] == "create" and recorded in active:
        return {"create": False, "recorded": recorded}
    if len(keys) >= MAX_ACCESS_KEYS:
        raise CollectionError(f"access_key_action: the RAM user {user_name} already has {len(keys)} AccessKeys, the RAM limit; "
                              "delete one it no longer uses, nothing was changed")
    replaced = recorded if module.params["access_key_action"] == "rotate" and recorded in {key["AccessKeyId"] for key in keys} else None
    return {"create": True, "recorded": recorded, "replace": replaced, "parser": parser}


def apply_access_key(module, client, user_name, plan):
    """Create the key and write its file (or keep the recorded one). Returns (changed, access_key facts without secret)."""
    path = module.params["access_key_file"]
    if not plan["create"]:
        return make_private(module, path), {"access_key_id": plan["recorded"], "file": path}
    if module.check_mode:
        return True, {"access_key_id": None, "file": path}
    key = (client.call("CreateAccessKey", {"UserName": user_name}) or {}).get("AccessKey") or {}
    module.no_log_values.add(key.get("AccessKeySecret"))
    try:
        write_private_file(path, render_key_file(key, module.params["access_key_format"], module.params["access_key_profile"], plan["parser"]))
    except OSError as error:
        # A key nobody can read is a liability: take it back before failing.
        delete_access_key(client, user_name, key["AccessKeyId"])
        raise CollectionError(f"access_key_file: cannot write {path}: {error.strerror}; the new AccessKey was deleted again") from None
    facts = {"access_key_id": key["AccessKeyId"], "file": path}
    if plan["replace"]:
        delete_access_key(client, user_name, plan["replace"])
        facts["replaced_access_key_id"] = plan["replace"]
    return True, facts


# ------------------------------------------------------------------------------------------------------------ removal

def delete_user(client, user_name, keys, attached):
    """Everything RAM refuses to delete a user with (AccessKeys, attachments, groups), then the user."""
    for key in keys:
        delete_access_key(client, user_name, key["AccessKeyId"])
    for policy in attached:
        detach_policy(client, "User", user_name, policy)
    # Group membership is rare for these users: look it up only when RAM names it as the obstacle.
    if client.call("DeleteUser", {"UserName": user_name}, ignore=(GROUP_CONFLICT,)) is None:
        groups = (client.call("ListGroupsForUser", {"UserName": user_name}) or {}).get("Groups") or {}
        for group in groups.get("Group") or []:
            client.call("RemoveUserFromGroup", {"UserName": user_name, "GroupName": group["GroupName"]})
        client.call("DeleteUser", {"UserName": user_name})


def forget_key_file(module, deleted_key_ids):
    """Drop a deleted key from access_key_file: the whole JSON file, or only its profile of an INI file.

    A file that does not hold one of the deleted keys is left alone. Returns whether anything changed."""
    path = module.params["access_key_file"]
    if not path or not os.path.exists(path):
        return False
    profile = module.params["access_key_profile"]
    try:
        recorded, parser = read_key_file(path, module.params["access_key_format"], profile)
    except ValueError as error:
        module.warn(f"access_key_file: left as it is: {error}")
        return False
    if recorded not in deleted_key_ids:
        return False
    if not module.check_mode:
        if parser is not None and len(parser.sections()) > 1:
            parser.remove_section(profile)
            write_private_file(path, ini_text(parser))
        else:
            os.unlink(path)
    return True


def remove(module, client, request, user, attached, custom):
    """state=absent: revoke the grant; with remove_user, delete the user and its key file. Returns (changed, user after)."""
    changed = revoke_grant(module, client, request, attached, custom)
    if not module.params["remove_user"]:
        return changed, user
    if user is None:
        return changed, None
    keys = list_access_keys(client, request["user_name"])
    if not module.check_mode:
        managed = grant_attachments(attached, request)
        delete_user(client, request["user_name"], keys, [p for p in attached if p not in managed])
    forget_key_file(module, {key["AccessKeyId"] for key in keys})
    return True, None


# ------------------------------------------------------------------------------------------------------------ main

def snapshot(user, managed, document):
    """What --diff shows: the user, the grant attachments and the custom grant document (never key material)."""
    if not user:
        return {}
    facts = user_facts(user)
    facts.pop("user_id")
    return {"user": facts, "grant_policies": [f"{p['PolicyType']}:{p['PolicyName']}" for p in managed], "grant_document": document}


def grant(module, client, request, user, attached, custom):
    """state=present. Returns the module result."""
    key_plan = plan_access_key(module, client, request["user_name"], user is not None)
    changed, user_after = ensure_user(module, client, request["user_name"], user)
    grant_changed, managed_after, grant_facts = ensure_grant(module, client, request, attached, custom)
    result = {"changed": changed or grant_changed, "user": user_facts(user_after), "grant": grant_facts}
    if key_plan:
        key_changed, result["access_key"] = apply_access_key(module, client, request["user_name"], key_plan)
        result["changed"] |= key_changed
    custom_document = grant_facts["document"] if grant_facts["policy_type"] == "Custom" else None
    result["after"] = snapshot(user_after, managed_after, custom_document)
    return result


def run(module):
    # A dry run predicts the key even when its directory is missing: an earlier task of the same play may create it.
    request = validated_request(module.params, check_local_files=not module.check_mode)
    if key_directory_missing(module.params):
        module.warn(f"access_key_file: the directory of {module.params['access_key_file']} does not exist yet; "
                    "a real run fails unless an earlier task creates it")
    if module.params["grant_mode"] == "system" and request["role_arns"]:
        module.warn("role_arns is ignored with grant_mode=system: AliyunSTSAssumeRoleAccess allows assuming any role that trusts this account")
    client = module.client("ram")
    user = get_user(client, request["user_name"])
    custom = get_policy(client, request["policy_name"])
    attached = list_attached(client, "User", request["user_name"]) if user else []
    before = snapshot(user, grant_attachments(attached, request), default_document(custom) if custom else None)
    if module.params["state"] == "present":
        result = grant(module, client, request, user, attached, custom)
        after = result.pop("after")
    else:
        changed, user_after = remove(module, client, request, user, attached, custom)
        result = {"changed": changed, "user": user_facts(user_after), "grant": {}}
        after = snapshot(user_after, [], None)
    return dict(result, diff={"before": before, "after": after})


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
