# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ram_policy: the plan for a custom policy (create, new default version, description, deletion) and what main()
reports over canned RAM answers: changed or not, the diff, no write in check mode, fields named before any call."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policy_args import ARGUMENT_SPEC
from ansible_collections.apsaramq.cross_account.plugins.modules import ram_policy

from .utils import api_error, make_module, module_args

NAME = "topic-reader"
READ = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "mq:OnsInstanceBaseInfo", "Resource": "*"}]}
READ_WRITE = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["mq:OnsInstanceBaseInfo", "mq:PUB"], "Resource": "*"}],
}


def policy_body(document=None, description="reads topics", version="v1"):
    """GetPolicy's body for the custom policy (``document``: READ when not given)."""
    document = document or READ
    return {
        "Policy": {
            "PolicyName": NAME,
            "PolicyType": "Custom",
            "Description": description,
            "DefaultVersion": version,
            "AttachmentCount": 1,
        },
        "DefaultPolicyVersion": {
            "VersionId": version,
            "IsDefaultVersion": True,
            "PolicyDocument": json.dumps(document),
        },
    }


def versions(count, default=None):
    """ListPolicyVersions' body: v1..v<count>, the default one ``default`` (the newest when None)."""
    default = default or f"v{count}"
    return {
        "PolicyVersions": {
            "PolicyVersion": [
                {"VersionId": f"v{number}", "IsDefaultVersion": f"v{number}" == default}
                for number in range(1, count + 1)
            ]
        }
    }


def entities(roles=(), users=(), groups=()):
    return {
        "Roles": {"Role": [{"RoleName": name} for name in roles]},
        "Users": {"User": [{"UserName": name} for name in users]},
        "Groups": {"Group": [{"GroupName": name} for name in groups]},
    }


def module_for(patch_ansible_module, check_mode=False, **options):
    return make_module(patch_ansible_module, ARGUMENT_SPEC, check_mode=check_mode, name=NAME, **options)


# ----------------------------------------------------------------------------------------------------------- planning


def test_an_equal_document_plans_no_version_and_reads_nothing(patch_ansible_module, fake_api):
    module = module_for(patch_ansible_module)
    # The same policy with another spelling: a one-element list for a string, another key order.
    respelled = {"Statement": [{"Resource": ["*"], "Action": ["mq:OnsInstanceBaseInfo"], "Effect": "Allow"}]}
    respelled["Version"] = "1"

    assert ram_policy.update_document(module, module.client("ram"), NAME, respelled, READ) is None
    assert fake_api.calls == []


def test_a_changed_document_becomes_the_next_default_version(patch_ansible_module, fake_api):
    fake_api.answer("ListPolicyVersions", versions(2))
    module = module_for(patch_ansible_module)

    plan = ram_policy.update_document(module, module.client("ram"), NAME, READ_WRITE, READ)

    assert plan == ("v3", None)
    [sent] = fake_api.params_of("CreatePolicyVersion")
    assert sent["SetAsDefault"] is True and json.loads(sent["PolicyDocument"]) == READ_WRITE


def test_at_the_version_limit_rotation_names_the_version_ram_removes(patch_ansible_module, fake_api):
    fake_api.answer("ListPolicyVersions", versions(5, default="v5"))
    module = module_for(patch_ansible_module, check_mode=True)

    assert ram_policy.update_document(module, module.client("ram"), NAME, READ_WRITE, READ) == ("v6", "v1")
    assert fake_api.writes == []


def test_at_the_version_limit_fail_refuses_before_any_write(patch_ansible_module, fake_api):
    fake_api.answer("ListPolicyVersions", versions(5))
    module = module_for(patch_ansible_module, version_limit_action="fail")

    with pytest.raises(CollectionError, match=r"^document: topic-reader: the policy already has 5 versions"):
        ram_policy.update_document(module, module.client("ram"), NAME, READ_WRITE, READ)
    assert fake_api.writes == []


@pytest.mark.parametrize(
    "wanted, current, changed",
    [(None, "x", False), ("x", "x", False), ("", None, False), ("y", "x", True), ("y", None, True)],
)
def test_the_description_is_written_only_when_given_and_different(
    patch_ansible_module, fake_api, wanted, current, changed
):
    module = module_for(patch_ansible_module)

    assert ram_policy.update_description(module, module.client("ram"), NAME, wanted, current) is changed
    assert fake_api.params_of("UpdatePolicyDescription") == (
        [{"PolicyName": NAME, "NewDescription": wanted}] if changed else []
    )


def test_check_mode_predicts_the_new_default_version_and_description():
    policy = policy_body()["Policy"]

    after_policy, after_document = ram_policy.predicted_update(policy, READ, READ_WRITE, "new", ("v2", None))

    assert (after_policy["DefaultVersion"], after_policy["Description"], after_document) == ("v2", "new", READ_WRITE)
    assert policy["DefaultVersion"] == "v1", "the record read is not modified"
    assert ram_policy.predicted_update(policy, READ, READ_WRITE, None, None) == (policy, READ)


def test_deleting_an_attached_policy_without_force_names_the_attachments_and_writes_nothing(
    patch_ansible_module, fake_api
):
    fake_api.answer("ListEntitiesForPolicy", entities(roles=["partner-reader"], users=["alice"]))
    module = module_for(patch_ansible_module, state="absent")

    with pytest.raises(CollectionError) as refused:
        ram_policy.delete(module, module.client("ram"), NAME, policy_body())

    assert refused.value.msg.startswith(
        "name: the policy topic-reader is attached to roles partner-reader; users alice"
    )
    assert refused.value.details["attached_to"] == {"roles": ["partner-reader"], "users": ["alice"], "groups": []}
    assert fake_api.writes == []


def test_forced_deletion_detaches_drops_old_versions_then_deletes(patch_ansible_module, fake_api):
    fake_api.answer("ListEntitiesForPolicy", entities(roles=["partner-reader"]))
    fake_api.answer("ListPolicyVersions", versions(2))
    module = module_for(patch_ansible_module, state="absent", force=True)

    result = ram_policy.delete(module, module.client("ram"), NAME, policy_body(version="v2"))

    assert [(call.action, call.params) for call in fake_api.writes] == [
        ("DetachPolicyFromRole", {"RoleName": "partner-reader", "PolicyName": NAME, "PolicyType": "Custom"}),
        ("DeletePolicyVersion", {"PolicyName": NAME, "VersionId": "v1"}),
        ("DeletePolicy", {"PolicyName": NAME}),
    ]
    assert result["detached_from"]["roles"] == ["partner-reader"]
    assert result["diff"]["before"]["attached_to"]["roles"] == ["partner-reader"]
    assert result["diff"]["after"] == {}


# ------------------------------------------------------------------------------------------- validation, before calls


@pytest.mark.parametrize(
    "options, field",
    [
        ({"name": "no_underscores"}, "name"),
        ({"name": NAME, "document": {"Version": "1", "Statement": [{"Effect": "Maybe"}]}}, "document"),
        ({"name": NAME, "document": "{not json"}, "document"),
        ({"name": NAME, "document": READ, "description": "x" * 1025}, "description"),
        ({"name": NAME, "document": READ, "tags": {"acs:owner": "me"}}, "tags key"),
    ],
)
def test_bad_options_fail_naming_the_field_before_any_api_call(fail_module, fake_api, options, field):
    result = fail_module(ram_policy.main, module_args(**options))

    assert result["msg"].startswith(field + ":"), result["msg"]
    assert fake_api.calls == []


def test_creating_without_a_document_names_the_option(fail_module, fake_api):
    fake_api.answer("GetPolicy", api_error("EntityNotExist.Policy"))

    result = fail_module(ram_policy.main, module_args(name=NAME))

    assert result["msg"] == "document: required to create the policy topic-reader, which does not exist"
    assert fake_api.writes == []


# ---------------------------------------------------------------------------------------------------------- main()


def test_main_creates_a_missing_policy(run_module, fake_api):
    fake_api.answer("GetPolicy", api_error("EntityNotExist.Policy"))
    fake_api.answer("CreatePolicy", {"Policy": policy_body()["Policy"]})

    result = run_module(ram_policy.main, module_args(name=NAME, document=READ, description="reads topics"))

    assert result["changed"] is True
    [sent] = fake_api.params_of("CreatePolicy")
    assert json.loads(sent["PolicyDocument"]) == READ and sent["Description"] == "reads topics"
    assert result["policy"]["document"] == READ
    assert result["diff"] == {
        "before": {},
        "after": {"policy_name": NAME, "description": "reads topics", "document": READ},
    }


def test_main_in_check_mode_predicts_the_new_policy_and_writes_nothing(run_module, fake_api):
    fake_api.answer("GetPolicy", api_error("EntityNotExist.Policy"))

    result = run_module(ram_policy.main, module_args(name=NAME, document=READ), check_mode=True)

    assert result["changed"] is True
    assert fake_api.actions() == ["GetPolicy"]
    assert result["policy"]["default_version"] == "v1"
    assert result["diff"]["after"]["document"] == READ


def test_main_leaves_an_equal_policy_unchanged(run_module, fake_api):
    fake_api.answer("GetPolicy", policy_body())

    result = run_module(ram_policy.main, module_args(name=NAME, document=json.dumps(READ), description="reads topics"))

    assert result["changed"] is False
    assert fake_api.actions() == ["GetPolicy"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_main_in_check_mode_shows_the_new_document_without_writing(run_module, fake_api):
    fake_api.answer("GetPolicy", policy_body())
    fake_api.answer("ListPolicyVersions", versions(1))

    result = run_module(ram_policy.main, module_args(name=NAME, document=READ_WRITE), check_mode=True)

    assert result["changed"] is True
    assert fake_api.writes == []
    assert result["diff"]["before"]["document"] == READ
    assert result["diff"]["after"]["document"] == READ_WRITE
    assert result["policy"]["default_version"] == "v2"


def test_main_updates_the_document_and_reads_the_policy_back(run_module, fake_api):
    fake_api.answer("GetPolicy", [policy_body(), policy_body(READ_WRITE, version="v2")])
    fake_api.answer("ListPolicyVersions", versions(1))

    result = run_module(ram_policy.main, module_args(name=NAME, document=READ_WRITE))

    assert result["changed"] is True
    assert [call.action for call in fake_api.writes] == ["CreatePolicyVersion"]
    assert result["policy"]["default_version"] == "v2"
    assert result["diff"]["after"]["document"] == READ_WRITE


def test_main_deleting_a_missing_policy_changes_nothing(run_module, fake_api):
    fake_api.answer("GetPolicy", api_error("EntityNotExist.Policy"))

    result = run_module(ram_policy.main, module_args(name=NAME, state="absent"))

    assert result == {"changed": False, "policy": {}}
    assert fake_api.writes == []
