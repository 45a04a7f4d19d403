#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_user_grant
short_description: Let a RAM user assume roles of other accounts, sign in to the console, and manage its AccessKeys
version_added: 0.1.0
description:
  - Run in the partner account (Account B). Makes sure the RAM user O(user_name) exists and may call
    C(sts:AssumeRole) on the roles that the resource owner (Account A) created for this account.
  - O(grant_mode=least_privilege) (the default) writes a custom policy that allows C(sts:AssumeRole) on exactly
    O(role_arns) and attaches it to the user. O(grant_mode=system) attaches the system policy
    C(AliyunSTSAssumeRoleAccess), as the product documentation does; it allows assuming every role that trusts this account.
  - Switching modes removes the other mode's grant, so the user never keeps the broader one by accident.
    O(grant_mode=none) gives the user no grant of its own (and removes either mode's), for a user that holds the right
    through a group (M(apsaramq.cross_account.ram_group)), such as the members of C(operator_setup)'s group.
  - "People: O(login_profile) gives the user a console password (from a vault, or generated to satisfy the account's
    password policy and written only to a 0600 file in a private directory), with password reset and MFA binding
    required at the first sign-in by default. The result gives the console sign-in name
    (C(<user>@<account alias>.onaliyun.com)) and URL."
  - "Applications: an AccessKey written to a file of mode 0600 (JSON, or a profile of an INI credentials file). The
    secret is never returned, logged or shown in a diff. Its lifecycle: O(access_key_action=disable) and V(enable),
    rotation with overlap (O(access_key_action=rotate), or O(access_key_max_age_days) for keys older than N days):
    the new key is created, written and proven by an AssumeRole on the first of O(role_arns) before the old one is
    disabled; the old one is deleted by a later run, once O(access_key_grace_period) has passed. RAM allows two
    AccessKeys per user; the module never needs a third and never leaves a key without its file."
  - "Leavers: O(state=absent) removes the grant and, for a user this collection created, its group memberships,
    AccessKeys (forgetting O(access_key_file)) and login profile; with O(remove_user=true), the user too. Sessions
    the user already started with AssumeRole stay valid until they expire (at most the role's maximum session
    duration)."
  - "Users this collection did not create are never offboarded. The marker: RAM users cannot be tagged (RAM's
    C(TagResources) takes roles and policies only), so a user this module creates gets C([apsaramq.cross_account])
    at the start of its C(Comments) (O(comments) follows it; RV(user.comments) shows them without it). For a user
    without the marker, O(state=absent) removes only the grant (and warns), and O(remove_user), deleting its login
    profile or its rotation leftovers are refused, unless O(manage_unmarked_user=true). Users made before the marker
    existed can be given it by hand (prefix their Comments) to be managed fully."
extends_documentation_fragment:
  - apsaramq.cross_account.common
  - apsaramq.cross_account.attributes
attributes:
  check_mode:
    details: Makes only read calls and writes no file; the result predicts the user, the grant, the keys and the profile.
  diff_mode:
    support: full
    details:
      - Shows the user, the grant policy document and the grant attachments before and after.
      - Also the AccessKeys (ids and status) with O(access_key_action) V(rotate), V(disable), V(enable) or
        O(access_key_max_age_days), the login profile (flags, and that a password was set; never the password) with
        O(login_profile), and what a leaver loses with O(state=absent).
options:
  user_name:
    description:
      - Name of the RAM user. Letters, digits, C(.), C(_) and C(-), at most 64 characters.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) makes sure the grant exists, V(absent) offboards the user (see the description).
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
      - Comments on the user (at most 103 characters, since the collection's marker takes the rest of RAM's 128). Set
        on creation and updated when they differ; a marked user keeps its marker in front of them.
    type: str
  role_arns:
    description:
      - ARNs of the roles the user may assume, such as C(acs:ram::1000000000000001:role/partner-b-operator).
      - Required with O(state=present) and O(grant_mode=least_privilege), and for a rotation (the new key is proven
        with the first one). Otherwise ignored (with a warning) in O(grant_mode=system), and only used for a rotation's
        proof with O(grant_mode=none).
    type: list
    elements: str
    default: []
  grant_mode:
    description:
      - V(least_privilege) writes and attaches a custom policy naming exactly O(role_arns).
      - V(system) attaches C(AliyunSTSAssumeRoleAccess) (C(sts:AssumeRole) on every resource).
      - V(none) makes sure the user holds neither (its right comes from a group, or it has none).
    type: str
    choices: [least_privilege, system, none]
    default: least_privilege
  grant_policy_name:
    description:
      - Name of the custom policy of O(grant_mode=least_privilege).
      - Defaults to C(AssumeRole-<user_name>). When O(user_name) holds C(.) or C(_), which policy names cannot, they become C(-)
        and a short digest of the user name is appended, so that two users never share a default grant policy.
    type: str
  remove_user:
    description:
      - With O(state=absent), also delete the user (after its group memberships, AccessKeys, login profile and other
        policy attachments). O(access_key_file) is removed when it holds one of the deleted keys (with
        O(access_key_format=ini), only its O(access_key_profile) profile is removed).
      - Refused for a user this collection did not create, unless O(manage_unmarked_user=true).
    type: bool
    default: false
  manage_unmarked_user:
    description:
      - Allow removing what a user without the collection's marker holds (O(state=absent), O(remove_user), deleting
        its login profile, deleting keys a rotation left). Without it such a user keeps all of that.
    type: bool
    default: false
  access_key_action:
    description:
      - V(none) manages no AccessKey.
      - V(create) creates an AccessKey and writes it to O(access_key_file), unless that file already holds a key of the
        user (a disabled one stays disabled, with a warning).
      - V(rotate) rotates with overlap. It creates a new AccessKey, writes it to O(access_key_file), proves it with
        AssumeRole on the first of O(role_arns) (waiting up to O(access_key_proof_wait) seconds), then disables the
        key the file held. If the proof fails, the new key is deleted and the file put back. Always changes.
      - V(disable) and V(enable) set the key in O(access_key_file) Inactive or Active (C(UpdateAccessKey)); an
        inactive key is refused by every service until it is enabled again.
      - With V(create) and V(rotate), a key that an earlier rotation disabled is deleted once
        O(access_key_grace_period) has passed. RAM allows two AccessKeys per user; at the limit the task fails before
        writing anything.
    type: str
    choices: [none, create, rotate, disable, enable]
    default: none
  access_key_file:
    description:
      - File that receives the AccessKey, created with mode 0600 (written to a temporary file and renamed).
      - Its directory must exist (in check mode a missing directory is only a warning, since an earlier task may
        create it); a warning says when other users may write to that directory. Required when O(access_key_action)
        is not V(none).
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
  access_key_grace_period:
    description:
      - Hours (0 to 8760) a key disabled by a rotation is kept before a later run deletes it, counted from the creation
        of the key that replaced it. V(0) deletes it on the next run with O(access_key_action) V(create) or V(rotate).
    type: int
    default: 0
  access_key_max_age_days:
    description:
      - Maximum age of an active AccessKey in days (1 to 3650). With O(access_key_action=create), the key in
        O(access_key_file) is rotated (as with V(rotate)) when it is older, or only reported with
        O(access_key_max_age_action=report). With O(access_key_action=none), the user's old keys are reported.
      - Reported keys come back in RV(access_key.over_age) and as warnings.
    type: int
  access_key_max_age_action:
    description:
      - What O(access_key_max_age_days) does with a key that is too old, V(rotate) or V(report).
    type: str
    choices: [rotate, report]
    default: rotate
  access_key_proof_wait:
    description:
      - Seconds (0 to 600) a rotation waits for the new key to be accepted by STS (a new key, or a grant made a moment
        ago, takes a while to reach it), through the collection's retry policy. V(0) tries once.
    type: int
    default: 30
  access_key_proof_external_id:
    description:
      - The C(sts:ExternalId) the role of the proof requires, if any.
    type: str
  login_profile:
    description:
      - The console login of a person. Not managed when omitted.
      - An existing profile is left as it is (its password and flags; the person may have changed them) unless
        O(login_profile.password_reset=true).
    type: dict
    suboptions:
      state:
        description:
          - V(present) gives the user a login profile, V(absent) deletes it (refused for a user this collection did not
            create, unless O(manage_unmarked_user=true)) and removes O(login_profile.password_file).
        type: str
        choices: [present, absent]
        default: present
      password:
        description:
          - The password, for example from a vault. Never shown. Must satisfy the account's password policy
            (C(GetPasswordPolicy)), checked before anything is written.
          - One of O(login_profile.password) and O(login_profile.password_file) is required with V(present).
        type: str
      password_file:
        description:
          - Generate a strong password instead (24 characters or the policy's minimum, each character class, satisfying
            the account's password policy) and write it to this file, mode 0600, before the profile is created.
          - Its directory must exist, belong to the user running the module and be private (mode 0700).
        type: path
      password_reset_required:
        description: The person must change the password at the first sign-in.
        type: bool
        default: true
      mfa_bind_required:
        description: The person must bind an MFA device at the next sign-in.
        type: bool
        default: true
      password_reset:
        description:
          - Set a new password (and the two flags) on an existing profile. Always changes.
        type: bool
        default: false
notes:
  - The resource owner must also trust this account (or this user) in the role's trust policy, see M(apsaramq.cross_account.ram_role).
  - The sign-in URL returned is the China site's (C(https://signin.aliyun.com/login.htm)); accounts of the
    international site sign in at C(https://signin.alibabacloud.com/login.htm) with the same name.
seealso:
  - module: apsaramq.cross_account.ram_role
  - module: apsaramq.cross_account.sts_assume
  - module: apsaramq.cross_account.ram_policy
  - module: apsaramq.cross_account.ram_user_info
"""

EXAMPLES = r"""
- name: Alice may assume exactly the operator role of Account A
  apsaramq.cross_account.ram_user_grant:
    user_name: alice
    display_name: Alice (partner operator)
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-operator

- name: Bob signs in to the console with a generated password, changed and MFA bound at his first sign-in
  apsaramq.cross_account.ram_user_grant:
    user_name: bob
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-operator
    login_profile:
      password_file: ~/handover/bob.password
  register: bob

- name: Carol's password comes from a vault
  apsaramq.cross_account.ram_user_grant:
    user_name: carol
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-operator
    login_profile:
      password: "{{ vault_carol_password }}"

- name: An application user with an AccessKey in a credentials profile, rotated when older than 90 days
  apsaramq.cross_account.ram_user_grant:
    user_name: orders-publisher
    role_arns:
      - acs:ram::1000000000000001:role/partner-b-publisher
    access_key_action: create
    access_key_file: /etc/orders-publisher/credentials.ini
    access_key_format: ini
    access_key_profile: orders-publisher
    access_key_max_age_days: 90
    access_key_grace_period: 24
  register: publisher

- name: Suspend the key (a JSON file, the default format) of a batch job whose right comes from a group; enable resumes it
  apsaramq.cross_account.ram_user_grant:
    user_name: nightly-report
    grant_mode: none
    access_key_action: disable
    access_key_file: /etc/nightly-report/access_key.json

- name: The documentation's way (any role that trusts this account)
  apsaramq.cross_account.ram_user_grant:
    user_name: dave
    grant_mode: system

- name: Alice leaves, the user stays (no grant, no group, no key, no console login)
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
      description: Comments on the user, without the collection's marker.
      type: str
    managed:
      description: Whether the user carries the collection's marker (this collection created it).
      type: bool
      sample: true
grant:
  description: The grant after the task; empty after O(state=absent) and with O(grant_mode=none).
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
  description: Where the AccessKey is and what happened to the user's keys. The secret is only in the file.
  returned: when O(access_key_action) is not V(none) or O(access_key_max_age_days) is set, with O(state=present)
  type: dict
  contains:
    access_key_id:
      description: Id of the AccessKey in the file (null when one would be created in check mode).
      type: str
    file:
      description: Path of O(access_key_file).
      type: str
    status:
      description: V(Active) or V(Inactive), the status of that key after the task.
      type: str
    replaced_access_key_id:
      description: Id of the AccessKey a rotation replaced (now disabled, deleted by a later run).
      type: str
      returned: when a key was rotated
    replaced_status:
      description: Status of the replaced key, V(Inactive).
      type: str
      returned: when a key was rotated
    rotation_reason:
      description: Why the key was rotated (O(access_key_action=rotate) or its age).
      type: str
      returned: when a key was rotated
    proof:
      description: The AssumeRole that proved the new key (V(allowed)), or V(skipped) in check mode.
      type: dict
      returned: when a key was rotated
      sample: {"role_arn": "acs:ram::1000000000000001:role/partner-b-operator", "outcome": "allowed", "attempts": 1}
    deleted_access_key_ids:
      description: Keys an earlier rotation disabled, deleted now that O(access_key_grace_period) has passed.
      type: list
      elements: str
      returned: when any
    pending_deletion:
      description: Keys an earlier rotation disabled that are kept, with C(delete_after) and the C(reason).
      type: list
      elements: dict
      returned: when any
    over_age:
      description: Active keys of the user older than O(access_key_max_age_days), with C(access_key_id) and C(age_days).
      type: list
      elements: dict
      returned: when O(access_key_max_age_days) is set
login_profile:
  description: The console login after the task (never the password).
  returned: when O(login_profile) is set and O(state=present)
  type: dict
  contains:
    exists:
      description: Whether the user has a login profile.
      type: bool
    password_reset_required:
      description: The person must change the password at the next sign-in.
      type: bool
    mfa_bind_required:
      description: The person must bind an MFA device at the next sign-in.
      type: bool
    create_date:
      description: When the profile was created.
      type: str
    password_changed:
      description: Whether this task set a password (a new profile or O(login_profile.password_reset)).
      type: bool
      returned: when it did
    password_file:
      description: Where the generated password was written.
      type: str
      returned: when a generated password was written
    login_name:
      description:
        - The console sign-in name, C(<user>@<default domain>), the default domain being C(<account alias>.onaliyun.com)
          (the account UID when the account has no alias).
      type: str
      returned: when the profile exists
      sample: bob@partner-b.onaliyun.com
    signin_url:
      description: The RAM user sign-in page.
      type: str
      returned: when the profile exists
      sample: https://signin.aliyun.com/login.htm
removed:
  description: What a leaver lost (O(state=absent) on a user this collection created).
  returned: when O(state=absent) offboarded a user this collection created (or O(manage_unmarked_user=true))
  type: dict
  contains:
    groups:
      description: The groups the user was removed from.
      type: list
      elements: str
    access_key_ids:
      description: The deleted AccessKeys.
      type: list
      elements: str
    login_profile:
      description: Whether a login profile was deleted.
      type: bool
"""

import os
from datetime import datetime, timezone

from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import AlibabaCloudModule
from ansible_collections.apsaramq.cross_account.plugins.module_utils.credential_files import KeyFile, directory_problem
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
    password_file_problem,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_users import (
    INACTIVE,
    MARKER,
    AccessKeyStep,
    account_alias,
    apply_login_profile,
    delete_access_key,
    delete_user,
    ensure_user,
    get_login_profile,
    get_password_policy,
    get_user,
    is_marked,
    list_access_keys,
    list_groups_for_user,
    login_profile_facts,
    password_problems,
    password_refusal,
    plan_access_keys,
    plan_login_profile,
    remove_from_groups,
    sign_in,
    unmarked_refusal,
    user_facts,
)

SYSTEM_GRANT = {"PolicyName": "AliyunSTSAssumeRoleAccess", "PolicyType": "System"}
# AccessKey actions whose effect --diff shows key by key (create keeps the historic diff: user and grant only).
KEY_DIFF_ACTIONS = ("rotate", "disable", "enable")


# ------------------------------------------------------------------------------------------------------------ the grant


def grant_document(role_arns):
    """Least privilege: sts:AssumeRole on exactly these roles."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(role_arns)}]}


def grant_policy_reference(policy_name):
    return {"PolicyName": policy_name, "PolicyType": "Custom"}


def ensure_grant_policy(module, client, name, document, current):
    """Create the custom grant policy or give it a new default version. Returns whether it changed."""
    if current is not None and documents_equal(default_document(current), document):
        return False
    if not module.check_mode:
        if current is None:
            create_policy(
                client,
                name,
                document,
                f"Lets RAM user {module.params['user_name']} assume the listed roles "
                "(managed by apsaramq.cross_account.ram_user_grant)",
            )
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
    if module.params["grant_mode"] == "none":  # the right comes from a group: the user keeps no grant of its own
        return revoke_grant(module, client, request, attached, custom), [], {}
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
    attachments_changed, after = update_attachments(
        client, module.check_mode, "User", name, [wanted], grant_attachments(attached, request), purge=True
    )
    changed |= attachments_changed
    if not least_privilege and custom is not None:
        changed |= remove_grant_policy(module, client, policy_name)
    facts = {
        "mode": module.params["grant_mode"],
        "policy_name": wanted["PolicyName"],
        "policy_type": wanted["PolicyType"],
        "document": document,
        "role_arns": request["role_arns"] if least_privilege else [],
    }
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


def may_touch(module, user):
    """Whether the task may remove what a user holds: the collection made it, or the task allows unmarked users."""
    return user is None or is_marked(user) or module.params["manage_unmarked_user"]


def key_file(params):
    return (
        KeyFile(params["access_key_file"], params["access_key_format"], params["access_key_profile"])
        if params["access_key_file"]
        else None
    )


def plan_keys(module, client, request, user):
    """The AccessKey step, planned before anything is written: (plan, AccessKeyStep or None), or None when no key is
    managed. Reads the key file and ListAccessKeys."""
    params = module.params
    if params["access_key_action"] == "none" and params["access_key_max_age_days"] is None:
        return None
    keys_file, recorded, parser = key_file(params), None, None
    if keys_file:
        try:
            recorded, parser = keys_file.read()
        except (OSError, ValueError) as error:
            raise CollectionError(f"access_key_file: {error}") from None
    keys = list_access_keys(client, request["user_name"]) if user else []
    plan = plan_access_keys(
        params["access_key_action"],
        keys,
        recorded,
        datetime.now(timezone.utc),
        request["user_name"],
        max_age_days=params["access_key_max_age_days"],
        age_action=params["access_key_max_age_action"],
        grace_hours=params["access_key_grace_period"],
        may_delete=may_touch(module, user),
    )
    plan["keys"] = keys
    proof = {
        "role_arn": request["proof_role_arn"],
        "external_id": params["access_key_proof_external_id"],
        "wait_seconds": params["access_key_proof_wait"],
    }
    step = AccessKeyStep(module, client, request["user_name"], keys_file, parser, proof) if keys_file else None
    return plan, step


def apply_keys(module, plan, step):
    """Returns (changed, access_key facts). Over-age keys that are not rotated are reported with a warning."""
    params = module.params
    if step is None:  # access_key_action=none: the maximum age is only reported
        changed, facts = False, {"access_key_id": None, "file": None, "status": None}
    else:
        changed, facts = step.apply(plan)
    if params["access_key_max_age_days"] is not None:
        facts["over_age"] = plan["aged"]
        for entry in plan["aged"]:
            if entry["access_key_id"] != facts.get("replaced_access_key_id"):  # a rotated key is dealt with
                module.warn(
                    f"access_key_max_age_days: the AccessKey {entry['access_key_id']} of {params['user_name']} is "
                    f"{entry['age_days']} days old, more than {params['access_key_max_age_days']}"
                )
    if plan["warning"]:
        module.warn(plan["warning"])
    return changed, facts


def keys_view(keys):
    return [{"access_key_id": key["AccessKeyId"], "status": key.get("Status")} for key in keys]


def keys_after(plan, facts):
    """The user's keys as --diff shows them after the AccessKey step (a new key's id is null in check mode)."""
    after = [dict(key) for key in keys_view(plan["keys"]) if key["access_key_id"] not in plan["delete"]]
    for key in after:
        if key["access_key_id"] == facts.get("replaced_access_key_id"):
            key["status"] = INACTIVE
        elif key["access_key_id"] == facts.get("access_key_id") and plan["step"] == "status":
            key["status"] = facts["status"]
    if plan["step"] in ("create", "rotate"):
        after.append({"access_key_id": facts.get("access_key_id"), "status": facts.get("status")})
    return after


# ------------------------------------------------------------------------------------------------------------ login profile


def plan_profile(module, client, request, user):
    """The login profile step, planned (and the password policy read) before anything is written, or None."""
    options = request["login_profile"]
    if options is None:
        return None
    current = get_login_profile(client, request["user_name"]) if user else None
    action = plan_login_profile(options, current)
    if action == "delete" and not may_touch(module, user):
        raise unmarked_refusal(request["user_name"], "deleting its login profile", "login_profile.state")
    policy = get_password_policy(client) if action in ("create", "reset") else None
    if policy and options["password"]:
        problems = password_problems(options["password"], policy)
        if problems:
            raise password_refusal(problems, " (the account's password policy)")
    return {"action": action, "current": current, "policy": policy, "options": options}


def apply_profile(module, client, request, plan):
    """Returns (changed, login_profile facts with the console sign-in, the profile record after)."""
    action, options = plan["action"], plan["options"]
    after = plan["current"]
    if action != "keep":
        after = apply_login_profile(module, client, request["user_name"], action, options, plan["policy"])
    facts = login_profile_facts(after)
    if action in ("create", "reset"):
        facts["password_changed"] = True
        if options["password_file"]:
            facts["password_file"] = options["password_file"]
    if after:
        alias = account_alias(client)
        facts.update(sign_in(request["user_name"], alias, None if alias else module.identity().get("AccountId")))
    return action != "keep", facts, after


def profile_view(profile, password_set=False):
    """What --diff shows of a login profile: its flags, never a password (only that one was set)."""
    view = {key: value for key, value in login_profile_facts(profile).items() if key != "create_date"}
    if password_set:
        view["password"] = "set by this task (not shown)"
    return view


# ------------------------------------------------------------------------------------------------------------ leavers


def remove(module, client, request, user, attached, custom):
    """state=absent: revoke the grant and, for a user this collection created, remove its group memberships, AccessKeys
    (forgetting the key file), login profile and, with remove_user, the user. Returns (changed, user after, diff
    before extras, diff after extras, removed facts)."""
    name = request["user_name"]
    touchable = may_touch(module, user)
    if user is not None and module.params["remove_user"] and not touchable:
        raise unmarked_refusal(name, "deleting it", "remove_user")
    changed = revoke_grant(module, client, request, attached, custom)
    if user is None:
        return changed, None, {}, {}, {}
    if not touchable:
        module.warn(
            f"user_name: the RAM user {name} was not created by apsaramq.cross_account (no {MARKER} in its Comments): "
            "only the grant was removed; its groups, AccessKeys and login profile were left as they are "
            "(manage_unmarked_user=true removes them)"
        )
        return changed, user, {}, {}, {}
    groups, keys, profile = (
        list_groups_for_user(client, name),
        list_access_keys(client, name),
        get_login_profile(client, name),
    )
    if not module.check_mode:
        remove_from_groups(client, name, groups)
        for key in keys:
            delete_access_key(client, name, key["AccessKeyId"])
        if profile:
            apply_login_profile(module, client, name, "delete", {}, None)
    changed |= bool(groups or keys or profile) | forget_files(module, request, {key["AccessKeyId"] for key in keys})
    removed = {"groups": groups, "access_key_ids": [key["AccessKeyId"] for key in keys], "login_profile": bool(profile)}
    before = {"groups": groups, "access_keys": keys_view(keys), "login_profile": profile_view(profile)}
    after = {"groups": [], "access_keys": [], "login_profile": profile_view(None)}
    if module.params["remove_user"]:
        if not module.check_mode:
            delete_user(client, name, [p for p in attached if p not in grant_attachments(attached, request)])
        return True, None, before, {}, removed
    return changed, user, before, after, removed


def forget_files(module, request, deleted_key_ids):
    """Remove the key file's deleted key and the password file of a removed login profile. Returns whether any went."""
    changed = False
    keys_file = key_file(module.params)
    if keys_file and deleted_key_ids:
        try:
            changed |= keys_file.forget(deleted_key_ids, module.check_mode)
        except ValueError as error:
            module.warn(f"access_key_file: left as it is: {error}")
    password_file = (request["login_profile"] or {}).get("password_file")
    if password_file and os.path.exists(password_file):
        if not module.check_mode:
            os.unlink(password_file)
        changed = True
    return changed


# ------------------------------------------------------------------------------------------------------------ main


def snapshot(user, managed, document, extras=None):
    """What --diff shows: the user, the grant attachments and the custom grant document (never key material), and the
    keys, login profile and groups when the task manages them."""
    if not user:
        return {}
    facts = user_facts(user)
    facts.pop("user_id")
    facts.pop("managed")
    return dict(
        {
            "user": facts,
            "grant_policies": [f"{p['PolicyType']}:{p['PolicyName']}" for p in managed],
            "grant_document": document,
        },
        **(extras or {}),
    )


def grant(module, client, request, user, attached, custom):
    """state=present. Returns (module result, diff before extras, diff after extras)."""
    params = module.params
    keys = plan_keys(module, client, request, user)
    profile = plan_profile(module, client, request, user)
    wanted = {
        key: params[option]
        for key, option in (("DisplayName", "display_name"), ("Comments", "comments"))
        if params[option] is not None
    }
    changed, user_after = ensure_user(
        client, module.check_mode, request["user_name"], wanted, user, params["create_user"]
    )
    grant_changed, managed_after, grant_facts = ensure_grant(module, client, request, attached, custom)
    result = {"changed": changed or grant_changed, "user": user_facts(user_after), "grant": grant_facts}
    before, after = {}, {}
    if keys:
        key_changed, result["access_key"] = apply_keys(module, *keys)
        result["changed"] |= key_changed
        if params["access_key_action"] in KEY_DIFF_ACTIONS or params["access_key_max_age_days"] is not None:
            before["access_keys"], after["access_keys"] = (
                keys_view(keys[0]["keys"]),
                keys_after(keys[0], result["access_key"]),
            )
    if profile:
        profile_changed, result["login_profile"], profile_after = apply_profile(module, client, request, profile)
        result["changed"] |= profile_changed
        before["login_profile"] = profile_view(profile["current"])
        after["login_profile"] = profile_view(profile_after, password_set=profile["action"] in ("create", "reset"))
    custom_document = grant_facts["document"] if grant_facts.get("policy_type") == "Custom" else None
    return result, before, snapshot(user_after, managed_after, custom_document, after)


def warn_about_local_files(module, request):
    """Check mode predicts even when a directory is missing (an earlier task may create it); a real run checked it."""
    if key_directory_missing(module.params):
        module.warn(
            f"access_key_file: the directory of {module.params['access_key_file']} does not exist yet; "
            "a real run fails unless an earlier task creates it"
        )
    if module.check_mode and password_file_problem(module.params):
        module.warn(
            f"login_profile.password_file: {password_file_problem(module.params)}; a real run fails unless an "
            "earlier task makes it a private directory"
        )
    if module.params["access_key_file"] and module.params["access_key_action"] != "none":
        problem = directory_problem(module.params["access_key_file"], private=False)
        if problem and os.path.isdir(os.path.dirname(os.path.abspath(module.params["access_key_file"]))):
            module.warn(f"access_key_file: {problem}")
    if module.params["grant_mode"] == "system" and request["role_arns"] and module.params["state"] == "present":
        module.warn(
            "role_arns is ignored with grant_mode=system: AliyunSTSAssumeRoleAccess allows assuming any role that "
            "trusts this account"
            + (
                " (role_arns[0] only proves a rotated AccessKey)"
                if module.params["access_key_action"] == "rotate"
                else ""
            )
        )


def run(module):
    # A dry run predicts the key even when its directory is missing: an earlier task of the same play may create it.
    request = validated_request(module.params, check_local_files=not module.check_mode)
    warn_about_local_files(module, request)
    client = module.client("ram")
    user = get_user(client, request["user_name"])
    custom = get_policy(client, request["policy_name"])
    attached = list_attached(client, "User", request["user_name"]) if user else []
    before = snapshot(user, grant_attachments(attached, request), default_document(custom) if custom else None)
    if module.params["state"] == "present":
        result, before_extras, after = grant(module, client, request, user, attached, custom)
    else:
        changed, user_after, before_extras, after_extras, removed = remove(
            module, client, request, user, attached, custom
        )
        result = {"changed": changed, "user": user_facts(user_after), "grant": {}}
        if removed:
            result["removed"] = removed
        after = snapshot(user_after, [], None, after_extras)
    before = dict(before, **before_extras) if before else {}
    return dict(result, diff={"before": before, "after": after})


def main():
    AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES).execute(run)


if __name__ == "__main__":
    main()
