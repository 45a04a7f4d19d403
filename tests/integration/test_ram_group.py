"""ram_group against the emulator: lifecycle with check mode, diff and convergence, purges, deletion, a joiner and a
leaver proven with STS AssumeRole, and bad input refused before any write.

Each test batches its ram_group tasks into one playbook run (account B's admin through the action group's
module_defaults, every task with ``debug_api_calls``): each task's own call record says what it did, and the
emulator's log, which must hold exactly the writes the tasks recorded, proves that check mode and converged runs
wrote nothing.
"""

import json

import pytest
import yaml
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from conftest import ACCOUNTS, sdk_client
from Tea.exceptions import TeaException

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
ADMIN_A, ADMIN_B, ALICE = ACCOUNTS["account_a"]["admin"], ACCOUNTS["account_b"]["admin"], ACCOUNTS["account_b"]["alice"]
GROUP = "mq-operators"
READ_POLICY = "mq-operators-read"
ROLE_ARN = f"acs:ram::{A}:role/partner-operator"
GRANT_POLICY = "AssumeRole-partner-operator"


def play(*tasks):
    """One play of ``tasks`` as B's admin, set once for the collection's action group (ram_group is in it)."""
    defaults = {
        "access_key_id": "{{ account_b.admin.access_key_id }}",
        "access_key_secret": "{{ account_b.admin.access_key_secret }}",
        "debug_api_calls": True,
    }
    return yaml.safe_dump(
        [
            {
                "hosts": "localhost",
                "gather_facts": False,
                "module_defaults": {"group/apsaramq.cross_account.all": defaults},
                "tasks": list(tasks),
            }
        ]
    )


def group_task(name, check=False, diff=False, fails=False, **options):
    task = {"name": name, "apsaramq.cross_account.ram_group": {"group_name": GROUP, **options}}
    if check:
        task["check_mode"] = True
    if diff:
        task["diff"] = True
    if fails:
        task["ignore_errors"] = True
    return task


def writes_of(result):
    """The write actions a task recorded itself (debug_api_calls), in order."""
    return [call["action"] for call in result.get("api_calls", []) if call["write"]]


def actions_of(result):
    return [call["action"] for call in result.get("api_calls", [])]


def emulator_writes(emu, **filters):
    return [call["action"] for call in emu.calls(**filters)["calls"] if call["write"]]


def sdk(emu, keys, client_class):
    return sdk_client(emu.endpoint, keys, client_class)


def document(action, resource):
    return json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


def assume_as(emu, keys):
    """STS AssumeRole of A's role with ``keys``: the assumed role's ARN on success, the error code on refusal."""
    request = sts_models.AssumeRoleRequest(role_arn=ROLE_ARN, role_session_name="group-test", duration_seconds=900)
    try:
        return sdk(emu, keys, StsClient).assume_role(request).body.assumed_role_user.arn
    except TeaException as error:
        return error.code


def members_in_ram(ram_b):
    body = ram_b.list_users_for_group(ram_models.ListUsersForGroupRequest(group_name=GROUP)).body
    return sorted(user.user_name for user in body.users.user)


@pytest.fixture
def ram_b(emu):
    """Account B's admin on the RAM SDK: sets the scene and looks at what the module did."""
    return sdk(emu, ADMIN_B, RamClient)


LIFECYCLE = {
    "comments": "Operators",
    "members": ["alice", "bob"],
    "policies": ["AliyunMQReadOnlyAccess", {"name": READ_POLICY, "type": "Custom"}],
}
CREATE_WRITES = ["CreateGroup", "AddUserToGroup", "AddUserToGroup", "AttachPolicyToGroup", "AttachPolicyToGroup"]
PURGE = {
    "comments": "Operators of A",
    "members": ["bob", "carol"],
    "purge_members": True,
    "policies": [{"name": "AliyunMQReadOnlyAccess", "type": "System"}],
    "purge_policies": True,
}


@pytest.mark.emulator_only("call counters")
def test_lifecycle_check_create_converge_purge_and_delete(emu, run_playbook, ram_b):
    for user in ("bob", "carol"):
        ram_b.create_user(ram_models.CreateUserRequest(user_name=user))
    ram_b.create_policy(
        ram_models.CreatePolicyRequest(
            policy_name=READ_POLICY, policy_document=document("mq:QueryInstanceBaseInfo", "*")
        )
    )
    emu.reset_calls()
    run = run_playbook(
        play(
            group_task("predict", check=True, diff=True, **LIFECYCLE),
            group_task("create", diff=True, **LIFECYCLE),
            group_task("again", **LIFECYCLE),
            group_task(
                "again, other spelling, check mode", check=True, **{**LIFECYCLE, "members": ["ALICE", "Bob", "bob"]}
            ),
            group_task("purge", diff=True, **PURGE),
            group_task("joiner", members=["alice"]),
            group_task("predict absent", check=True, diff=True, state="absent"),
            group_task("absent", state="absent"),
            group_task("absent again", state="absent"),
        )
    )
    results = {task["task"]: task for task in run.tasks}

    predicted, created = results["predict"], results["create"]
    assert predicted["changed"] and writes_of(predicted) == []
    policies = [
        {"policy_name": READ_POLICY, "policy_type": "Custom"},
        {"policy_name": "AliyunMQReadOnlyAccess", "policy_type": "System"},
    ]
    assert predicted["group"] == {
        "group_name": GROUP,
        "group_id": None,
        "comments": "Operators",
        "create_date": None,
        "update_date": None,
        "members": ["alice", "bob"],
        "policies": policies,
    }
    assert predicted["diff"] == {
        "before": {},
        "after": {
            "group_name": GROUP,
            "comments": "Operators",
            "members": ["alice", "bob"],
            "policies": [f"Custom:{READ_POLICY}", "System:AliyunMQReadOnlyAccess"],
        },
    }
    assert created["changed"] and writes_of(created) == CREATE_WRITES
    assert created["group"]["group_id"] and created["group"]["create_date"]
    assert {**created["group"], "group_id": None, "create_date": None, "update_date": None} == predicted["group"], (
        "check mode predicted the create"
    )
    assert created["diff"] == predicted["diff"]

    again = results["again"]
    assert not again["changed"] and actions_of(again) == ["GetGroup", "ListUsersForGroup", "ListPoliciesForGroup"], (
        "a converged run reads the group, its members and its policies, nothing else"
    )
    respelled = results["again, other spelling, check mode"]
    assert not respelled["changed"] and respelled["group"]["members"] == ["alice", "bob"], (
        "users match case-insensitively, RAM's spelling kept"
    )

    purged = results["purge"]
    assert purged["changed"]
    assert writes_of(purged) == ["UpdateGroup", "AddUserToGroup", "RemoveUserFromGroup", "DetachPolicyFromGroup"]
    assert purged["diff"]["before"] == {
        "group_name": GROUP,
        "comments": "Operators",
        "members": ["alice", "bob"],
        "policies": [f"Custom:{READ_POLICY}", "System:AliyunMQReadOnlyAccess"],
    }
    assert purged["diff"]["after"] == {
        "group_name": GROUP,
        "comments": "Operators of A",
        "members": ["bob", "carol"],
        "policies": ["System:AliyunMQReadOnlyAccess"],
    }
    joined = results["joiner"]
    assert writes_of(joined) == ["AddUserToGroup"] and joined["group"]["members"] == ["alice", "bob", "carol"], (
        "without purge_members the others stay"
    )
    assert joined["group"]["comments"] == "Operators of A" and joined["group"]["policies"] == policies[1:], (
        "options not given are left alone"
    )

    predicted_absent, deleted = results["predict absent"], results["absent"]
    assert predicted_absent["changed"] and writes_of(predicted_absent) == [] and predicted_absent["group"] == {}
    assert predicted_absent["diff"] == {
        "before": {
            "group_name": GROUP,
            "comments": "Operators of A",
            "members": ["alice", "bob", "carol"],
            "policies": ["System:AliyunMQReadOnlyAccess"],
        },
        "after": {},
    }
    assert deleted["changed"] and writes_of(deleted) == ["RemoveUserFromGroup"] * 3 + [
        "DetachPolicyFromGroup",
        "DeleteGroup",
    ], "members removed and policies detached before DeleteGroup"
    assert not results["absent again"]["changed"] and writes_of(results["absent again"]) == []

    recorded = [action for task in run.tasks for action in writes_of(task)]
    assert emulator_writes(emu) == recorded, (
        "every write the emulator saw belongs to a task that reports it: check mode wrote nothing"
    )
    with pytest.raises(TeaException) as gone:
        ram_b.get_group(ram_models.GetGroupRequest(group_name=GROUP))
    assert gone.value.code == "EntityNotExist.Group"


@pytest.mark.emulator_only("call counters per account and the emulator's state")
def test_a_joiner_assumes_as_role_with_nothing_changed_in_a_and_a_leaver_is_refused(emu, run_playbook, ram_b):
    trust = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{B}:root"]}}
            ],
        }
    )
    sdk(emu, ADMIN_A, RamClient).create_role(
        ram_models.CreateRoleRequest(role_name="partner-operator", assume_role_policy_document=trust)
    )
    ram_b.create_policy(
        ram_models.CreatePolicyRequest(policy_name=GRANT_POLICY, policy_document=document("sts:AssumeRole", ROLE_ARN))
    )
    ram_b.create_group(ram_models.CreateGroupRequest(group_name=GROUP))
    ram_b.attach_policy_to_group(
        ram_models.AttachPolicyToGroupRequest(group_name=GROUP, policy_name=GRANT_POLICY, policy_type="Custom")
    )
    assert assume_as(emu, ALICE) == "NoPermission", "alice, in no group, may not assume the role yet"
    account_a_before = emu.admin("GET", "/state")["accounts"][A]

    emu.reset_calls()
    joined = run_playbook(play(group_task("join", members=["alice"]))).result("join")
    assert joined["changed"] and joined["group"]["members"] == ["alice"]
    assert emu.calls(account=A) == {"reads": 0, "writes": 0, "calls": []}, "Account A is not called during the change"
    assert emulator_writes(emu, account=B) == ["AddUserToGroup"], "joining is one membership write in B"
    assert assume_as(emu, ALICE) == f"{ROLE_ARN}/group-test", "the group's grant lets the joiner assume A's role"

    emu.reset_calls()
    left = run_playbook(play(group_task("leave", members=[], purge_members=True))).result("leave")
    assert left["changed"] and left["group"]["members"] == [] and members_in_ram(ram_b) == []
    assert emu.calls(account=A) == {"reads": 0, "writes": 0, "calls": []}
    assert emulator_writes(emu, account=B) == ["RemoveUserFromGroup"]
    assert assume_as(emu, ALICE) == "NoPermission", "the leaver is refused with STS's authorization refusal"
    assert emu.admin("GET", "/state")["accounts"][A] == account_a_before, "Account A changed nothing"


# (task, options, what the message starts with, whether the task may read before refusing)
BAD_INPUT = [
    ("name too long", {"group_name": "g" * 65}, "group_name: must be 1 to 64 characters long", False),
    (
        "name with a slash",
        {"group_name": "ops/team"},
        "group_name: may contain only letters, digits, '.', '_' and '-'",
        False,
    ),
    ("comments too long", {"comments": "c" * 129}, "comments: must be at most 128 characters long", False),
    ("bad member name", {"members": ["alice", "bob x"]}, "members[1]: may contain only", False),
    (
        "bad policy type",
        {"policies": [{"name": "AliyunMQReadOnlyAccess", "type": "Managed"}]},
        "policies[0].type: must be one of",
        False,
    ),
    (
        "unknown policy key",
        {"policies": ["AliyunMQReadOnlyAccess", {"name": "x", "kind": "Custom"}]},
        "policies[1].kind: is not a key",
        False,
    ),
    (
        "purge without members",
        {"purge_members": True},
        "purge_members is True but all of the following are missing: members",
        False,
    ),
    (
        "user that does not exist",
        {"members": ["alice", "ghost"]},
        "members[1]: no RAM user of this name in the account: ghost",
        True,
    ),
    (
        "policy that does not exist",
        {"members": ["alice"], "policies": ["NoSuchPolicy"]},
        "policies: unknown RAM policy: NoSuchPolicy",
        True,
    ),
]


@pytest.mark.emulator_only("call counters")
def test_bad_input_is_refused_naming_the_option_before_any_write(emu, run_playbook):
    tasks = [group_task(case, fails=True, **options) for case, options, _message, _reads in BAD_INPUT]
    tasks.append(group_task("unknown user in check mode", check=True, members=["ghost"]))
    emu.reset_calls()
    run = run_playbook(play(*tasks))
    for case, _options, message, reads in BAD_INPUT:
        result = run.result(case)
        assert result.get("failed") and result["msg"].startswith(message), f"{case}: {result.get('msg')}"
        assert reads or result.get("api_calls", []) == [], f"{case}: refused before any API call"
        assert writes_of(result) == []
    predicted = run.result("unknown user in check mode")
    assert predicted["changed"] and predicted["group"]["members"] == ["ghost"]
    assert any("the RAM user ghost does not exist yet" in warning for warning in predicted["warnings"]), (
        "check mode assumes an earlier task creates the user, and says so"
    )
    assert emu.calls()["writes"] == 0
