"""The live mode's own machinery (live_cloud.py), without any cloud: the name guard, the clean-up against an in-memory
RAM, the refusal of an incomplete configuration (and of `make test-live` without it), and the policies README.md shows.
These tests call no API, so they run in both modes."""

import json
import os
import subprocess
import sys

import live_cloud
import pytest
from conftest import LIVE, NAME_PREFIX, REPO, NoEmulator, resource_name
from live_cloud import PREFIX_ROOT, Account, RefusedName, Sweeper, carries_prefix, require_live_name

RUN = "ansiblelive-r1-0-"
OTHER_RUN = "ansiblelive-r0-0-"


@pytest.mark.parametrize(
    "name",
    [
        f"{RUN}partner-orders",
        f"{RUN}partner-orders-rocketmq",
        f"AssumeRole-{RUN}orders-app",
        f"{RUN.upper()}MyRole",
        f"assumerole-{RUN}alice",
    ],
)
def test_the_guard_lets_through_only_names_with_the_prefix(name):
    assert require_live_name(name, RUN) == name and require_live_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "partner-orders",
        "admin",
        "AliyunMQFullAccess",
        "AssumeRole-orders-app",
        PREFIX_ROOT,
        RUN,
        f"x{RUN}role",
        f"AssumeRole-x{RUN}",
        f"Custom-{RUN}role",
        "",
        None,
    ],
)
def test_the_guard_refuses_every_other_name(name):
    with pytest.raises(RefusedName):
        require_live_name(name, RUN)
    assert not carries_prefix(name, RUN)


def test_the_guard_cannot_be_widened():
    for prefix in ("", "a", "partner-", "ansiblelive"):
        with pytest.raises(ValueError):
            carries_prefix("partner-orders", prefix)
        with pytest.raises(ValueError):
            Sweeper(FakeRam({}), prefix)
    assert not carries_prefix(f"{OTHER_RUN}role", RUN) and carries_prefix(f"{OTHER_RUN}role", PREFIX_ROOT)


class FakeRam(live_cloud.Ram):
    """live_cloud.Ram with an in-memory account behind it: the guard of ``write`` is the real one; the transport
    (``read``, through which every call goes) answers from ``account`` and records each call."""

    def __init__(self, account):  # pylint: disable=super-init-not-called  # no SDK client: read() is the transport
        self.account = Account("a", "1000000000000001", "AK", "secret")
        self.counter, self.dry_run = {}, False
        self.state = account
        self.calls = []

    def read(self, action, **params):
        self.calls.append((action, params))
        state = self.state
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            raise AssertionError(f"the fake RAM has no {action}")
        return handler(state, **params)

    @staticmethod
    def _ListRoles(state, **_):
        return {"Roles": {"Role": [{"RoleName": name} for name in state["roles"]]}, "IsTruncated": False}

    @staticmethod
    def _ListUsers(state, **_):
        return {"Users": {"User": [{"UserName": name} for name in state["users"]]}, "IsTruncated": False}

    @staticmethod
    def _ListPolicies(state, **_):
        return {"Policies": {"Policy": [{"PolicyName": name} for name in state["policies"]]}, "IsTruncated": False}

    @staticmethod
    def _policy_items(names):
        return {
            "Policies": {
                "Policy": [
                    {"PolicyName": name, "PolicyType": "System" if name.startswith("Aliyun") else "Custom"}
                    for name in names
                ]
            }
        }

    def _ListPoliciesForRole(self, state, RoleName):
        return self._policy_items(state["roles"][RoleName])

    def _ListPoliciesForUser(self, state, UserName):
        return self._policy_items(state["users"][UserName]["policies"])

    @staticmethod
    def _ListGroupsForUser(state, UserName):
        return {"Groups": {"Group": [{"GroupName": name} for name in state["users"][UserName].get("groups", [])]}}

    @staticmethod
    def _ListAccessKeys(state, UserName):
        return {"AccessKeys": {"AccessKey": [{"AccessKeyId": key} for key in state["users"][UserName]["keys"]]}}

    @staticmethod
    def _ListEntitiesForPolicy(state, PolicyName, PolicyType):
        assert PolicyType == "Custom"
        roles = [name for name, attached in state["roles"].items() if PolicyName in attached]
        users = [name for name, user in state["users"].items() if PolicyName in user["policies"]]
        return {
            "Roles": {"Role": [{"RoleName": name} for name in roles]},
            "Users": {"User": [{"UserName": name} for name in users]},
            "Groups": {"Group": []},
        }

    @staticmethod
    def _ListPolicyVersions(state, PolicyName, PolicyType):
        versions = state["policies"][PolicyName]
        return {
            "PolicyVersions": {
                "PolicyVersion": [{"VersionId": v, "IsDefaultVersion": v == versions[-1]} for v in versions]
            }
        }

    @staticmethod
    def _DetachPolicyFromRole(state, RoleName, PolicyName, PolicyType):
        state["roles"][RoleName].remove(PolicyName)
        return {}

    @staticmethod
    def _DetachPolicyFromUser(state, UserName, PolicyName, PolicyType):
        state["users"][UserName]["policies"].remove(PolicyName)
        return {}

    @staticmethod
    def _DeleteRole(state, RoleName):
        assert not state["roles"][RoleName], "RAM refuses to delete a role with attachments"
        del state["roles"][RoleName]
        return {}

    @staticmethod
    def _DeleteAccessKey(state, UserName, UserAccessKeyId):
        state["users"][UserName]["keys"].remove(UserAccessKeyId)
        return {}

    @staticmethod
    def _DeleteUser(state, UserName):
        user = state["users"][UserName]
        assert not user["keys"] and not user["policies"], "RAM refuses to delete a user with keys or attachments"
        del state["users"][UserName]
        return {}

    @staticmethod
    def _DeletePolicyVersion(state, PolicyName, VersionId):
        state["policies"][PolicyName].remove(VersionId)
        return {}

    @staticmethod
    def _DeletePolicy(state, PolicyName):
        assert state["policies"][PolicyName] == [state["policies"][PolicyName][-1]], (
            "RAM refuses a policy with old versions"
        )
        del state["policies"][PolicyName]
        return {}

    @staticmethod
    def _TagResources(state, ResourceType, ResourceNames, Tag):
        state.setdefault("tags", []).append((ResourceType, tuple(ResourceNames), tuple(tag["Key"] for tag in Tag)))
        return {}

    def writes(self):
        return [(action, params) for action, params in self.calls if not action.startswith("List")]


def an_account():
    """Live test resources of this run and of an earlier one, next to the account's own (no prefix)."""
    return {
        "roles": {
            f"{RUN}partner-orders": [f"{RUN}partner-orders-rocketmq", "AliyunMQReadOnlyAccess"],
            f"{OTHER_RUN}partner-orders": [],
            "prod-role": ["AliyunMQFullAccess", "prod-policy"],
        },
        "users": {
            f"{RUN}orders-app": {"keys": ["LTAIapp"], "policies": [f"AssumeRole-{RUN}orders-app"]},
            f"{RUN}alice": {
                "keys": ["LTAIalice", "LTAIextra"],
                "policies": [f"AssumeRole-{RUN}alice", "AliyunMQReadOnlyAccess"],
            },
            f"{RUN}in-a-group": {"keys": [], "policies": [], "groups": ["ops"]},
            "admin": {"keys": ["LTAIadmin"], "policies": ["AdministratorAccess", f"{RUN}shared"]},
        },
        "policies": {
            f"{RUN}partner-orders-rocketmq": ["v1", "v2", "v3"],
            f"AssumeRole-{RUN}orders-app": ["v1"],
            f"AssumeRole-{RUN}alice": ["v1"],
            f"{RUN}shared": ["v1"],
            "prod-policy": ["v1", "v2"],
        },
    }


def test_the_sweep_removes_the_runs_names_and_nothing_else():
    ram = FakeRam(an_account())
    report = Sweeper(ram, RUN).run()
    state = ram.state
    assert sorted(report.removed) == sorted(
        [
            f"role {RUN}partner-orders",
            f"user {RUN}orders-app",
            f"user {RUN}alice",
            f"policy {RUN}partner-orders-rocketmq",
            f"policy AssumeRole-{RUN}orders-app",
            f"policy AssumeRole-{RUN}alice",
        ]
    )
    # The account's own resources, and an earlier run's role (another prefix), are as they were.
    assert state["roles"] == {f"{OTHER_RUN}partner-orders": [], "prod-role": ["AliyunMQFullAccess", "prod-policy"]}
    assert state["users"]["admin"] == {"keys": ["LTAIadmin"], "policies": ["AdministratorAccess", f"{RUN}shared"]}
    assert state["policies"]["prod-policy"] == ["v1", "v2"]
    # A live policy attached to a user that is not a live test's, and a live user in a group, are refused, not forced.
    assert f"{RUN}shared" in state["policies"] and f"{RUN}in-a-group" in state["users"]
    assert any(f"policy {RUN}shared: attached to user admin" in item for item in report.refused)
    assert any(f"user {RUN}in-a-group: member of the group(s) ops" in item for item in report.refused)
    assert report.failed == []
    # Every write the sweep sent named only live names.
    for action, params in ram.writes():
        for key in ("RoleName", "UserName"):
            if key in params:
                assert carries_prefix(params[key], RUN), (action, params)
        if action in ("DeletePolicy", "DeletePolicyVersion"):
            assert carries_prefix(params["PolicyName"], RUN), (action, params)


def test_a_write_without_the_prefix_is_never_sent():
    ram = FakeRam(an_account())
    for action, subject, params in [
        ("DeleteRole", "prod-role", {"RoleName": "prod-role"}),
        ("DeleteUser", "admin", {"UserName": "admin"}),
        ("DetachPolicyFromUser", "admin", {"UserName": "admin", "PolicyName": f"{RUN}shared", "PolicyType": "Custom"}),
        ("TagResources", [f"{RUN}partner-orders", "prod-role"], {"ResourceType": "role"}),
    ]:
        with pytest.raises(RefusedName):
            ram.write(action, subject, **params)
    assert ram.calls == [] and ram.state == an_account()


def test_the_per_test_sweep_keeps_the_partner_user_and_its_key_and_a_leftover_sweep_spares_the_current_run():
    ram = FakeRam(an_account())
    Sweeper(ram, RUN, keep_users={f"{RUN}alice": {"LTAIalice"}}).run()
    assert ram.state["users"][f"{RUN}alice"] == {"keys": ["LTAIalice"], "policies": []}

    ram = FakeRam(an_account())
    report = Sweeper(ram, PREFIX_ROOT, exclude=RUN).run()
    assert report.removed == [f"role {OTHER_RUN}partner-orders"]
    assert f"{RUN}partner-orders" in ram.state["roles"]


def test_tagging_tags_each_live_role_and_policy_once():
    ram = FakeRam(an_account())
    tagged = set()
    live_cloud.tag_live(ram, RUN, "r1", tagged)
    live_cloud.tag_live(ram, RUN, "r1", tagged)
    tags = ram.state["tags"]
    assert [(kind, names) for kind, names, _keys in tags] == [
        ("role", (f"{RUN}partner-orders",)),
        (
            "policy",
            (f"AssumeRole-{RUN}alice", f"AssumeRole-{RUN}orders-app", f"{RUN}partner-orders-rocketmq", f"{RUN}shared"),
        ),
    ]
    assert all(keys == ("created-by", live_cloud.RUN_TAG) for _kind, _names, keys in tags)


COMPLETE = {
    live_cloud.OPT_IN: "yes",
    "LIVE_ACCOUNT_A_UID": "1234567890123456",
    "LIVE_ACCOUNT_A_ACCESS_KEY_ID": "LTAIa",
    "LIVE_ACCOUNT_A_ACCESS_KEY_SECRET": "a-secret",
    "LIVE_ACCOUNT_B_UID": "6543210987654321",
    "LIVE_ACCOUNT_B_ACCESS_KEY_ID": "LTAIb",
    "LIVE_ACCOUNT_B_ACCESS_KEY_SECRET": "b-secret",
    "LIVE_REGION": "cn-shanghai",
    "LIVE_MQ_INSTANCE_ID": "MQ_INST_1234567890123456_BXabcdef",
    "LIVE_MQ_HTTP_ENDPOINT": "http://1234567890123456.mqrest.cn-shanghai.aliyuncs.com",
}


def test_an_empty_environment_is_refused_naming_every_variable():
    with pytest.raises(live_cloud.LiveConfigError) as refused:
        live_cloud.load_config({})
    message = str(refused.value)
    assert message.startswith("Live mode is not configured, so nothing was created:")
    for name, _meaning in live_cloud.RUN_VARIABLES:
        assert f"{name} " in message or f"{name} is not" in message, name


@pytest.mark.parametrize(
    "change, expected",
    [
        ({live_cloud.OPT_IN: "y"}, f"{live_cloud.OPT_IN} is not 'yes'"),
        ({"LIVE_ACCOUNT_B_UID": "1234567890123456"}, "must be different accounts"),
        ({"LIVE_ACCOUNT_A_UID": "12345"}, "LIVE_ACCOUNT_A_UID must be a 16-digit account UID"),
        (
            {"LIVE_ACCOUNT_C_UID": "1111111111111111"},
            "LIVE_ACCOUNT_C_ACCESS_KEY_ID, LIVE_ACCOUNT_C_ACCESS_KEY_SECRET not set (account C takes all three or none)",
        ),
        (
            {"LIVE_MQ_HTTP_ENDPOINT": "1234567890123456.mqrest.cn-shanghai.aliyuncs.com"},
            "LIVE_MQ_HTTP_ENDPOINT must be an http(s):// URL",
        ),
        ({"LIVE_RUN_ID": "Run-1"}, "LIVE_RUN_ID must be 1 to 8 lower-case letters or digits"),
    ],
)
def test_a_wrong_value_is_refused_with_what_is_wrong(change, expected):
    with pytest.raises(live_cloud.LiveConfigError) as refused:
        live_cloud.load_config({**COMPLETE, **change})
    assert expected in str(refused.value)


def test_a_complete_environment_gives_the_accounts_the_instance_and_public_endpoints():
    config = live_cloud.load_config({**COMPLETE, "LIVE_RUN_ID": "ab12"})
    assert sorted(config.accounts) == ["a", "b"] and config.accounts["b"].uid == "6543210987654321"
    assert (config.region, config.endpoint_url, config.run_id, config.wait_for_role) == (
        "cn-shanghai",
        None,
        "ab12",
        60,
    )
    assert (config.mq.topic, config.mq.other_topic, config.mq.group, config.mq.other_group) == (
        "orders",
        "payments",
        "GID_orders_consumer",
        "GID_payments_consumer",
    )
    assert "a-secret" not in repr(config), "secrets stay out of reprs (and so out of assertion messages)"
    assert live_cloud.load_config(
        {
            "LIVE_ACCOUNT_A_UID": "1234567890123456",
            "LIVE_ACCOUNT_A_ACCESS_KEY_ID": "k",
            "LIVE_ACCOUNT_A_ACCESS_KEY_SECRET": "s",
            "LIVE_ACCOUNT_B_UID": "6543210987654321",
            "LIVE_ACCOUNT_B_ACCESS_KEY_ID": "k",
            "LIVE_ACCOUNT_B_ACCESS_KEY_SECRET": "s",
        },
        purpose="cleanup",
    )


def scrubbed_environment():
    """This process's environment without any live-mode variable."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LIVE_", "ALIBABA_CLOUD_", "ALICLOUD_")) and key != live_cloud.TARGET_VARIABLE
    }


def test_the_check_command_exits_non_zero_and_says_what_to_set():
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "integration" / "live_cloud.py"), "check"],
        capture_output=True,
        text=True,
        env=scrubbed_environment(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert (
        "nothing was created" in proc.stderr
        and "LIVE_ACCOUNT_A_ACCESS_KEY_ID" in proc.stderr
        and live_cloud.OPT_IN in proc.stderr
    )


def test_make_test_live_without_the_variables_fails_before_any_test():
    """`make test-live` stops at the check (no pytest run, no API call) with the message of the check."""
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), "test-live"],
        capture_output=True,
        text=True,
        env=scrubbed_environment(),
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert "Live mode is not configured, so nothing was created" in proc.stderr
    assert "pytest" not in proc.stdout.split("live_cloud.py check", 1)[-1], "pytest ran after a failed check"


def test_the_readme_shows_the_policies_the_harness_generates():
    readme = (REPO / "README.md").read_text()
    policies = live_cloud.least_privilege_policies()
    for letter in ("a", "b"):
        rendered = live_cloud.render_policy(policies[letter])
        assert json.loads(rendered) == policies[letter]
        assert rendered in readme, (
            f"README.md does not show the current policy of key {letter.upper()}: "
            "paste the output of `.venv/bin/python tests/integration/live_cloud.py policies`"
        )


def test_resource_names_carry_the_prefix_only_in_live_mode():
    assert resource_name("partner-orders") == NAME_PREFIX + "partner-orders"
    assert (NAME_PREFIX == "") is (not LIVE)
    if LIVE:
        assert carries_prefix(resource_name("partner-orders"), live_cloud.run_prefix(os.environ["LIVE_RUN_ID"]))


def test_in_live_mode_any_use_of_the_emulator_fails_the_test_naming_the_marker():
    stand_in = NoEmulator("tests/integration/test_x.py::test_y")
    for name in ("calls", "admin", "reset_calls", "decisions", "advance_clock", "url", "endpoint"):
        with pytest.raises(
            AssertionError,
            match=rf"test_y uses the emulator \({name}\) in live mode: mark it @pytest.mark.emulator_only",
        ):
            getattr(stand_in, name)
