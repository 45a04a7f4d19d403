"""ram_policy_info against the emulator: one policy or all (paged), documents, versions and attachments, read-only."""

import json

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from conftest import ACCOUNTS, sdk_client

ASSUME_ROLE_ACCESS = {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}], "Version": "1"}
TRUST_B = {
    "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::2000000000000002:root"]}}
    ],
    "Version": "1",
}


def document(action):
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


@pytest.fixture
def sdk(emu):
    """Account A's admin on the RAM SDK, to set up what the module then reads."""
    return sdk_client(emu.endpoint, ACCOUNTS["account_a"]["admin"], RamClient)


@pytest.fixture
def info(run_playbook, emu):
    """Run ram_policy_info; returns (result, the RAM actions it called)."""

    def run(check=False, expect_rc=0, **options):
        emu.reset_calls()
        result = run_playbook(
            "ram_policy_info_task.yml", extra_vars={"info": options}, check=check, expect_rc=expect_rc
        ).result("Info")
        return result, [call["action"] for call in emu.calls(product="ram")["calls"]]

    return run


def create_policy(sdk, name, action="mq:PUB"):
    sdk.create_policy(
        ram_models.CreatePolicyRequest(
            policy_name=name, policy_document=json.dumps(document(action)), description=f"{name} policy"
        )
    )


@pytest.mark.emulator_only("call counters")
def test_a_system_policy_by_name_and_type_with_its_document(info):
    result, calls = info(name="AliyunSTSAssumeRoleAccess", policy_type="System", include_documents=True)
    assert not result["changed"] and calls == ["GetPolicy"]
    [policy] = result["policies"]
    assert (policy["policy_name"], policy["policy_type"], policy["default_version"]) == (
        "AliyunSTSAssumeRoleAccess",
        "System",
        "v1",
    )
    assert policy["document"] == ASSUME_ROLE_ACCESS
    assert "versions" not in policy and "attached_to" not in policy


@pytest.mark.emulator_only("call counters; the SDK on the emulator's endpoint")
def test_a_bare_name_is_looked_up_as_custom_first_then_system(info, sdk):
    result, calls = info(name="AliyunSTSAssumeRoleAccess")
    assert [p["policy_type"] for p in result["policies"]] == ["System"] and calls == ["GetPolicy", "GetPolicy"]
    create_policy(sdk, "orders-pub")
    result, calls = info(name="orders-pub")
    assert [p["policy_type"] for p in result["policies"]] == ["Custom"] and calls == ["GetPolicy"]
    assert "document" not in result["policies"][0]


@pytest.mark.emulator_only("call counters")
def test_an_unknown_policy_gives_an_empty_list(info):
    result, calls = info(name="no-such-policy", policy_type="Custom")
    assert result["policies"] == [] and not result.get("failed") and calls == ["GetPolicy"]


@pytest.mark.emulator_only("call counters; the SDK on the emulator's endpoint")
def test_documents_versions_and_attachments_of_a_custom_policy(info, sdk):
    create_policy(sdk, "orders-pubsub", "mq:PUB")
    version = json.dumps(document(["mq:PUB", "mq:SUB"]))
    sdk.create_policy_version(
        ram_models.CreatePolicyVersionRequest(policy_name="orders-pubsub", set_as_default=True, policy_document=version)
    )
    sdk.create_role(
        ram_models.CreateRoleRequest(role_name="partner-b-operator", assume_role_policy_document=json.dumps(TRUST_B))
    )
    sdk.attach_policy_to_role(
        ram_models.AttachPolicyToRoleRequest(
            policy_name="orders-pubsub", policy_type="Custom", role_name="partner-b-operator"
        )
    )
    sdk.attach_policy_to_user(
        ram_models.AttachPolicyToUserRequest(policy_name="orders-pubsub", policy_type="Custom", user_name="admin")
    )

    for check in (False, True):
        result, calls = info(
            check=check,
            name="orders-pubsub",
            policy_type="Custom",
            include_documents=True,
            include_versions=True,
            include_attachments=True,
        )
        assert calls == ["GetPolicy", "ListPolicyVersions", "ListEntitiesForPolicy"]
        [policy] = result["policies"]
        assert policy["document"] == document(["mq:PUB", "mq:SUB"]) and policy["description"] == "orders-pubsub policy"
        assert [(v["version_id"], v["is_default_version"], v["document"]) for v in policy["versions"]] == [
            ("v1", False, document("mq:PUB")),
            ("v2", True, document(["mq:PUB", "mq:SUB"])),
        ]
        assert policy["attached_to"] == {"roles": ["partner-b-operator"], "users": ["admin"], "groups": []}
        assert policy["attachment_count"] == 2


@pytest.mark.emulator_only("call counters; an account with no other custom policy")
def test_listing_follows_every_page_and_filters_by_type(info, sdk):
    names = [f"bulk-{n:03d}" for n in range(105)]
    for name in names:
        create_policy(sdk, name)
    result, calls = info(policy_type="Custom")
    assert [p["policy_name"] for p in result["policies"]] == names
    assert calls == ["ListPolicies", "ListPolicies"]
    assert all("document" not in p for p in result["policies"])

    everything = info()[0]
    types = {p["policy_type"] for p in everything["policies"]}
    assert types == {"System", "Custom"} and "AliyunSTSAssumeRoleAccess" in {
        p["policy_name"] for p in everything["policies"]
    }
    assert [p["policy_type"] for p in everything["policies"]] == sorted(
        p["policy_type"] for p in everything["policies"]
    )


@pytest.mark.emulator_only("call counters; an account with no other custom policy")
def test_listing_with_documents_reads_each_policy(info, sdk):
    create_policy(sdk, "orders-pub", "mq:PUB")
    create_policy(sdk, "orders-sub", "mq:SUB")
    result, calls = info(policy_type="Custom", include_documents=True)
    assert [(p["policy_name"], p["document"]) for p in result["policies"]] == [
        ("orders-pub", document("mq:PUB")),
        ("orders-sub", document("mq:SUB")),
    ]
    assert calls == ["ListPolicies", "GetPolicy", "GetPolicy"]


@pytest.mark.emulator_only("the call log proves no API call")
def test_a_bad_name_fails_before_any_call(info, emu):
    result, calls = info(expect_rc=2, name="orders_pub")
    assert result["msg"].startswith("name:") and calls == []


def test_verbose_output_holds_no_secret(run_playbook):
    run = run_playbook(
        "ram_policy_info_task.yml",
        extra_vars={"info": {"name": "AliyunSTSAssumeRoleAccess", "include_documents": True}},
        verbosity=4,
    )
    # ansible-playbook echoes its own command line (with the harness's extra vars) at -vvvv: that line is not module output.
    output = run.output
    assert "sts:AssumeRole" in output and ACCOUNTS["account_a"]["admin"]["access_key_secret"] not in output
