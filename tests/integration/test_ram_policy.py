"""ram_policy against the emulator: create, converge, versions and their limit, description, deletion with attachments."""

import json

import pytest
import yaml
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from conftest import ACCOUNTS, resource_name, sdk_client

ADMIN_A = ACCOUNTS["account_a"]["admin"]
NAME = resource_name("orders-pubsub")
PUB = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "mq:PUB", "Resource": "acs:mq:*:*:MQ_INST_1%orders"}],
}
PUB_SUB = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["mq:PUB", "mq:SUB"], "Resource": ["acs:mq:*:*:MQ_INST_1%orders"]}],
}


def statement_of(action):
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


@pytest.fixture
def policy(run_playbook, emu):
    """Run one ram_policy task; counters are reset first so each run's calls can be counted."""

    def run(check=False, diff=False, expect_rc=0, **options):
        emu.reset_calls()
        outcome = run_playbook(
            "ram_policy_task.yml", extra_vars={"policy": options}, check=check, diff=diff, expect_rc=expect_rc
        )
        return outcome.result("Policy")

    return run


def ram_actions(emu):
    return [(call["action"], call["write"]) for call in emu.calls(product="ram")["calls"]]


def writes(emu):
    return emu.calls(product="ram")["writes"]


def ram_client(emu, keys=ADMIN_A):
    return sdk_client(emu.endpoint, keys, RamClient)


@pytest.mark.emulator_only("call counters")
def test_create_converge_and_read_back(policy, run_playbook, emu):
    predicted = policy(check=True, name=NAME, document=PUB, description="orders")
    assert predicted["changed"] and writes(emu) == 0
    assert predicted["policy"] == {
        "policy_name": NAME,
        "policy_type": "Custom",
        "description": "orders",
        "default_version": "v1",
        "create_date": None,
        "update_date": None,
        "attachment_count": 0,
        "document": PUB,
    }

    created = policy(diff=True, name=NAME, document=PUB, description="orders")
    assert created["changed"] and ram_actions(emu) == [("GetPolicy", False), ("CreatePolicy", True)]
    assert created["diff"] == {"before": {}, "after": {"policy_name": NAME, "description": "orders", "document": PUB}}
    assert created["policy"]["default_version"] == "v1" and created["policy"]["document"] == PUB

    again = policy(name=NAME, document=PUB, description="orders")
    assert not again["changed"] and ram_actions(emu) == [("GetPolicy", False)]
    assert again["policy"]["create_date"] == created["policy"]["create_date"]
    assert not policy(check=True, name=NAME, document=PUB, description="orders")["changed"]

    emu.reset_calls()
    info = run_playbook(
        "ram_policy_info_task.yml", extra_vars={"info": {"name": NAME, "include_documents": True}}
    ).result("Info")
    assert [(p["policy_name"], p["document"], p["description"]) for p in info["policies"]] == [(NAME, PUB, "orders")]
    assert writes(emu) == 0


@pytest.mark.emulator_only("call counters")
def test_semantically_equal_document_written_differently_is_no_change(policy, emu):
    policy(name=NAME, document=PUB_SUB)
    reordered = {
        "Statement": [{"Resource": "acs:mq:*:*:MQ_INST_1%orders", "Action": ["mq:SUB", "mq:PUB"], "Effect": "Allow"}],
        "Version": "1",
    }
    as_json = json.dumps(reordered, indent=4)
    as_yaml = yaml.safe_dump(reordered)
    for document in (reordered, as_json, as_yaml):
        assert not policy(name=NAME, document=document)["changed"], document
    assert writes(emu) == 0


@pytest.mark.emulator_only("call counters")
def test_changed_document_becomes_new_default_version_with_diff(policy, emu):
    policy(name=NAME, document=PUB)
    predicted = policy(check=True, diff=True, name=NAME, document=PUB_SUB)
    assert predicted["changed"] and writes(emu) == 0 and predicted["policy"]["default_version"] == "v2"

    updated = policy(diff=True, name=NAME, policy_document=json.dumps(PUB_SUB), include_versions=True)
    assert updated["changed"]
    assert [a for a, write in ram_actions(emu) if write] == ["CreatePolicyVersion"]
    assert updated["diff"]["before"]["document"] == PUB and updated["diff"]["after"]["document"] == PUB_SUB
    assert updated["policy"]["default_version"] == "v2" and updated["policy"]["document"] == PUB_SUB
    assert [(v["version_id"], v["is_default_version"], v["document"]) for v in updated["policy"]["versions"]] == [
        ("v1", False, PUB),
        ("v2", True, PUB_SUB),
    ]


@pytest.mark.emulator_only("call counters")
def test_description_is_updated_in_place(policy, emu):
    policy(name=NAME, document=PUB, description="old")
    updated = policy(diff=True, name=NAME, description="new")
    assert updated["changed"] and [a for a, write in ram_actions(emu) if write] == ["UpdatePolicyDescription"]
    assert updated["policy"]["description"] == "new" and updated["policy"]["default_version"] == "v1"
    assert (updated["diff"]["before"]["description"], updated["diff"]["after"]["description"]) == ("old", "new")
    assert not policy(name=NAME, description="new")["changed"]


def test_the_sixth_and_seventh_versions_rotate_out_the_oldest_non_default_ones(run_playbook, emu):
    documents = [statement_of(f"mq:Action{n}") for n in range(1, 8)]
    run = run_playbook("ram_policy_versions.yml", extra_vars={"policy_name": NAME, "documents": documents})
    results = run.result("Versions")["results"]
    assert all(r["changed"] for r in results)
    kept = [[v["version_id"] for v in r["policy"]["versions"]] for r in results]
    assert kept == [
        ["v1"],
        ["v1", "v2"],
        ["v1", "v2", "v3"],
        ["v1", "v2", "v3", "v4"],
        ["v1", "v2", "v3", "v4", "v5"],
        ["v2", "v3", "v4", "v5", "v6"],
        ["v3", "v4", "v5", "v6", "v7"],
    ]
    assert [r.get("removed_version") for r in results] == [None] * 5 + ["v1", "v2"]
    final = results[-1]["policy"]
    assert final["default_version"] == "v7" and final["document"] == documents[-1]
    assert [v["version_id"] for v in final["versions"] if v["is_default_version"]] == ["v7"]


@pytest.mark.emulator_only("call counters; the SDK on the emulator's endpoint")
def test_at_the_limit_fail_refuses_before_writing_and_check_mode_predicts_the_rotation(policy, emu):
    sdk = ram_client(emu)
    sdk.create_policy(
        ram_models.CreatePolicyRequest(policy_name=NAME, policy_document=json.dumps(statement_of("mq:Action1")))
    )
    for n in range(2, 6):
        version = json.dumps(statement_of(f"mq:Action{n}"))
        sdk.create_policy_version(
            ram_models.CreatePolicyVersionRequest(policy_name=NAME, set_as_default=True, policy_document=version)
        )
    for check in (True, False):
        refused = policy(
            check=check, expect_rc=2, name=NAME, document=statement_of("mq:Action6"), version_limit_action="fail"
        )
        assert refused["failed"] and "version_limit_action=fail" in refused["msg"] and "5 versions" in refused["msg"]
        assert writes(emu) == 0
    predicted = policy(check=True, name=NAME, document=statement_of("mq:Action6"))
    assert predicted["changed"] and writes(emu) == 0
    assert (predicted["removed_version"], predicted["policy"]["default_version"]) == ("v1", "v6")
    body = sdk.list_policy_versions(ram_models.ListPolicyVersionsRequest(policy_name=NAME, policy_type="Custom")).body
    assert [v.version_id for v in body.policy_versions.policy_version] == ["v1", "v2", "v3", "v4", "v5"]


def attach_to_role_and_user(run_playbook, emu):
    """The policy attached to a new role of account A (through ram_role) and to A's user admin (through the SDK)."""
    run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: role
      apsaramq.cross_account.ram_role:
        access_key_id: "{{ account_a.admin.access_key_id }}"
        access_key_secret: "{{ account_a.admin.access_key_secret }}"
        name: partner-b-operator
        trusted_accounts: ["{{ account_b.uid }}"]
        policies: [Custom:orders-pubsub]
""")
    ram_client(emu).attach_policy_to_user(
        ram_models.AttachPolicyToUserRequest(policy_name=NAME, policy_type="Custom", user_name="admin")
    )


@pytest.mark.emulator_only("call counters; attaches to the seed's user admin")
def test_absent_with_attachments_fails_without_force_and_detaches_everything_with_it(policy, run_playbook, emu):
    policy(name=NAME, document=PUB)
    policy(name=NAME, document=PUB_SUB)
    attach_to_role_and_user(run_playbook, emu)

    refused = policy(expect_rc=2, name=NAME, state="absent")
    assert "partner-b-operator" in refused["msg"] and "admin" in refused["msg"] and "force" in refused["msg"]
    assert refused["attached_to"] == {"roles": ["partner-b-operator"], "users": ["admin"], "groups": []}
    assert writes(emu) == 0

    predicted = policy(check=True, name=NAME, state="absent", force=True)
    assert predicted["changed"] and writes(emu) == 0

    deleted = policy(diff=True, name=NAME, state="absent", force=True)
    assert deleted["changed"] and deleted["detached_from"] == {
        "roles": ["partner-b-operator"],
        "users": ["admin"],
        "groups": [],
    }
    assert [a for a, write in ram_actions(emu) if write] == [
        "DetachPolicyFromRole",
        "DetachPolicyFromUser",
        "DeletePolicyVersion",
        "DeletePolicy",
    ]
    assert deleted["diff"]["before"]["document"] == PUB_SUB and deleted["diff"]["after"] == {}

    gone = policy(name=NAME, state="absent")
    assert not gone["changed"] and ram_actions(emu) == [("GetPolicy", False)]
    role_policies = (
        ram_client(emu)
        .list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name="partner-b-operator"))
        .body
    )
    assert role_policies.policies.policy == []


@pytest.mark.emulator_only("the call log proves no API call")
@pytest.mark.parametrize(
    "options, field",
    [
        ({"name": NAME, "document": '{"Version": "1", "Statement": [}'}, "document"),
        (
            {
                "name": NAME,
                "document": {"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "mq:PUB", "Resource": "*"}]},
            },
            "document",
        ),
        (
            {
                "name": NAME,
                "document": {
                    "Version": "1",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"RAM": ["acs:ram::2000000000000002:root"]},
                        }
                    ],
                },
            },
            "document",
        ),
        ({"name": "x" * 129, "document": PUB}, "name"),
        ({"name": "orders_pubsub", "document": PUB}, "name"),
        ({"name": NAME, "document": PUB, "description": "d" * 1025}, "description"),
    ],
)
def test_bad_input_fails_naming_the_option_before_any_call(policy, emu, options, field):
    failed = policy(expect_rc=2, **options)
    assert failed["msg"].startswith(f"{field}:"), failed["msg"]
    assert emu.calls(product="ram")["calls"] == []


@pytest.mark.emulator_only("call counters")
def test_creating_without_a_document_fails_without_writing(policy, emu):
    failed = policy(expect_rc=2, name=NAME, description="no document")
    assert failed["msg"].startswith("document:") and writes(emu) == 0


def test_verbose_output_holds_no_secret(run_playbook, emu):
    run = run_playbook("ram_policy_task.yml", extra_vars={"policy": {"name": NAME, "document": PUB}}, verbosity=4)
    output = run.output
    assert '"default_version": "v1"' in output and "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output
    assert ADMIN_A["access_key_secret"] not in output
