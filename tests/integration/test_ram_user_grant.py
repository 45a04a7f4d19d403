"""ram_user_grant against the emulator: the partner account's user, its assume-role grant (proven with STS) and its AccessKey file."""

import configparser
import json
import os
import re
import stat
import string

import pytest
import yaml
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from conftest import ACCOUNTS, admin_keys, localhost_play, resource_name
from Tea.exceptions import TeaException

ADMIN_B, ALICE = ACCOUNTS["account_b"]["admin"], ACCOUNTS["account_b"]["alice"]
A = ACCOUNTS["account_a"]["uid"]
OPERATOR_ARN = f"acs:ram::{A}:role/{resource_name('partner-b-operator')}"
OTHER_ARN = f"acs:ram::{A}:role/{resource_name('partner-b-other')}"
ASSUME_ROLE_ACCESS = {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}], "Version": "1"}


def grant_document(*arns):
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": list(arns)}]}


def sdk_config(emu, keys):
    return Config(
        access_key_id=keys["access_key_id"],
        access_key_secret=keys["access_key_secret"],
        endpoint=emu.endpoint,
        protocol="http",
    )


@pytest.fixture
def ram_b(emu):
    """Account B's admin on the RAM SDK, to look at what the module did."""
    return RamClient(sdk_config(emu, ADMIN_B))


@pytest.fixture
def grant(run_playbook, emu):
    """Run one ram_user_grant task as B's admin; counters are reset first so each run's calls can be counted."""

    def run(check=False, diff=False, expect_rc=0, **options):
        emu.reset_calls()
        return run_playbook(
            "ram_user_grant_task.yml", extra_vars={"grant": options}, check=check, diff=diff, expect_rc=expect_rc
        ).result("Grant")

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
    assert predicted["user"] == {
        "user_name": "operator",
        "user_id": None,
        "display_name": "Partner operator",
        "comments": "",
        "managed": True,
    }
    assert predicted["grant"] == {
        "mode": "least_privilege",
        "policy_name": "AssumeRole-operator",
        "policy_type": "Custom",
        "document": wanted,
        "role_arns": [OPERATOR_ARN, OTHER_ARN],
    }

    applied = grant(diff=True, **options)
    assert applied["changed"] and ram_actions(emu, write=True) == ["CreateUser", "CreatePolicy", "AttachPolicyToUser"]
    assert applied["user"]["user_id"] and applied["grant"] == predicted["grant"]
    assert applied["diff"] == {
        "before": {},
        "after": {
            "user": {"user_name": "operator", "display_name": "Partner operator", "comments": ""},
            "grant_policies": ["Custom:AssumeRole-operator"],
            "grant_document": wanted,
        },
    }

    again = grant(**options)
    assert not again["changed"] and writes(emu) == 0
    assert ram_actions(emu, write=False) == ["GetUser", "GetPolicy", "ListPoliciesForUser"]
    reordered = dict(options, role_arns=[OTHER_ARN, OPERATOR_ARN, OTHER_ARN])
    assert not grant(check=True, **reordered)["changed"] and writes(emu) == 0

    emu.reset_calls()
    info = run_playbook(
        "ram_policy_info_task.yml",
        extra_vars={
            "caller": ADMIN_B,
            "info": {"name": "AssumeRole-operator", "include_documents": True, "include_attachments": True},
        },
    ).result("Info")
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
    assert re.fullmatch(r"AssumeRole-svc-orders-[0-9a-f]{8}", dotted) and re.fullmatch(
        r"AssumeRole-svc-orders-[0-9a-f]{8}", underscored
    )
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
    run = run_playbook(
        "ram_user_grant_task.yml",
        diff=True,
        extra_vars={"grant": {"user_name": "alice", "grant_mode": "system", "role_arns": [OPERATOR_ARN]}},
    )
    system = run.result("Grant")
    reported = (
        " ".join(str(w) for w in system.get("warnings", [])) + run.stdout + run.stderr
    )  # where depends on the callback
    assert system["changed"] and "role_arns is ignored with grant_mode=system" in reported
    assert ram_actions(emu, write=True) == ["AttachPolicyToUser", "DetachPolicyFromUser", "DeletePolicy"]
    assert system["grant"] == {
        "mode": "system",
        "policy_name": "AliyunSTSAssumeRoleAccess",
        "policy_type": "System",
        "document": ASSUME_ROLE_ACCESS,
        "role_arns": [],
    }
    assert system["diff"]["before"]["grant_policies"] == ["Custom:AssumeRole-alice"]
    assert system["diff"]["after"]["grant_policies"] == ["System:AliyunSTSAssumeRoleAccess"]
    assert attached_to_user(ram_b, "alice") == ["System:AliyunSTSAssumeRoleAccess"] and custom_policy_names(ram_b) == []
    assert not grant(user_name="alice", grant_mode="system")["changed"] and writes(emu) == 0

    back = grant(user_name="alice", role_arns=[OPERATOR_ARN])
    assert back["changed"] and ram_actions(emu, write=True) == [
        "CreatePolicy",
        "AttachPolicyToUser",
        "DetachPolicyFromUser",
    ]
    assert attached_to_user(ram_b, "alice") == ["Custom:AssumeRole-alice"]


@pytest.mark.emulator_only("call counters")
def test_absent_offboards_a_user_it_created_and_removes_it_only_on_request(grant, run_playbook, ram_b, emu, tmp_path):
    key_file = tmp_path / "operator.json"
    made = grant(
        user_name="operator", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(key_file)
    )
    ram_b.attach_policy_to_user(
        ram_models.AttachPolicyToUserRequest(
            policy_name="AliyunMQReadOnlyAccess", policy_type="System", user_name="operator"
        )
    )
    leaving = {"user_name": "operator", "state": "absent", "access_key_file": str(key_file)}

    emu.reset_calls()
    run = run_playbook(
        playbook(
            play_b(
                [
                    grant_task("predicted", check=True, **leaving),
                    grant_task("revoked", **leaving),
                    grant_task("revoked again", **leaving),
                    grant_task("removed", **leaving, remove_user=True),
                    grant_task("removed again", **leaving, remove_user=True),
                ]
            )
        ),
        diff=True,
    )
    # The MQ policy attached by hand stays until the user goes; the dry run and the converged runs write nothing.
    assert ram_actions(emu, write=True) == [
        "DetachPolicyFromUser",
        "DeletePolicy",
        "DeleteAccessKey",
        "DetachPolicyFromUser",
        "DeleteUser",
    ]
    assert run.result("predicted")["changed"] and run.result("predicted")["diff"] == run.result("revoked")["diff"]
    revoked = run.result("revoked")
    assert revoked["changed"] and revoked["user"]["user_name"] == "operator", "the user stays without remove_user"
    assert revoked["removed"] == {
        "groups": [],
        "access_key_ids": [made["access_key"]["access_key_id"]],
        "login_profile": False,
    }
    assert revoked["diff"]["after"]["grant_policies"] == [] and revoked["diff"]["after"]["grant_document"] is None
    assert revoked["diff"]["after"]["access_keys"] == [] and len(revoked["diff"]["before"]["access_keys"]) == 1
    assert not key_file.exists()
    assert not run.result("revoked again")["changed"] and not run.result("removed again")["changed"]
    assert run.result("removed")["changed"] and run.result("removed")["user"] == {}


def read_json_key(path):
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return json.loads(path.read_text())


@pytest.mark.emulator_only("call counters")
def test_access_key_file_is_private_and_idempotent(grant, run_playbook, ram_b, emu, tmp_path):
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    key_file = key_dir / "app.json"
    options = {
        "user_name": "orders-app",
        "role_arns": [OPERATOR_ARN],
        "access_key_action": "create",
        "access_key_file": str(key_file),
    }

    predicted = grant(check=True, **options)
    assert predicted["changed"] and predicted["access_key"] == {
        "access_key_id": None,
        "file": str(key_file),
        "status": "Active",
    }
    assert not key_file.exists()

    emu.reset_calls()
    run = run_playbook("ram_user_grant_task.yml", extra_vars={"grant": options})
    created = run.result("Grant")
    key = read_json_key(key_file)
    assert set(key) == {"AccessKeyId", "AccessKeySecret"}
    assert created["access_key"] == {"access_key_id": key["AccessKeyId"], "file": str(key_file), "status": "Active"}
    assert key["AccessKeySecret"] not in run.stdout + run.stderr + json.dumps(run.report)
    listed = ram_b.list_access_keys(
        ram_models.ListAccessKeysRequest(user_name="orders-app")
    ).body.access_keys.access_key
    assert [k.access_key_id for k in listed] == [key["AccessKeyId"]]
    assert list(key_dir.iterdir()) == [key_file]  # no temporary file left behind

    again = grant(**options)
    assert not again["changed"] and writes(emu) == 0 and again["access_key"]["access_key_id"] == key["AccessKeyId"]

    key_file.chmod(0o644)
    tightened = grant(**options)
    assert tightened["changed"] and writes(emu) == 0 and read_json_key(key_file) == key


@pytest.mark.emulator_only("call counters (the grant fixture resets them)")
def test_ini_profile_keeps_the_other_profiles_when_written_and_removed(grant, tmp_path):
    key_file = tmp_path / "credentials.ini"
    key_file.write_text("[other]\ntype = access_key\naccess_key_id = KEEPME\naccess_key_secret = keep-me\n")
    created = grant(
        user_name="orders-app",
        role_arns=[OPERATOR_ARN],
        access_key_action="create",
        access_key_file=str(key_file),
        access_key_format="ini",
        access_key_profile="orders",
    )
    parser = configparser.ConfigParser()
    parser.read(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert dict(parser["other"]) == {"type": "access_key", "access_key_id": "KEEPME", "access_key_secret": "keep-me"}
    assert (
        parser["orders"]["type"] == "access_key"
        and parser["orders"]["access_key_id"] == created["access_key"]["access_key_id"]
    )
    assert len(parser["orders"]["access_key_secret"]) >= 16

    removed = grant(
        user_name="orders-app",
        state="absent",
        remove_user=True,
        access_key_file=str(key_file),
        access_key_format="ini",
        access_key_profile="orders",
    )
    parser = configparser.ConfigParser()
    parser.read(key_file)
    assert removed["changed"] and parser.sections() == ["other"] and stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.emulator_only("call counters")
def test_the_two_key_limit_and_a_foreign_file_fail_before_writing(grant, ram_b, emu, tmp_path):
    grant(user_name="orders-app", role_arns=[OPERATOR_ARN])
    ram_b.create_access_key(ram_models.CreateAccessKeyRequest(user_name="orders-app"))
    ram_b.create_access_key(ram_models.CreateAccessKeyRequest(user_name="orders-app"))
    at_limit = grant(
        expect_rc=2,
        user_name="orders-app",
        role_arns=[OPERATOR_ARN],
        access_key_action="create",
        access_key_file=str(tmp_path / "k.json"),
    )
    assert at_limit["msg"].startswith("access_key_action:") and "2 AccessKeys" in at_limit["msg"] and writes(emu) == 0

    foreign = tmp_path / "notes.json"
    foreign.write_text("not json at all")
    refused = grant(
        expect_rc=2, user_name="bob", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(foreign)
    )
    assert (
        refused["msg"].startswith("access_key_file:") and writes(emu) == 0 and foreign.read_text() == "not json at all"
    )


# (options, the option the error message names first); {dir} is a directory that others may read.
BAD_INPUT = [
    ({"user_name": "alice", "role_arns": ["acs:ram::100000000000001:role/x"]}, "role_arns[0]:"),
    ({"user_name": "alice", "role_arns": ["arn:aws:iam::123456789012:role/x"]}, "role_arns[0]:"),
    ({"user_name": "a" * 65, "role_arns": [OPERATOR_ARN]}, "user_name:"),
    ({"user_name": "alice"}, "role_arns:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "grant_policy_name": "bad_name"}, "grant_policy_name:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "display_name": "d" * 129}, "display_name:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "comments": "c" * 104}, "comments:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "comments": "[apsaramq.cross_account] mine"}, "comments:"),
    (
        {
            "user_name": "alice",
            "role_arns": [OPERATOR_ARN],
            "access_key_action": "create",
            "access_key_file": "/no/such/dir/k.json",
        },
        "access_key_file:",
    ),
    (
        {"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_action": "disable"},
        "access_key_action is disable but all of the following are missing: access_key_file",
    ),
    (
        {
            "user_name": "alice",
            "grant_mode": "system",
            "access_key_action": "rotate",
            "access_key_file": "{dir}/k.json",
        },
        "role_arns:",
    ),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_grace_period": -1}, "access_key_grace_period:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_max_age_days": 0}, "access_key_max_age_days:"),
    (
        {
            "user_name": "alice",
            "role_arns": [OPERATOR_ARN],
            "access_key_max_age_days": 90,
            "access_key_action": "rotate",
            "access_key_file": "{dir}/k.json",
        },
        "access_key_max_age_days:",
    ),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_max_age_days": 90}, "access_key_max_age_action:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "access_key_proof_wait": 601}, "access_key_proof_wait:"),
    ({"user_name": "alice", "role_arns": [OPERATOR_ARN], "login_profile": {}}, "login_profile:"),
    (
        {"user_name": "alice", "role_arns": [OPERATOR_ARN], "login_profile": {"password": "{{ short_password }}"}},
        "login_profile.password: ********",
    ),
    (
        {"user_name": "alice", "role_arns": [OPERATOR_ARN], "login_profile": {"password_file": "{dir}/alice.password"}},
        "login_profile.password_file: the directory {dir} has mode 0755",
    ),
    (
        {
            "user_name": "alice",
            "role_arns": [OPERATOR_ARN],
            "login_profile": {"password": "{{ short_password }}", "password_file": "{dir}/p"},
        },
        "parameters are mutually exclusive: password|password_file found in login_profile",
    ),
]


@pytest.mark.emulator_only("the call log proves no API call")
def test_bad_input_fails_naming_the_option_before_any_call(run_playbook, emu, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    vault = secrets_file(tmp_path, short_password="Sh0rt!")
    tasks = [
        grant_task(f"case {index}", **json.loads(json.dumps(options).replace("{dir}", str(shared))))
        for index, (options, _message) in enumerate(BAD_INPUT)
    ]
    run = run_playbook(playbook(play_b(tasks, vars_files=[vault])))
    for index, (_options, message) in enumerate(BAD_INPUT):
        result = run.result(f"case {index}")
        assert result["failed"] and result["msg"].startswith(message.replace("{dir}", str(shared))), result["msg"]
    assert emu.calls()["calls"] == [] and "Sh0rt!" not in run.output


@pytest.mark.emulator_only("call counters")
def test_a_missing_user_is_not_created_when_told_not_to(grant, emu):
    failed = grant(expect_rc=2, user_name="nobody", create_user=False, role_arns=[OPERATOR_ARN])
    assert failed["msg"].startswith("user_name:") and "create_user" in failed["msg"] and writes(emu) == 0


def test_verbose_output_holds_neither_admin_nor_created_secret(run_playbook, tmp_path):
    key_file = tmp_path / "app.json"
    run = run_playbook(
        "ram_user_grant_task.yml",
        verbosity=4,
        extra_vars={
            "grant": {
                "user_name": resource_name("orders-app"),
                "role_arns": [OPERATOR_ARN],
                "access_key_action": "create",
                "access_key_file": str(key_file),
            }
        },
    )
    # ansible-playbook echoes its own command line (with the harness's extra vars) at -vvvv: that line is not module output.
    output = run.output
    secret = read_json_key(key_file)["AccessKeySecret"]
    assert read_json_key(key_file)["AccessKeyId"] in output
    for value in (secret, ADMIN_B["access_key_secret"]):
        assert value not in output


@pytest.mark.emulator_only("call counters")
def test_check_mode_predicts_a_key_whose_directory_an_earlier_task_would_create(grant, emu, tmp_path):
    key_file = tmp_path / "not-yet" / "bob.json"
    predicted = grant(
        check=True, user_name="bob", role_arns=[OPERATOR_ARN], access_key_action="create", access_key_file=str(key_file)
    )
    assert predicted["changed"] and writes(emu) == 0 and not key_file.parent.exists()
    assert any(warning.startswith("access_key_file:") for warning in predicted["warnings"])


# ---- people, the AccessKey lifecycle and leavers, each batched into few playbook runs ---------------------------------

ADMIN_DEFAULTS = {
    "access_key_id": "{{ account_b.admin.access_key_id }}",
    "access_key_secret": "{{ account_b.admin.access_key_secret }}",
}
TARGET_ROLE = resource_name("lifecycle-target")
TARGET_ARN = f"acs:ram::{A}:role/{TARGET_ROLE}"
UNTRUSTING_ROLE = resource_name("trusts-nobody-of-b")
UNTRUSTING_ARN = f"acs:ram::{A}:role/{UNTRUSTING_ROLE}"


def playbook(*plays):
    return yaml.safe_dump(list(plays), sort_keys=False)


def play_b(tasks, name="Account B", vars_files=()):
    play = localhost_play(name, tasks, ADMIN_DEFAULTS)
    if vars_files:
        play["vars_files"] = [str(path) for path in vars_files]
    return play


def secrets_file(tmp_path, **values):
    """Variables holding secrets, as a vault would hand them over: a 0600 file (never the playbook's text, which
    Ansible quotes around a failed task, nor the command line, which -vvvv echoes)."""
    path = private_dir(tmp_path, "vault") / "secrets.yml"
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(values))
    return path


def owner_roles():
    """Account A: a role that trusts B (the rotation proof's target) and one that trusts only account C."""
    return localhost_play(
        "Account A",
        [
            {
                "name": "target role",
                "apsaramq.cross_account.ram_role": {"name": TARGET_ROLE, "trusted_accounts": ["{{ account_b.uid }}"]},
            },
            {
                "name": "untrusting role",
                "apsaramq.cross_account.ram_role": {
                    "name": UNTRUSTING_ROLE,
                    "trusted_accounts": ["{{ account_c.uid }}"],
                },
            },
        ],
        admin_keys("account_a"),
    )


def grant_task(name, check=False, **options):
    task = {"name": name, "apsaramq.cross_account.ram_user_grant": options, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def read_key_task(name, key_file):
    return {"name": name, "ansible.builtin.set_fact": {name: f"{{{{ lookup('file', '{key_file}') | from_json }}}}"}}


def assume_task(name, key_var, role_arn=TARGET_ARN):
    """AssumeRole signed with the key held in fact ``key_var``; never fails the play (the test reads the outcome)."""
    return {
        "name": name,
        "ignore_errors": True,
        "apsaramq.cross_account.sts_assume": {
            "access_key_id": f"{{{{ {key_var}.AccessKeyId }}}}",
            "access_key_secret": f"{{{{ {key_var}.AccessKeySecret }}}}",
            "role_arn": role_arn,
            "wait_for_role": 0,
        },
    }


def assumed(run, name):
    """allowed, or the code STS answered (a successful sts_assume result is hidden: only its absence of failure shows)."""
    result = run.result(name)
    return result.get("code") or result.get("error", {}).get("code") if result.get("failed") else "allowed"


def user_keys(ram_b, user_name):
    listed = ram_b.list_access_keys(ram_models.ListAccessKeysRequest(user_name=user_name)).body.access_keys.access_key
    return {k.access_key_id: k.status for k in listed}


@pytest.mark.emulator_only("InvalidAccessKeyId.Inactive is the emulator's code for a disabled key")
def test_access_key_disable_enable_and_rotation_with_overlap_each_proven_by_assume_role(run_playbook, ram_b, tmp_path):
    key_file = tmp_path / "app.json"
    app = {"user_name": "orders-app", "role_arns": [TARGET_ARN], "access_key_file": str(key_file)}
    run = run_playbook(
        playbook(
            owner_roles(),
            play_b(
                [
                    grant_task("create", **app, access_key_action="create"),
                    read_key_task("key1", key_file),
                    assume_task("key1 works", "key1"),
                    grant_task("disable", **app, access_key_action="disable"),
                    assume_task("key1 disabled", "key1"),
                    grant_task("enable", **app, access_key_action="enable"),
                    assume_task("key1 enabled", "key1"),
                    grant_task("rotate", **app, access_key_action="rotate"),
                    read_key_task("key2", key_file),
                    assume_task("key2 works", "key2"),
                    assume_task("key1 after rotation", "key1"),
                    grant_task("next run deletes the old key", **app, access_key_action="create"),
                    grant_task("steady", **app, access_key_action="create", access_key_max_age_days=1),
                    # The proof uses the first role given: one that trusts only account C.
                    grant_task(
                        "failed proof",
                        **{**app, "role_arns": [UNTRUSTING_ARN, TARGET_ARN]},
                        access_key_action="rotate",
                        access_key_proof_wait=0,
                    ),
                    assume_task("key2 after the failed proof", "key2"),
                    grant_task("rotate with grace", **app, access_key_action="rotate", access_key_grace_period=24),
                    grant_task(
                        "within the grace period", **app, access_key_action="create", access_key_grace_period=24
                    ),
                    grant_task("no third key", **app, access_key_action="rotate", access_key_grace_period=24),
                ]
            ),
        )
    )
    key1, key2 = (run.result(name)["ansible_facts"][name]["AccessKeyId"] for name in ("key1", "key2"))
    assert assumed(run, "key1 works") == "allowed"

    assert run.result("disable")["changed"] and run.result("disable")["access_key"]["status"] == "Inactive"
    assert assumed(run, "key1 disabled") == "InvalidAccessKeyId.Inactive"
    assert run.result("enable")["changed"] and assumed(run, "key1 enabled") == "allowed"

    rotated = run.result("rotate")["access_key"]
    assert (
        rotated["access_key_id"] == key2
        and rotated["replaced_access_key_id"] == key1
        and rotated["replaced_status"] == "Inactive"
    )
    assert rotated["proof"] == {"role_arn": TARGET_ARN, "outcome": "allowed", "attempts": 1}
    assert (
        assumed(run, "key2 works") == "allowed" and assumed(run, "key1 after rotation") == "InvalidAccessKeyId.Inactive"
    )
    cleaned = run.result("next run deletes the old key")
    assert cleaned["changed"] and cleaned["access_key"]["deleted_access_key_ids"] == [key1]
    steady = run.result("steady")
    assert (
        not steady["changed"]
        and steady["access_key"]["over_age"] == []
        and steady["access_key"]["access_key_id"] == key2
    )

    failed = run.result("failed proof")
    assert (
        failed["failed"] and f"could not assume {UNTRUSTING_ARN}" in failed["msg"] and "NoPermission" in failed["msg"]
    )
    assert assumed(run, "key2 after the failed proof") == "allowed", (
        "the file and the old key are as before the failed rotation"
    )

    graced = run.result("rotate with grace")["access_key"]
    pending = run.result("within the grace period")
    assert not pending["changed"] and pending["access_key"]["pending_deletion"][0]["access_key_id"] == key2
    refused = run.result("no third key")
    assert (
        refused["failed"]
        and refused["msg"].startswith("access_key_action:")
        and f"{key2} that a rotation replaced" in refused["msg"]
    )
    assert user_keys(ram_b, "orders-app") == {graced["access_key_id"]: "Active", key2: "Inactive"}
    assert read_json_key(key_file)["AccessKeyId"] == graced["access_key_id"]


STRICT_POLICY = ram_models.SetPasswordPolicyRequest(
    minimum_password_length=30,
    require_lowercase_characters=True,
    require_uppercase_characters=True,
    require_numbers=True,
    require_symbols=True,
)
VAULT_PASSWORD = "Vault-given-password-with-31ch!"
WEAK_PASSWORD = "Weak-but-valid-1!"


def private_dir(tmp_path, name="handover"):
    directory = tmp_path / name
    directory.mkdir(mode=0o700)
    return directory


@pytest.mark.emulator_only("call counters; the seed's account alias")
def test_a_person_gets_a_console_login_whose_password_never_shows_and_a_rerun_changes_nothing(
    run_playbook, ram_b, emu, tmp_path
):
    ram_b.set_password_policy(STRICT_POLICY)
    password_file = private_dir(tmp_path) / "bob.password"
    bob = {"user_name": "bob", "role_arns": [OPERATOR_ARN], "login_profile": {"password_file": str(password_file)}}
    emu.reset_calls()
    vault = secrets_file(tmp_path, carol_password=VAULT_PASSWORD, dave_password=WEAK_PASSWORD)
    run = run_playbook(
        playbook(
            play_b(
                vars_files=[vault],
                tasks=[
                    grant_task("person", **bob),
                    grant_task("again", **bob),
                    grant_task(
                        "reset predicted",
                        check=True,
                        **{**bob, "login_profile": {"password_file": str(password_file), "password_reset": True}},
                    ),
                    grant_task(
                        "vault password",
                        user_name="carol",
                        role_arns=[OPERATOR_ARN],
                        login_profile={"password": "{{ carol_password }}"},
                    ),
                    grant_task(
                        "weak vault password",
                        user_name="dave",
                        role_arns=[OPERATOR_ARN],
                        login_profile={"password": "{{ dave_password }}"},
                    ),
                ],
            )
        ),
        verbosity=4,
        diff=True,
    )

    person = run.result("person")
    password = password_file.read_text().strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600 and os.listdir(password_file.parent) == ["bob.password"]
    assert len(password) >= 30 and all(
        any(c in chars for c in password)
        for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation)
    )
    for secret in (password, VAULT_PASSWORD, WEAK_PASSWORD):
        assert secret not in run.output and secret not in json.dumps(run.report)
    assert person["login_profile"] == {
        "exists": True,
        "password_reset_required": True,
        "mfa_bind_required": True,
        "create_date": person["login_profile"]["create_date"],
        "password_changed": True,
        "password_file": str(password_file),
        "login_name": "bob@partner-b.onaliyun.com",
        "signin_url": "https://signin.aliyun.com/login.htm",
    }
    assert person["diff"]["before"] == {} and person["diff"]["after"]["login_profile"] == {
        "exists": True,
        "password_reset_required": True,
        "mfa_bind_required": True,
        "password": "set by this task (not shown)",
    }
    profile = ram_b.get_login_profile(ram_models.GetLoginProfileRequest(user_name="bob")).body.login_profile
    assert profile.password_reset_required and profile.mfabind_required

    again = run.result("again")
    assert not again["changed"] and "password_changed" not in again["login_profile"]
    assert again["diff"]["before"] == again["diff"]["after"]
    predicted = run.result("reset predicted")
    assert (
        predicted["changed"]
        and predicted["login_profile"]["password_changed"]
        and password_file.read_text().strip() == password
    )
    assert run.result("vault password")["login_profile"]["exists"]
    weak = run.result("weak vault password")
    assert weak["failed"] and weak["msg"].startswith(
        "login_profile.password: ******** must be 30 to 32 characters long"
    )
    assert (
        ram_actions(emu, write=True) == ["CreateUser", "CreatePolicy", "AttachPolicyToUser", "CreateLoginProfile"] * 2
    ), "the re-run, the check-mode reset and the weak password wrote nothing"


def add_to_group(ram_b, group, *users):
    ram_b.create_group(ram_models.CreateGroupRequest(group_name=group))
    for user in users:
        ram_b.add_user_to_group(ram_models.AddUserToGroupRequest(group_name=group, user_name=user))


def groups_of(ram_b, user_name):
    return [
        g.group_name
        for g in ram_b.list_groups_for_user(ram_models.ListGroupsForUserRequest(user_name=user_name)).body.groups.group
    ]


@pytest.mark.emulator_only("the seeded user alice, not created by the collection")
def test_a_leaver_loses_groups_keys_and_console_and_a_user_not_created_by_the_collection_is_untouched(
    run_playbook, ram_b, emu, tmp_path
):
    key_file, password_file = tmp_path / "dan.json", private_dir(tmp_path) / "dan.password"
    dan = {"user_name": "dan", "role_arns": [TARGET_ARN]}
    run_playbook(
        playbook(
            owner_roles(),
            play_b(
                [
                    grant_task(
                        "dan joins",
                        **dan,
                        access_key_action="create",
                        access_key_file=str(key_file),
                        login_profile={"password_file": str(password_file)},
                    ),
                    grant_task("alice is granted", user_name="alice", create_user=False, role_arns=[TARGET_ARN]),
                ]
            ),
        )
    )
    add_to_group(ram_b, "operators", "dan", "alice")

    leaving = {
        **dan,
        "state": "absent",
        "access_key_file": str(key_file),
        "login_profile": {"password_file": str(password_file)},
    }
    run = run_playbook(
        playbook(
            play_b(
                [
                    read_key_task("dan_key", key_file),
                    assume_task("dan before", "dan_key"),
                    grant_task("dan leaves", **leaving),
                    assume_task("dan after", "dan_key"),
                    grant_task("dan again", **leaving),
                    grant_task("alice absent", user_name="alice", state="absent"),
                    grant_task("alice not deleted", user_name="alice", state="absent", remove_user=True),
                    grant_task("dan removed", user_name="dan", state="absent", remove_user=True),
                ]
            )
        )
    )
    dan_key = run.result("dan_key")["ansible_facts"]["dan_key"]["AccessKeyId"]
    assert assumed(run, "dan before") == "allowed"
    left = run.result("dan leaves")
    assert left["changed"] and left["removed"] == {
        "groups": ["operators"],
        "access_key_ids": [dan_key],
        "login_profile": True,
    }
    assert left["grant"] == {} and left["user"]["user_name"] == "dan" and left["user"]["managed"]
    assert assumed(run, "dan after") == "InvalidAccessKeyId.NotFound", "the leaver's key is refused"
    assert not key_file.exists() and not password_file.exists()
    assert not run.result("dan again")["changed"]

    alice = run.result("alice absent")
    assert alice["changed"] and alice["grant"] == {} and "removed" not in alice and not alice["user"]["managed"]
    assert any("was not created by apsaramq.cross_account" in warning for warning in alice["warnings"])
    refused = run.result("alice not deleted")
    assert refused["failed"] and refused["msg"].startswith(
        "remove_user: the RAM user alice was not created by apsaramq.cross_account"
    )
    assert groups_of(ram_b, "alice") == ["operators"] and user_keys(ram_b, "alice") == {
        ALICE["access_key_id"]: "Active"
    }
    assert assume_role_as(emu, ALICE, TARGET_ARN) == "NoPermission", "alice only lost the grant"

    assert run.result("dan removed")["user"] == {}
    with pytest.raises(TeaException, match="EntityNotExist.User"):
        ram_b.get_user(ram_models.GetUserRequest(user_name="dan"))


@pytest.mark.emulator_only("call counters")
def test_check_mode_predicts_every_lifecycle_step_with_a_diff_and_writes_nothing(run_playbook, ram_b, emu, tmp_path):
    key_file, password_file = tmp_path / "app.json", private_dir(tmp_path) / "erin.password"
    app = {"user_name": "orders-app", "role_arns": [TARGET_ARN], "access_key_file": str(key_file)}
    erin = {"user_name": "erin", "role_arns": [TARGET_ARN], "login_profile": {"password_file": str(password_file)}}
    run_playbook(
        playbook(
            owner_roles(), play_b([grant_task("app", **app, access_key_action="create"), grant_task("erin", **erin)])
        )
    )
    key, password = read_json_key(key_file), password_file.read_text()

    emu.reset_calls()
    run = run_playbook(
        playbook(
            play_b(
                [
                    grant_task("rotate", **app, access_key_action="rotate"),
                    grant_task("disable", **app, access_key_action="disable"),
                    grant_task(
                        "reset",
                        **{**erin, "login_profile": {"password_file": str(password_file), "password_reset": True}},
                    ),
                    grant_task("erin leaves", **{**erin, "state": "absent"}),
                    grant_task("app removed", **app, state="absent", remove_user=True),
                    grant_task(
                        "frank joins",
                        user_name="frank",
                        role_arns=[TARGET_ARN],
                        login_profile={"password_file": str(tmp_path / "later" / "f")},
                    ),
                ]
            )
        ),
        check=True,
        diff=True,
    )
    assert emu.calls()["writes"] == 0 and read_json_key(key_file) == key and password_file.read_text() == password
    assert all(task["changed"] and not task.get("failed") for task in run.tasks), [
        t for t in run.tasks if not t["changed"]
    ]

    rotate = run.result("rotate")
    assert rotate["access_key"]["proof"] == {"role_arn": TARGET_ARN, "outcome": "skipped"}
    assert rotate["diff"]["after"]["access_keys"] == [
        {"access_key_id": key["AccessKeyId"], "status": "Inactive"},
        {"access_key_id": None, "status": "Active"},
    ]
    assert run.result("disable")["diff"]["after"]["access_keys"] == [
        {"access_key_id": key["AccessKeyId"], "status": "Inactive"}
    ]
    assert run.result("reset")["diff"]["after"]["login_profile"]["password"] == "set by this task (not shown)"
    leaves = run.result("erin leaves")["diff"]
    assert leaves["before"]["login_profile"]["exists"] and leaves["after"]["login_profile"] == {"exists": False}
    assert run.result("app removed")["diff"]["after"] == {}
    frank = run.result("frank joins")
    assert frank["login_profile"]["login_name"] == "frank@partner-b.onaliyun.com"
    assert any(w.startswith("login_profile.password_file: the directory") for w in frank["warnings"])
    assert user_keys(ram_b, "orders-app") == {key["AccessKeyId"]: "Active"}
