# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ram_role: what the module plans (trust, attributes, attachments, deletion) and what main() reports, over canned RAM
answers: changed or not, the diff, no write in check mode, and options refused, naming the field, before any call."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import build_trust_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_role_args import (
    ARGUMENT_SPEC,
    RULES,
    validated_request,
)
from ansible_collections.apsaramq.cross_account.plugins.modules import ram_role

from .utils import ACCOUNT_ID, PARTNER_ACCOUNT_ID, AnsibleFailJson, api_error, make_module, module_args

OTHER_ACCOUNT_ID = "1111111111111111"
ROLE = "partner-reader"
PARTNER_ROOT = f"acs:ram::{PARTNER_ACCOUNT_ID}:root"
OTHER_ROOT = f"acs:ram::{OTHER_ACCOUNT_ID}:root"


def trust(*accounts):
    return build_trust_document(accounts=list(accounts))


def role_record(document=None, description="reads topics", duration=3600):
    return {
        "RoleName": ROLE,
        "RoleId": "300000000000000001",
        "Arn": f"acs:ram::{ACCOUNT_ID}:role/{ROLE}",
        "Description": description,
        "MaxSessionDuration": duration,
        "AssumeRolePolicyDocument": json.dumps(document or trust(PARTNER_ACCOUNT_ID)),
        "CreateDate": "2026-01-01T00:00:00Z",
    }


def attached(*references):
    """ListPoliciesForRole's body for "Type:Name" references."""
    return {
        "Policies": {
            "Policy": [
                {"PolicyType": kind, "PolicyName": name} for kind, name in (ref.split(":") for ref in references)
            ]
        }
    }


def existing_role(fake_api, role=None, policies=()):
    fake_api.answer("GetRole", {"Role": role or role_record()})
    fake_api.answer("ListPoliciesForRole", attached(*policies))


def request_for(patch_ansible_module, check_mode=False, **options):
    """The module as Ansible builds it from these options, and the request validated_request makes of them."""
    module = make_module(patch_ansible_module, ARGUMENT_SPEC, check_mode=check_mode, rules=RULES, **options)
    return module, validated_request(module.params)


# --------------------------------------------------------------------------------------------------- planning: trust


def test_exact_mode_wants_exactly_the_principals_given(patch_ansible_module):
    module, request = request_for(patch_ansible_module, name=ROLE, trusted_accounts=[OTHER_ACCOUNT_ID])

    wanted = ram_role.wanted_trust(module, request, role_record(trust(PARTNER_ACCOUNT_ID)))

    assert wanted["Statement"][0]["Principal"] == {"RAM": [OTHER_ROOT]}


def test_add_mode_merges_the_principal_into_the_current_trust(patch_ansible_module):
    module, request = request_for(
        patch_ansible_module, name=ROLE, trusted_accounts=[OTHER_ACCOUNT_ID], trust_mode="add"
    )

    wanted = ram_role.wanted_trust(module, request, role_record(trust(PARTNER_ACCOUNT_ID)))

    assert wanted["Statement"][0]["Principal"] == {"RAM": [PARTNER_ROOT, OTHER_ROOT]}
    assert ram_role.pending_principals(request, role_record(trust(PARTNER_ACCOUNT_ID))) == [
        f"{OTHER_ACCOUNT_ID} is not trusted"
    ]
    assert ram_role.pending_principals(request, role_record(wanted)) == []


def test_remove_mode_takes_out_only_the_principal_given(patch_ansible_module):
    module, request = request_for(
        patch_ansible_module, name=ROLE, trusted_accounts=[OTHER_ACCOUNT_ID], trust_mode="remove"
    )

    wanted = ram_role.wanted_trust(module, request, role_record(trust(PARTNER_ACCOUNT_ID, OTHER_ACCOUNT_ID)))

    assert wanted["Statement"][0]["Principal"] == {"RAM": [PARTNER_ROOT]}


def test_remove_mode_refuses_to_leave_the_role_trusting_nobody(patch_ansible_module):
    module, request = request_for(
        patch_ansible_module, name=ROLE, trusted_accounts=[PARTNER_ACCOUNT_ID], trust_mode="remove"
    )

    with pytest.raises(CollectionError, match=r"^trust_mode: removing these principals would leave the role"):
        ram_role.wanted_trust(module, request, role_record(trust(PARTNER_ACCOUNT_ID)))


def test_remove_mode_cannot_create_a_role(patch_ansible_module):
    module, request = request_for(
        patch_ansible_module, name=ROLE, trusted_accounts=[PARTNER_ACCOUNT_ID], trust_mode="remove"
    )

    with pytest.raises(CollectionError, match=r"^trust_mode: the role partner-reader does not exist"):
        ram_role.wanted_trust(module, request, None)


def test_expires_at_alone_puts_the_expiry_into_the_current_trust(patch_ansible_module):
    module, request = request_for(patch_ansible_module, name=ROLE, expires_at="2030-01-01T00:00:00Z")

    wanted = ram_role.wanted_trust(module, request, role_record(trust(PARTNER_ACCOUNT_ID)))

    statement = wanted["Statement"][0]
    assert statement["Principal"] == {"RAM": [PARTNER_ROOT]}
    assert statement["Condition"]["DateLessThan"]["acs:CurrentTime"] == "2030-01-01T00:00:00Z"


def test_no_trust_option_leaves_the_trust_alone(patch_ansible_module):
    module, request = request_for(patch_ansible_module, name=ROLE, description="new")

    assert ram_role.wanted_trust(module, request, role_record()) is None


# ------------------------------------------------------------------------------------- planning: update and deletion


def test_a_converged_role_plans_no_write(patch_ansible_module, fake_api):
    existing_role(fake_api, policies=["System:ReadOnlyAccess"])
    module, request = request_for(
        patch_ansible_module,
        name=ROLE,
        description="reads topics",
        trusted_accounts=[PARTNER_ACCOUNT_ID],
        policies=["ReadOnlyAccess"],
    )

    result = ram_role.ensure_present(module, module.client("ram"), request, role_record())

    assert result["changed"] is False
    assert fake_api.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_only_the_attributes_that_differ_are_sent(patch_ansible_module, fake_api):
    existing_role(fake_api)
    fake_api.answer("UpdateRole", {"Role": role_record(description="reads and writes")})
    module, request = request_for(
        patch_ansible_module, name=ROLE, description="reads and writes", trusted_accounts=[PARTNER_ACCOUNT_ID]
    )

    result = ram_role.ensure_present(module, module.client("ram"), request, role_record())

    assert result["changed"] is True
    assert fake_api.params_of("UpdateRole") == [{"RoleName": ROLE, "NewDescription": "reads and writes"}]
    assert result["diff"]["before"]["description"] == "reads topics"
    assert result["diff"]["after"]["description"] == "reads and writes"


def test_purge_attaches_the_new_policies_before_detaching_the_old(patch_ansible_module, fake_api):
    existing_role(fake_api, policies=["Custom:old-grant", "System:ReadOnlyAccess"])
    fake_api.answer("GetPolicy", {"Policy": {"PolicyName": "new-grant", "PolicyType": "Custom"}})
    module, request = request_for(
        patch_ansible_module, name=ROLE, policies=["ReadOnlyAccess", "Custom:new-grant"], purge_policies=True
    )

    result = ram_role.ensure_present(module, module.client("ram"), request, role_record())

    assert [(call.action, call.params.get("PolicyName")) for call in fake_api.writes] == [
        ("AttachPolicyToRole", "new-grant"),
        ("DetachPolicyFromRole", "old-grant"),
    ]
    assert result["diff"]["before"]["policies"] == ["Custom:old-grant", "System:ReadOnlyAccess"]
    assert result["diff"]["after"]["policies"] == ["Custom:new-grant", "System:ReadOnlyAccess"]


def test_deletion_detaches_every_policy_then_deletes_the_role(patch_ansible_module, fake_api):
    existing_role(fake_api, policies=["System:ReadOnlyAccess"])
    module, _request = request_for(patch_ansible_module, name=ROLE, state="absent")

    result = ram_role.ensure_absent(module, module.client("ram"), role_record())

    assert fake_api.actions() == ["ListPoliciesForRole", "DetachPolicyFromRole", "DeleteRole"]
    assert result["changed"] is True
    assert result["diff"]["before"]["policies"] == ["System:ReadOnlyAccess"]
    assert result["diff"]["after"] == {}


def test_deleting_a_missing_role_changes_nothing(patch_ansible_module, fake_api):
    module, _request = request_for(patch_ansible_module, name=ROLE, state="absent")

    assert ram_role.ensure_absent(module, module.client("ram"), None) == {
        "changed": False,
        "role": {},
        "diff": {"before": {}, "after": {}},
    }
    assert fake_api.calls == []


# ------------------------------------------------------------------------------------------- validation, before calls


@pytest.mark.parametrize(
    "options, field",
    [
        ({"name": "bad name!"}, "name"),
        ({"name": ROLE, "trusted_accounts": ["12345"]}, "trusted_accounts[0]"),
        ({"name": ROLE, "trusted_accounts": [PARTNER_ACCOUNT_ID], "max_session_duration": 60}, "max_session_duration"),
        ({"name": ROLE, "trusted_accounts": [PARTNER_ACCOUNT_ID], "policies": ["no spaces allowed"]}, "policies[0]"),
        ({"name": ROLE, "trusted_accounts": [PARTNER_ACCOUNT_ID], "wait_timeout": 0}, "wait_timeout"),
        ({"name": ROLE, "assume_role_policy_document": "{not json"}, "assume_role_policy_document"),
    ],
)
def test_bad_options_fail_naming_the_field_before_any_api_call(fail_module, fake_api, options, field):
    result = fail_module(ram_role.main, module_args(**options))

    assert result["msg"].startswith(field + ":"), result["msg"]
    assert fake_api.calls == []


@pytest.mark.parametrize(
    "patch_ansible_module",
    [module_args(name=ROLE, trusted_accounts=[PARTNER_ACCOUNT_ID], trust_mode="remove", external_id="ext-1")],
    indirect=True,
)
def test_remove_mode_refuses_conditions_amazon_aws_style(patch_ansible_module, fake_api):
    """The amazon.aws form: the arguments come from an indirect parametrization of patch_ansible_module."""
    with pytest.raises(AnsibleFailJson) as failed:
        ram_role.main()

    assert failed.value.result["msg"].startswith("external_id: trust_mode=remove removes principals")
    assert fake_api.calls == []


# ---------------------------------------------------------------------------------------------------------- main()


def test_main_creates_a_missing_role_with_the_trust_asked(run_module, fake_api):
    fake_api.answer("GetRole", api_error("EntityNotExist.Role"))
    fake_api.answer("CreateRole", lambda params: {"Role": role_record(json.loads(params["AssumeRolePolicyDocument"]))})

    result = run_module(
        ram_role.main, module_args(name=ROLE, description="reads topics", trusted_accounts=[PARTNER_ACCOUNT_ID])
    )

    assert result["changed"] is True
    assert fake_api.actions() == ["GetRole", "CreateRole"]
    sent = fake_api.params_of("CreateRole")[0]
    assert json.loads(sent["AssumeRolePolicyDocument"]) == trust(PARTNER_ACCOUNT_ID)
    assert sent["Description"] == "reads topics"
    assert result["role"]["arn"] == f"acs:ram::{ACCOUNT_ID}:role/{ROLE}"
    assert result["role"]["principals"][0]["cross_account"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["assume_role_policy_document"] == trust(PARTNER_ACCOUNT_ID)


def test_main_in_check_mode_predicts_the_role_and_writes_nothing(run_module, fake_api):
    fake_api.answer("GetRole", api_error("EntityNotExist.Role"))
    fake_api.answer("GetCallerIdentity", {"AccountId": ACCOUNT_ID}, product="sts")

    result = run_module(ram_role.main, module_args(name=ROLE, trusted_accounts=[PARTNER_ACCOUNT_ID]), check_mode=True)

    assert result["changed"] is True
    assert fake_api.writes == []
    assert result["role"]["arn"] == f"acs:ram::{ACCOUNT_ID}:role/{ROLE}"
    assert result["diff"]["after"]["assume_role_policy_document"] == trust(PARTNER_ACCOUNT_ID)


def test_main_leaves_a_converged_role_unchanged(run_module, fake_api):
    existing_role(fake_api)

    result = run_module(
        ram_role.main, module_args(name=ROLE, description="reads topics", trusted_accounts=[PARTNER_ACCOUNT_ID])
    )

    assert result["changed"] is False
    assert fake_api.actions() == ["GetRole", "ListPoliciesForRole"]


def test_main_in_check_mode_shows_the_trust_change_without_writing(run_module, fake_api):
    existing_role(fake_api)

    result = run_module(
        ram_role.main,
        module_args(name=ROLE, trusted_accounts=[OTHER_ACCOUNT_ID], trust_mode="add", debug_api_calls=True),
        check_mode=True,
    )

    assert result["changed"] is True
    assert fake_api.writes == []
    assert not any(call["write"] for call in result["api_calls"])
    assert result["diff"]["before"]["assume_role_policy_document"] == trust(PARTNER_ACCOUNT_ID)
    after = result["diff"]["after"]["assume_role_policy_document"]
    assert after["Statement"][0]["Principal"] == {"RAM": [PARTNER_ROOT, OTHER_ROOT]}


def test_main_deletes_in_check_mode_without_writing(run_module, fake_api):
    existing_role(fake_api, policies=["System:ReadOnlyAccess"])

    result = run_module(ram_role.main, module_args(name=ROLE, state="absent"), check_mode=True)

    assert result["changed"] is True
    assert fake_api.writes == []
    assert result["diff"]["before"]["role_name"] == ROLE
    assert result["diff"]["after"] == {}


def test_main_reports_an_api_refusal_as_a_failure_naming_the_operation(fail_module, fake_api):
    fake_api.answer("GetRole", api_error("NoPermission", "You are not authorized to do this action."))

    result = fail_module(ram_role.main, module_args(name=ROLE, trusted_accounts=[PARTNER_ACCOUNT_ID]))

    assert result["msg"].startswith("GetRole failed: NoPermission:")
    assert result["error"]["status_code"] == 403
    assert fake_api.writes == []
