"""``module_defaults: group/apsaramq.cross_account.all`` sets credentials and the endpoint for every module of a play.

The environment points ALIBABA_CLOUD_ENDPOINT_URL at a closed port, so a task only reaches the emulator if the
group defaults gave it ``endpoint_url``; each play signs as a different identity, checked in the emulator's call log.
"""

import pytest
import yaml
from conftest import ACCOUNTS

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
ROLE_ARN = f"acs:ram::{A}:role/partner-operator"
CLOSED_PORT_URL = "http://127.0.0.1:9"


def jinja(expression):
    return "{{ " + expression + " }}"


def play(name, credentials, tasks, session=False):
    """A play whose group defaults give every module of the collection the emulator URL and the AccessKey pair (and,
    for an STS ``session``, the token) of the variable ``credentials``."""
    options = ("access_key_id", "access_key_secret") + (("security_token",) if session else ())
    defaults = {option: jinja(f"{credentials}.{option}") for option in options}
    defaults["endpoint_url"] = jinja("emulator_url")
    return {
        "name": name,
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/apsaramq.cross_account.all": defaults},
        "tasks": tasks,
    }


ROLE_READER = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["ram:GetRole", "ram:ListPoliciesForRole"], "Resource": "*"}],
}
PLAYBOOK = yaml.safe_dump(
    [
        play(
            "Account A's administrator",
            "account_a.admin",
            [
                {
                    "name": "policy",
                    "apsaramq.cross_account.ram_policy": {"name": "role-reader", "document": ROLE_READER},
                },
                {"name": "policy info", "apsaramq.cross_account.ram_policy_info": {"name": "role-reader"}},
                {
                    "name": "role",
                    "apsaramq.cross_account.ram_role": {
                        "name": "partner-operator",
                        "trusted_accounts": ["{{ account_b.uid }}"],
                        "policies": ["Custom:role-reader"],
                    },
                },
                {"name": "role info", "apsaramq.cross_account.ram_role_info": {"name": "partner-operator"}},
            ],
        ),
        play(
            "Account B's administrator",
            "account_b.admin",
            [
                {
                    "name": "grant",
                    "apsaramq.cross_account.ram_user_grant": {
                        "user_name": "alice",
                        "create_user": False,
                        "role_arns": ["acs:ram::{{ account_a.uid }}:role/partner-operator"],
                    },
                },
            ],
        ),
        play(
            "Alice",
            "account_b.alice",
            [
                {
                    "name": "assume",
                    "apsaramq.cross_account.sts_assume": {
                        "role_arn": "acs:ram::{{ account_a.uid }}:role/partner-operator",
                        "session_name": "alice-defaults",
                    },
                    "register": "assumed",
                },
            ],
        ),
        play(
            "Alice acting in account A through the role",
            "assumed.sts_creds",
            [
                {"name": "as the role", "apsaramq.cross_account.ram_role_info": {"name": "partner-operator"}},
            ],
            session=True,
        ),
    ],
    sort_keys=False,
)


@pytest.mark.emulator_only("the call log names who signed; endpoint_url is the emulator's")
def test_group_defaults_reach_every_module(emu, run_playbook):
    run = run_playbook(PLAYBOOK, env={"ALIBABA_CLOUD_ENDPOINT_URL": CLOSED_PORT_URL})
    assert run.result("role")["role"]["policies"] == [{"policy_name": "role-reader", "policy_type": "Custom"}]
    assert run.result("role info")["roles"][0]["arn"] == ROLE_ARN
    assert run.result("as the role")["roles"][0]["arn"] == ROLE_ARN

    identities = {}
    for call in emu.calls()["calls"]:
        identities.setdefault(call["action"], set()).add(call["identity"])
    assert identities["CreateRole"] == identities["AttachPolicyToRole"] == {f"acs:ram::{A}:user/admin"}
    assert identities["CreatePolicy"] == {f"acs:ram::{A}:user/admin", f"acs:ram::{B}:user/admin"}, (
        "A's policy, then B's grant policy"
    )
    assert identities["AttachPolicyToUser"] == {f"acs:ram::{B}:user/admin"}
    assert identities["AssumeRole"] == {f"acs:ram::{B}:user/alice"}
    assert f"acs:ram::{A}:assumed-role/partner-operator/alice-defaults" in identities["GetRole"]
