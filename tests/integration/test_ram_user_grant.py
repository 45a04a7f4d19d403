"""ram_user_grant against the emulator: the partner account's user, its assume-role grant (proven with STS) and its AccessKey file."""
import configparser
import json
import re
import stat

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from Tea.exceptions import TeaException

from conftest import ACCOUNTS, resource_name

ADMIN_B, ALICE = ACCOUNTS["account_b"]["admin"], ACCOUNTS["account_b"]["alice"]
A = ACCOUNTS["account_a"]["uid"]
OPERATOR_ARN = f"acs:ram::{A}:role/{resource_name('partner-b-operator')}"
OTHER_ARN = f"acs:ram::{A}:role/{resource_name('partner-b-other')}"
ASSUME_ROLE_ACCESS = {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}], "Version": "1"}


def grant_document(*arns):
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(arns)}]}


def sdk_config(emu, keys):
    return Config(access_key_id=keys["access_key_id"], access_key_secret=keys["access_key_secret"], endpoint=emu.endpoint, protocol="http")


@pytest.fixture
def ram_b(emu):
    """Account B's admin on the RAM SDK, to look at what the module did."""
    return RamClient(sdk_config(emu, ADMIN_B))


@pytest.fixture
def grant(run_playbook, emu):
    """Run one ram_user_grant task as B's admin; counters are reset first so each run's calls can be counted."""

    def run(check=False, diff=False, expect_rc=0, **options):
        emu.reset_calls()
        return run_playbook("ram_user_grant_task.yml", extra_vars={"grant": options}, check=check, diff=diff, expect_rc=expect_rc).result("grant")

    return run


def ram_actions(emu, write):
    return [call["action"] for call in emu.calls(product="ram")["calls"] if call["write"] == write]


def writes(emu):
    return emu.calls(product="ram")["writes"]


def attached_to_user(ram_b, user_name):
    body = ram_b.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name=user_name)).body
    return sorted(f"{p.policy_type}:{p.policy_name}" for p in body.policies.policy)


def custom_policy_names(ram_b):
    body = ram_b.list_policies(ram_models.ListPoliciesRequest(policy_type="Custom")).body
    return [p.policy_name for p in body.policies.policy]


def assume_role_as(emu, keys, role_arn):
    """STS AssumeRole with ``keys``: the role's id on success, the error code on refusal."""
    request = sts_models.AssumeRoleRequest(role_arn=role_arn, role_session_name="grant-test", duration_seconds=900)
    try:
        return StsClient(sdk_config(emu, keys)).assume_role(request).body.assumed_role_user.arn
    except TeaException as error:
        return error.code


@pytest.mark.emulator_only("call counters")
def test_least_privilege_grant_lifecycle_for_a_new_user(grant, run_playbook, ram_b, emu):
    options = {"user_name": "operator", "display_name": "Partner operator", "role_arns": [OPERATOR_ARN, OTHER_ARN]}
    wanted = grant_document(OPERATOR_ARN, OTHER_ARN)

    predicted = grant(check=True, **options)
    assert predicted["changed"] and writes(emu) == 0
    assert predicted["user"] == {"user_name": "operator", "user_id": None, "display_name": "Partner operator", "comments": ""}
    assert predicted["grant"] == {"mode": "least_privilege", "policy_name": "AssumeRole-operator", "policy_type": "Custom",
                                  "document": wanted, "role_arns": [OPERATOR_ARN, OTHER_ARN]}

    applied = grant(diff=True, **options)
    assert applied["changed"] and ram_actions(emu, write=True) == ["CreateUser", "CreatePolicy", "AttachPolicyToUser"]
    assert applied["user"]["user_id"] and applied["grant"] == predicted["grant"]
    assert applied["diff"] == {"before": {}, "after": {
        "user": {"user_name": "operator", "display_name": "Partner operator", "comments": ""},
        "grant_policies": ["Custom:AssumeRole-operator"], "grant_document": wanted}}

    again = grant(**options)
    assert not again["changed"] and writes(emu) == 0
    assert ram_actions(emu, write=False) == ["GetUser", "GetPolicy", "ListPoliciesForUser"]
    reordered = dict(options, role_arns=[OTHER_ARN, OPERATOR_ARN, OTHER_ARN])
    assert not grant(check=True, **reordered)["changed"] and writes(emu) == 0

    emu.reset_calls()
    info = run_playbook("ram_policy_info_task.yml", extra_vars={"caller": ADMIN_B, "info": {
        "name": "AssumeRole-operator", "include_documents": True, "include_attachments": True}}).result("info")
    [policy] = info["policies"]
    assert policy["document"] == wanted and policy["attached_to"]["users"] == ["operator"]

    narrowed = grant(diff=True, **dict(options, role_arns=[OPERATOR_ARN], display_name="Operator"))
    assert narrowed["changed"] and ram_actions(emu, write=True) == ["UpdateUser", "CreatePolicyVersion"]
    assert narrowed["diff"]["before"]["grant_document"] == wanted
    assert narrowed["diff"]["after"]["grant_document"] == grant_document(OPERATOR_ARN)
    assert narrowed["user"]["display_name"] == "Operator"


@pytest.mark.emulator_only("call counters")
def test_a_user_name_with_dots_gets_a_valid_distinct_default_policy_name(grant, emu):
    dotted = grant(check=True, user_name="svc.orders", role_arns=[OPERATOR_ARN])["grant"]["policy_name"]
    underscored = grant(check=True, user_name="svc_orders", role_arns=[OPERATOR_ARN])["grant"]["policy_name"]
    assert re.fullmatch(r"AssumeRole-svc-orders-[0-9a-f]{8}", dotted) and re.fullmatch(r"AssumeRole-svc-orders-[0-9a-f]{8}", underscored)
    assert dotted != underscored and writes(emu) == 0


@pytest.mark.emulator_only("call counters; the SDK on the emulator's endpoint")
def test_the_grant_lets_alice_assume_exactly_the_granted_role(grant, run_playbook, emu):
    run_playbook("ram_user_grant_roles.yml", extra_vars={"owner_roles": ["partner-b-operator", "partner-b-other"]})
    assert assume_role_as(emu, ALICE, OPERATOR_ARN) == "NoPermission"

    granted = grant(user_name="alice", create_user=False, role_arns=[OPERATOR_ARN])
    assert granted["changed"] and "CreateUser" not in ram_actions(emu, write=True)
    assert assume_role_as(emu, ALICE, OPERATOR_ARN) == f"{OPERATOR_ARN}/grant-test"
    assert assume_role_as(emu, ALICE, OTHER_ARN) == "NoPermission"

    revoked = grant(user_name="alice", state="absent")
    assert revoked["changed"] and revoked["grant"] == {} and revoked["user"]["user_name"] == "alice"
    assert assume_role_as(emu, ALICE, OPERATOR_ARN) == "NoPermission"


@pytest.mark.emulator_only("call counters")
def test_system_mode_replaces_the_custom_grant_and_back(grant, run_playbook, ram_b, emu):
    grant(user_name="alice", role_arns=[OPERATOR_ARN])

    emu.reset_calls()
    run = run_playbook("ram_user_grant_task.yml", diff=True, extra_vars={"grant": {"user_name": "alice", "grant_mode": "system", "role_arns": [OPERATOR_ARN]}})
    system = run.result("grant")
    reported = " ".join(str(w) for w in system.get("warnings", [])) + run.stdout + run.stderr  # where depends on the callback
    assert system["changed"] and "role_arns is ignored with grant_mode=system" in reported
    assert ram_actions(emu, write=True) == ["AttachPolicyToUser", "DetachPolicyFromUser", "DeletePolicy"]
    assert system["grant"] == {"mode": "system", "policy_name": "AliyunSTSAssumeRoleAccess", "policy_type": "System",
                               "document": ASSUME_ROLE_ACCESS, "role_arns": []}
    assert system["diff"]["before"]["grant_policies"] == ["Custom:AssumeRole-alice"]
    assert system["diff"]["after"]["grant_policies"] == ["System:AliyunSTSAssumeRoleAccess"]
    assert attached_to_user(ram_b, "alice") == ["System:AliyunSTSAssumeRoleAccess"] and custom_policy_names(ram_b) == []
    assert not grant(user_name="alice", grant_mode="system")["changed"] and writes(emu) == 0

    back = grant(user_name="alice", role_arns=[OPERATOR_ARN])
    assert back["changed"] and ram_actions(emu, write=True) == ["CreatePolicy", "AttachPolicyToUser", "DetachPolicyFromUser"]
    assert attached_to_user(ram_b, "alice") == ["Custom:AssumeRole-alice"]


@pytest.mark.emulator_only("call counters")
def test_absent_removes_the_grant_and_only_on_request_the_user(grant, ram_b, emu, tmp_path):
    key_file = tmp_path / "operator.json"
    grant(user_name="operator", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(key_file))
    ram_b.attach_policy_to_user(ram_models.AttachPolicyToUserRequest(policy_name="AliyunMQReadOnlyAccess", policy_type="System", user_name="operator"))

    predicted = grant(check=True, user_name="operator", state="absent")
    assert predicted["changed"] and writes(emu) == 0
    revoked = grant(diff=True, user_name="operator", state="absent")
    assert revoked["changed"] and ram_actions(emu, write=True) == ["DetachPolicyFromUser", "DeletePolicy"]
    assert revoked["diff"]["after"]["grant_policies"] == [] and revoked["diff"]["after"]["grant_document"] is None
    assert attached_to_user(ram_b, "operator") == ["System:AliyunMQReadOnlyAccess"] and key_file.exists()
    assert not grant(user_name="operator", state="absent")["changed"]

    removed = grant(user_name="operator", state="absent", remove_user=True, access_key_file=str(key_file))
    assert removed["changed"] and removed["user"] == {}
    assert ram_actions(emu, write=True) == ["DeleteAccessKey", "DetachPolicyFromUser", "DeleteUser"]
    assert not key_file.exists()
    assert not grant(user_name="operator", state="absent", remove_user=True)["changed"]


def read_json_key(path):
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return json.loads(path.read_text())


@pytest.mark.emulator_only("call counters")
def test_access_key_file_is_private_idempotent_and_rotates(grant, run_playbook, ram_b, emu, tmp_path):
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    key_file = key_dir / "app.json"
    options = {"user_name": "orders-app", "role_arns": [OPERATOR_ARN], "access_key_action": "create", "access_key_file": str(key_file)}

    predicted = grant(check=True, **options)
    assert predicted["changed"] and predicted["access_key"] == {"access_key_id": None, "file": str(key_file)} and not key_file.exists()

    emu.reset_calls()
    run = run_playbook("ram_user_grant_task.yml", extra_vars={"grant": options})
    created = run.result("grant")
    key = read_json_key(key_file)
    assert set(key) == {"AccessKeyId", "AccessKeySecret"} and created["access_key"] == {"access_key_id": key["AccessKeyId"], "file": str(key_file)}
    assert key["AccessKeySecret"] not in run.stdout + run.stderr + json.dumps(run.report)
    listed = ram_b.list_access_keys(ram_models.ListAccessKeysRequest(user_name="orders-app")).body.access_keys.access_key
    assert [k.access_key_id for k in listed] == [key["AccessKeyId"]]
    assert list(key_dir.iterdir()) == [key_file]  # no temporary file left behind

    again = grant(**options)
    assert not again["changed"] and writes(emu) == 0 and again["access_key"]["access_key_id"] == key["AccessKeyId"]

    key_file.chmod(0o644)
    tightened = grant(**options)
    assert tightened["changed"] and writes(emu) == 0 and read_json_key(key_file) == key

    rotated = grant(**dict(options, access_key_action="rotate"))
    new_key = read_json_key(key_file)
    assert rotated["changed"] and new_key["AccessKeyId"] != key["AccessKeyId"]
    assert rotated["access_key"] == {"access_key_id": new_key["AccessKeyId"], "file": str(key_file), "replaced_access_key_id": key["AccessKeyId"]}
    assert ram_actions(emu, write=True) == ["CreateAccessKey", "DeleteAccessKey"]
    assert assume_role_as(emu, {"access_key_id": key["AccessKeyId"], "access_key_secret": key["AccessKeySecret"]}, OPERATOR_ARN) != "NoPermission"


@pytest.mark.emulator_only("call counters (the grant fixture resets them)")
def test_ini_profile_keeps_the_other_profiles_when_written_and_removed(grant, tmp_path):
    key_file = tmp_path / "credentials.ini"
    key_file.write_text("[other]\ntype = access_key\naccess_key_id = KEEPME\naccess_key_secret = keep-me\n")
    created = grant(user_name="orders-app", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(key_file),
                    access_key_format="ini", access_key_profile="orders")
    parser = configparser.ConfigParser()
    parser.read(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert dict(parser["other"]) == {"type": "access_key", "access_key_id": "KEEPME", "access_key_secret": "keep-me"}
    assert parser["orders"]["type"] == "access_key" and parser["orders"]["access_key_id"] == created["access_key"]["access_key_id"]
    assert len(parser["orders"]["access_key_secret"]) >= 16

    removed = grant(user_name="orders-app", state="absent", remove_user=True, access_key_file=str(key_file),
                    access_key_format="ini", access_key_profile="orders")
    parser = configparser.ConfigParser()
    parser.read(key_file)
    assert removed["changed"] and parser.sections() == ["other"] and stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.emulator_only("call counters")
def test_the_two_key_limit_and_a_foreign_file_fail_before_writing(grant, ram_b, emu, tmp_path):
    grant(user_name="orders-app", role_arns=[OPERATOR_ARN])
    ram_b.create_access_key(ram_models.CreateAccessKeyRequest(user_name="orders-app"))
    ram_b.create_access_key(ram_models.CreateAccessKeyRequest(user_name="orders-app"))
    at_limit = grant(expect_rc=2, user_name="orders-app", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(tmp_path / "k.json"))
    assert at_limit["msg"].startswith("access_key_action:") and "2 AccessKeys" in at_limit["msg"] and writes(emu) == 0

    foreign = tmp_path / "notes.json"
    foreign.write_text("not json at all")
    refused = grant(expect_rc=2, user_name="bob", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(foreign))
    assert refused["msg"].startswith("access_key_file:") and writes(emu) == 0 and foreign.read_text() == "not json at all"


@pytest.mark.emulator_only("the call log proves no API call")
@pytest.mark.parametrize("options, field", [
    ({"user_name": "alice", "role_arns": ["acs:ram::100000000000001:role/x"]}, "role_arns[0]"),
    ({"user_name": "alice", "role_arns": ["arn:aws:iam::123456789012:role/x"]}, "role_arns[0]"),
    ({"user_name": "a" * 65, "role_arns": [OPERATOR_ARN]}, "user_name"),
    ({"user_name": "alice"}, "role_arns"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "grant_policy_name": "bad_name"}, "grant_policy_name"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "display_name": "d" * 129}, "display_name"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_action": "create", "access_key_file": "/no/such/dir/k.json"}, "access_key_file"),
])
def test_bad_input_fails_naming_the_option_before_any_call(grant, emu, options, field):
    failed = grant(expect_rc=2, **options)
    assert failed["msg"].startswith(f"{field}:"), failed["msg"]
    assert emu.calls(product="ram")["calls"] == []


@pytest.mark.emulator_only("call counters")
def test_a_missing_user_is_not_created_when_told_not_to(grant, emu):
    failed = grant(expect_rc=2, user_name="nobody", create_user=False, role_arns=[OPERATOR_ARN])
    assert failed["msg"].startswith("user_name:") and "create_user" in failed["msg"] and writes(emu) == 0


def test_verbose_output_holds_neither_admin_nor_created_secret(run_playbook, tmp_path):
    key_file = tmp_path / "app.json"
    run = run_playbook("ram_user_grant_task.yml", verbosity=4, extra_vars={"grant": {
        "user_name": resource_name("orders-app"), "role_arns": [OPERATOR_ARN], "access_key_action": "create", "access_key_file": str(key_file)}})
    # ansible-playbook echoes its own command line (with the harness's extra vars) at -vvvv: that line is not module output.
    output = run.output
    secret = read_json_key(key_file)["AccessKeySecret"]
    assert read_json_key(key_file)["AccessKeyId"] in output
    for value in (secret, ADMIN_B["access_key_secret"]):
        assert value not in output


@pytest.mark.emulator_only("call counters")
def test_check_mode_predicts_a_key_whose_directory_an_earlier_task_would_create(grant, emu, tmp_path):
    key_file = tmp_path / "not-yet" / "bob.json"
    predicted = grant(check=True, user_name="bob", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(key_file))
    assert predicted["changed"] and writes(emu) == 0 and not key_file.parent.exists()
    assert any(warning.startswith("access_key_file:") for warning in predicted["warnings"])
