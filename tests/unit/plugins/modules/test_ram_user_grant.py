# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ram_user_grant: the plan for a user's right to assume roles (the least-privilege grant policy or the system one,
switching between them, revoking) and for a leaver, and what main() reports over canned RAM answers: changed or not,
the diff, no write in check mode, fields named before any call, and no AccessKey secret or password in the result."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_user_grant_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_users import MARKER
from ansible_collections.apsaramq.cross_account.plugins.modules import ram_user_grant

from .utils import PARTNER_ACCOUNT_ID, api_error, make_module, module_args, secrets_in

USER = "alice"
GRANT = f"AssumeRole-{USER}"
ROLE_A = f"acs:ram::{PARTNER_ACCOUNT_ID}:role/partner-reader"
ROLE_B = f"acs:ram::{PARTNER_ACCOUNT_ID}:role/partner-writer"
SYSTEM_DOCUMENT = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
NEW_KEY_SECRET = "new-key-secret-Wv83p"
PASSWORD = "Vault-Given-Pa55word!"


def user_record(marked=True, comments="partner operator"):
    stored = f"{MARKER} {comments}" if marked else comments
    return {"UserName": USER, "UserId": "200000000000000001", "DisplayName": "Alice", "Comments": stored}


def grant_body(*role_arns):
    """GetPolicy's body for the custom grant policy allowing these roles."""
    document = ram_user_grant.grant_document(role_arns)
    return {
        "Policy": {"PolicyName": GRANT, "PolicyType": "Custom", "DefaultVersion": "v1"},
        "DefaultPolicyVersion": {"VersionId": "v1", "IsDefaultVersion": True, "PolicyDocument": json.dumps(document)},
    }


def account(fake_api, user=None, grant=None, attached=()):
    """Canned reads: the user (None: missing), the custom grant policy (None: missing), the user's attachments
    ("Type:Name"), and the system grant policy."""

    def get_policy(params):
        if params["PolicyType"] == "System":
            return {
                "Policy": {"PolicyName": params["PolicyName"], "PolicyType": "System"},
                "DefaultPolicyVersion": {"VersionId": "v1", "PolicyDocument": json.dumps(SYSTEM_DOCUMENT)},
            }
        return grant if grant is not None else api_error("EntityNotExist.Policy")

    fake_api.answer("GetUser", {"User": user} if user else api_error("EntityNotExist.User"))
    fake_api.answer("CreateUser", lambda params: {"User": dict(params, UserId="200000000000000001")})
    fake_api.answer("GetPolicy", get_policy)
    fake_api.answer(
        "ListPoliciesForUser",
        {
            "Policies": {
                "Policy": [
                    {"PolicyType": kind, "PolicyName": name} for kind, name in (ref.split(":") for ref in attached)
                ]
            }
        },
    )


def leaver(fake_api, groups=("operators",), key_ids=("unit-test-key-id-1",), profile=True):
    fake_api.answer("ListGroupsForUser", {"Groups": {"Group": [{"GroupName": name} for name in groups]}})
    fake_api.answer(
        "ListAccessKeys",
        {"AccessKeys": {"AccessKey": [{"AccessKeyId": key, "Status": "Active"} for key in key_ids]}},
    )
    fake_api.answer(
        "GetLoginProfile",
        {"LoginProfile": {"UserName": USER, "PasswordResetRequired": True, "MFABindRequired": True}}
        if profile
        else api_error("EntityNotExist.User.LoginProfile"),
    )


def planned(patch_ansible_module, check_mode=False, **options):
    """The module as Ansible builds it from these options, its RAM client and the validated request."""
    options.setdefault("user_name", USER)
    module = make_module(patch_ansible_module, ARGUMENT_SPEC, check_mode=check_mode, rules=RULES, **options)
    return module, module.client("ram"), validated_request(module.params, check_local_files=not check_mode)


# ----------------------------------------------------------------------------------------------------------- the grant


def test_the_least_privilege_grant_allows_exactly_the_roles_given():
    assert ram_user_grant.grant_document([ROLE_A, ROLE_B]) == {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [ROLE_A, ROLE_B]}],
    }


def test_a_first_grant_creates_the_policy_then_attaches_it(patch_ansible_module, fake_api):
    module, client, request = planned(patch_ansible_module, role_arns=[ROLE_A])

    changed, after, facts = ram_user_grant.ensure_grant(module, client, request, [], None)

    assert changed is True
    assert [call.action for call in fake_api.writes] == ["CreatePolicy", "AttachPolicyToUser"]
    assert json.loads(fake_api.params_of("CreatePolicy")[0]["PolicyDocument"]) == ram_user_grant.grant_document(
        [ROLE_A]
    )
    assert after == [{"PolicyName": GRANT, "PolicyType": "Custom"}]
    assert (facts["mode"], facts["policy_name"], facts["role_arns"]) == ("least_privilege", GRANT, [ROLE_A])


def test_a_converged_grant_writes_nothing(patch_ansible_module, fake_api):
    module, client, request = planned(patch_ansible_module, role_arns=[ROLE_A])
    attached = [{"PolicyName": GRANT, "PolicyType": "Custom"}]

    changed, _after, _facts = ram_user_grant.ensure_grant(module, client, request, attached, grant_body(ROLE_A))

    assert changed is False
    assert fake_api.calls == []


def test_another_role_list_becomes_a_new_default_version(patch_ansible_module, fake_api):
    module, client, request = planned(patch_ansible_module, role_arns=[ROLE_B, ROLE_A])
    attached = [{"PolicyName": GRANT, "PolicyType": "Custom"}]

    changed, _after, _facts = ram_user_grant.ensure_grant(module, client, request, attached, grant_body(ROLE_A))

    assert changed is True
    [sent] = fake_api.params_of("CreatePolicyVersion")
    assert json.loads(sent["PolicyDocument"])["Statement"][0]["Resource"] == [ROLE_A, ROLE_B]
    assert sent["SetAsDefault"] is True
    assert [call.action for call in fake_api.writes] == ["CreatePolicyVersion"]


def test_switching_to_the_system_grant_attaches_it_before_removing_the_custom_one(patch_ansible_module, fake_api):
    account(fake_api)
    fake_api.answer("ListEntitiesForPolicy", {"Users": {"User": [{"UserName": USER}]}})
    fake_api.answer(
        "ListPolicyVersions", {"PolicyVersions": {"PolicyVersion": [{"VersionId": "v1", "IsDefaultVersion": True}]}}
    )
    module, client, request = planned(patch_ansible_module, grant_mode="system")
    attached = [{"PolicyName": GRANT, "PolicyType": "Custom"}]

    changed, after, facts = ram_user_grant.ensure_grant(module, client, request, attached, grant_body(ROLE_A))

    assert changed is True
    assert [(call.action, call.params.get("PolicyName")) for call in fake_api.writes] == [
        ("AttachPolicyToUser", "AliyunSTSAssumeRoleAccess"),
        ("DetachPolicyFromUser", GRANT),
        ("DetachPolicyFromUser", GRANT),  # delete_policy detaches from every entity, the already-gone one ignored
        ("DeletePolicy", GRANT),
    ]
    assert after == [{"PolicyName": "AliyunSTSAssumeRoleAccess", "PolicyType": "System"}]
    assert facts["document"] == SYSTEM_DOCUMENT and facts["role_arns"] == []


def test_grant_mode_none_revokes_both_grants(patch_ansible_module, fake_api):
    fake_api.answer("ListEntitiesForPolicy", {})
    fake_api.answer("ListPolicyVersions", {})
    module, client, request = planned(patch_ansible_module, grant_mode="none")
    attached = [{"PolicyName": "AliyunSTSAssumeRoleAccess", "PolicyType": "System"}]

    changed, after, facts = ram_user_grant.ensure_grant(module, client, request, attached, grant_body(ROLE_A))

    assert (changed, after, facts) == (True, [], {})
    assert [call.action for call in fake_api.writes] == ["DeletePolicy", "DetachPolicyFromUser"]


# ------------------------------------------------------------------------------------------------------------ leavers


def test_an_unmarked_user_is_never_deleted(patch_ansible_module, fake_api):
    module, client, request = planned(patch_ansible_module, state="absent", remove_user=True)

    with pytest.raises(CollectionError, match=r"^remove_user: the RAM user alice was not created by"):
        ram_user_grant.remove(module, client, request, user_record(marked=False), [], grant_body(ROLE_A))
    assert fake_api.calls == []


def test_an_unmarked_leaver_only_loses_the_grant(patch_ansible_module, fake_api):
    fake_api.answer("ListEntitiesForPolicy", {"Users": {"User": [{"UserName": USER}]}})
    fake_api.answer("ListPolicyVersions", {})
    module, client, request = planned(patch_ansible_module, state="absent")
    attached = [{"PolicyName": GRANT, "PolicyType": "Custom"}]

    changed, user_after, *_views = ram_user_grant.remove(
        module, client, request, user_record(marked=False), attached, grant_body(ROLE_A)
    )

    assert changed is True and user_after == user_record(marked=False)
    assert [call.action for call in fake_api.writes] == ["DetachPolicyFromUser", "DeletePolicy"]
    assert "ListAccessKeys" not in fake_api.actions()


def test_a_marked_leaver_loses_groups_keys_and_login_profile(patch_ansible_module, fake_api):
    leaver(fake_api)
    module, client, request = planned(patch_ansible_module, state="absent")

    changed, _user, before, after, removed = ram_user_grant.remove(module, client, request, user_record(), [], None)

    assert changed is True
    assert [call.action for call in fake_api.writes] == ["RemoveUserFromGroup", "DeleteAccessKey", "DeleteLoginProfile"]
    assert removed == {"groups": ["operators"], "access_key_ids": ["unit-test-key-id-1"], "login_profile": True}
    assert before["access_keys"] == [{"access_key_id": "unit-test-key-id-1", "status": "Active"}]
    assert after == {"groups": [], "access_keys": [], "login_profile": {"exists": False}}


def test_a_leaver_in_check_mode_is_planned_but_not_written(patch_ansible_module, fake_api):
    leaver(fake_api)
    module, client, request = planned(patch_ansible_module, check_mode=True, state="absent", remove_user=True)

    changed, user_after, before, _after, removed = ram_user_grant.remove(
        module, client, request, user_record(), [], None
    )

    assert (changed, user_after) == (True, None)
    assert fake_api.writes == []
    assert removed["groups"] == ["operators"] and before["groups"] == ["operators"]


# ------------------------------------------------------------------------------------------- validation, before calls


@pytest.mark.parametrize(
    "options, field",
    [
        ({"user_name": "no spaces", "role_arns": [ROLE_A]}, "user_name"),
        ({"user_name": USER, "role_arns": [ROLE_A, "acs:ram::1:role/x"]}, "role_arns[1]"),
        ({"user_name": USER}, "role_arns"),
        ({"user_name": USER, "role_arns": [ROLE_A], "comments": f"{MARKER} mine"}, "comments"),
        ({"user_name": USER, "role_arns": [ROLE_A], "access_key_grace_period": 9000}, "access_key_grace_period"),
        ({"user_name": USER, "role_arns": [ROLE_A], "access_key_max_age_days": 30}, "access_key_max_age_action"),
        ({"user_name": USER, "role_arns": [ROLE_A], "login_profile": {"state": "present"}}, "login_profile"),
        ({"user_name": USER, "role_arns": [ROLE_A], "login_profile": {"password": "short"}}, "login_profile.password"),
    ],
)
def test_bad_options_fail_naming_the_field_before_any_api_call(fail_module, fake_api, options, field):
    result = fail_module(ram_user_grant.main, module_args(**options))

    assert result["msg"].startswith(field + ":"), result["msg"]
    assert fake_api.calls == []
    assert secrets_in(result, "short") == []


# ---------------------------------------------------------------------------------------------------------- main()


def test_main_creates_a_marked_user_with_its_least_privilege_grant(run_module, fake_api):
    account(fake_api)

    result = run_module(ram_user_grant.main, module_args(user_name=USER, role_arns=[ROLE_A], comments="partner ops"))

    assert result["changed"] is True
    assert [call.action for call in fake_api.writes] == ["CreateUser", "CreatePolicy", "AttachPolicyToUser"]
    assert fake_api.params_of("CreateUser") == [{"UserName": USER, "Comments": f"{MARKER} partner ops"}]
    assert result["user"]["comments"] == "partner ops" and result["user"]["managed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["grant_policies"] == [f"Custom:{GRANT}"]
    assert result["diff"]["after"]["grant_document"] == ram_user_grant.grant_document([ROLE_A])


def test_main_in_check_mode_predicts_the_same_and_writes_nothing(run_module, fake_api):
    account(fake_api)

    result = run_module(
        ram_user_grant.main, module_args(user_name=USER, role_arns=[ROLE_A], comments="partner ops"), check_mode=True
    )

    assert result["changed"] is True
    assert fake_api.writes == []
    assert result["diff"]["after"]["grant_policies"] == [f"Custom:{GRANT}"]
    assert result["diff"]["after"]["user"]["comments"] == "partner ops"


def test_main_leaves_a_converged_user_unchanged(run_module, fake_api):
    account(fake_api, user=user_record(), grant=grant_body(ROLE_A), attached=[f"Custom:{GRANT}"])

    result = run_module(ram_user_grant.main, module_args(user_name=USER, role_arns=[ROLE_A]))

    assert result["changed"] is False
    assert fake_api.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_main_shows_a_grant_change_in_the_diff_in_check_mode(run_module, fake_api):
    account(fake_api, user=user_record(), grant=grant_body(ROLE_A), attached=[f"Custom:{GRANT}"])

    result = run_module(ram_user_grant.main, module_args(user_name=USER, role_arns=[ROLE_A, ROLE_B]), check_mode=True)

    assert result["changed"] is True
    assert fake_api.writes == []
    assert result["diff"]["before"]["grant_document"]["Statement"][0]["Resource"] == [ROLE_A]
    assert result["diff"]["after"]["grant_document"]["Statement"][0]["Resource"] == [ROLE_A, ROLE_B]


def test_main_writes_a_new_access_key_to_its_file_and_never_returns_the_secret(run_module, fake_api, tmp_path):
    account(fake_api, user=user_record(), grant=grant_body(ROLE_A), attached=[f"Custom:{GRANT}"])
    fake_api.answer("ListAccessKeys", {"AccessKeys": {"AccessKey": []}})
    fake_api.answer(
        "CreateAccessKey",
        {"AccessKey": {"AccessKeyId": "unit-test-new-key-id", "AccessKeySecret": NEW_KEY_SECRET, "Status": "Active"}},
    )
    key_file = tmp_path / "alice.json"

    result = run_module(
        ram_user_grant.main,
        module_args(
            user_name=USER,
            role_arns=[ROLE_A],
            access_key_action="create",
            access_key_file=str(key_file),
            debug_api_calls=True,
        ),
    )

    assert result["changed"] is True
    assert result["access_key"] == {"access_key_id": "unit-test-new-key-id", "file": str(key_file), "status": "Active"}
    assert secrets_in(result, NEW_KEY_SECRET) == []
    assert json.loads(key_file.read_text())["AccessKeySecret"] == NEW_KEY_SECRET
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_main_never_returns_the_console_password(run_module, fake_api):
    account(fake_api, user=user_record(), grant=grant_body(ROLE_A), attached=[f"Custom:{GRANT}"])
    fake_api.answer("GetLoginProfile", api_error("EntityNotExist.User.LoginProfile"))
    fake_api.answer("GetPasswordPolicy", {"PasswordPolicy": {"MinimumPasswordLength": 12}})
    fake_api.answer("CreateLoginProfile", {"LoginProfile": {"UserName": USER, "PasswordResetRequired": True}})
    fake_api.answer("GetAccountAlias", {"AccountAlias": "partner"})

    result = run_module(
        ram_user_grant.main,
        module_args(user_name=USER, role_arns=[ROLE_A], login_profile={"password": PASSWORD}, debug_api_calls=True),
    )

    assert result["changed"] is True
    assert fake_api.params_of("CreateLoginProfile")[0]["Password"] == PASSWORD
    assert result["login_profile"]["login_name"] == "alice@partner.onaliyun.com"
    assert result["diff"]["after"]["login_profile"]["password"] == "set by this task (not shown)"
    assert secrets_in(result, PASSWORD) == []
