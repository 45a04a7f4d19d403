"""owner.yml with one role per partner (owner_setup_partners, from the example inventory's rocketmq_partners): 20
partners in one run, each with its own role, policy and tags, host variables overriding the group's; a second run
changes and writes nothing; a partner removed from the inventory is reported, revoked with owner_setup_exclusive
(check mode first: nothing written), and proven cut off while the others stay as they were and keep working."""

import json

import pytest
from conftest import ACCOUNTS, MQ
from example_inventory import PLAYBOOKS, account_a_env, write_inventory

pytestmark = pytest.mark.emulator_only("emulator state and call counters")

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")
PREFIX = "rmq-"
EXPIRY = "2099-01-01T00:00:00Z"
MANAGED = {"managed-by": "apsaramq.cross_account"}
# B and C are real accounts of the emulator (they can try AssumeRole); the other 18 only need to be named in a trust.
PARTNERS = [
    {"host": "account_b", "uid": B, "alias": "partner-b"},
    {
        "host": "account_c",
        "uid": C,
        "alias": "partner-c",
        "vars": {
            "cross_account_grant": {
                "series": "4.x",
                "instance_id": MQ.instance_id,
                "publish_topics": [MQ.orders, "audit"],
            },
            "cross_account_expires_at": EXPIRY,
        },
    },
    {"host": "partner_no_alias", "uid": "4000000000000099", "alias": ""},
] + [{"host": f"partner_{n:02d}", "uid": f"40000000000000{n:02d}", "alias": f"partner-{n:02d}"} for n in range(3, 20)]
EXCLUSIVE = {"cross_account_role_per_partner": True, "cross_account_role_prefix": PREFIX, "owner_setup_exclusive": True}


def role_name(partner):
    return PREFIX + (partner["alias"] or partner["uid"])


def ram_state(emu):
    return emu.admin("GET", "state")["accounts"][A]["ram"]


def roles_and_policies(emu):
    """``{role name: (role, its custom policy)}`` of the roles with the test's prefix, as the emulator holds them."""
    state = ram_state(emu)
    policies = {policy["PolicyName"]: policy for policy in state["policies"].values()}
    return {
        role["RoleName"]: (role, policies.get(role["RoleName"] + "-rocketmq"))
        for role in state["roles"].values()
        if role["RoleName"].startswith(PREFIX)
    }


def default_document(policy):
    version = next(version for version in policy["versions"] if version["VersionId"] == policy["DefaultVersion"])
    return json.loads(version["PolicyDocument"])


def assume_as(account, partner, expect):
    """A play in which ``account``'s administrator assumes ``partner``'s role in A, expecting ``expect``."""
    return {
        "name": f"{account} assumes {role_name(partner)}",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": f"{account} assumes",
                "apsaramq.cross_account.sts_assume": {
                    "access_key_id": "{{ %s.admin.access_key_id }}" % account,
                    "access_key_secret": "{{ %s.admin.access_key_secret }}" % account,
                    "role_arn": f"acs:ram::{A}:role/{role_name(partner)}",
                    "wait_for_role": 0,
                    "expect": expect,
                },
            }
        ],
    }


def test_one_role_per_partner_for_20_partners_converges_and_an_exclusive_run_revokes_only_the_removed_one(
    run_playbook, emu, tmp_path
):
    owner = PLAYBOOKS / "owner.yml"
    inventory = write_inventory(tmp_path, PARTNERS)
    first = run_playbook(owner, inventory=inventory, env=account_a_env(), extra_vars=EXCLUSIVE)
    assert first.stats["changed"] == 2  # the policy loop and the role loop
    made = roles_and_policies(emu)
    assert sorted(made) == sorted(role_name(partner) for partner in PARTNERS)
    for partner in PARTNERS:
        role, policy = made[role_name(partner)]
        expiry = {"expires-at": EXPIRY} if partner["uid"] == C else {}
        assert role["tags"] == {**MANAGED, "partner": partner["uid"], **expiry}
        assert policy["tags"] == role["tags"]
        trust = json.loads(role["AssumeRolePolicyDocument"])["Statement"]
        assert [statement["Principal"]["RAM"] for statement in trust] == [[f"acs:ram::{partner['uid']}:root"]]
        published = [
            resource
            for statement in default_document(policy)["Statement"]
            if "mq:PUB" in statement["Action"]
            for resource in statement["Resource"]
        ]
        topics = (
            [MQ.orders, "audit"] if partner["uid"] == C else [MQ.orders]
        )  # C's host variables override the group's grant
        assert sorted(published) == sorted(f"acs:mq:*:*:{MQ.instance_id}%{topic}" for topic in topics)
    c_role, c_policy = made[role_name(PARTNERS[1])]
    assert all(
        statement["Condition"]["DateLessThan"] == {"acs:CurrentTime": EXPIRY}
        for statement in json.loads(c_role["AssumeRolePolicyDocument"])["Statement"]
        + default_document(c_policy)["Statement"]
    )
    assert (
        f"{C} (partner-c): role {PREFIX}partner-c, policy {PREFIX}partner-c-rocketmq, access ends {EXPIRY}"
        in first.stdout
    )

    emu.reset_calls()
    again = run_playbook(owner, inventory=inventory, env=account_a_env(), extra_vars=EXCLUSIVE)
    assert again.stats["changed"] == 0 and emu.calls()["writes"] == 0

    # C leaves the inventory: --check reports and predicts the revocation, writes nothing; the real run revokes C only.
    write_inventory(tmp_path, [partner for partner in PARTNERS if partner["uid"] != C])
    predicted = run_playbook(owner, inventory=inventory, env=account_a_env(), extra_vars=EXCLUSIVE, check=True)
    removal = f"{PREFIX}partner-c of partner {C}: no longer in owner_setup_partners; revoked (owner_setup_exclusive)"
    assert removal in predicted.stdout and predicted.stats["changed"] == 2
    assert emu.calls()["writes"] == 0 and roles_and_policies(emu) == made

    revoked = run_playbook(owner, inventory=inventory, env=account_a_env(), extra_vars=EXCLUSIVE)
    assert removal in revoked.stdout and revoked.stats["changed"] == 2
    left = roles_and_policies(emu)
    assert left == {name: pair for name, pair in made.items() if name != role_name(PARTNERS[1])}
    assert f"{PREFIX}partner-c-rocketmq" not in {policy["PolicyName"] for policy in ram_state(emu)["policies"].values()}

    proof = run_playbook(
        json.dumps(
            [
                assume_as("account_c", PARTNERS[1], ["denied", "not_found"]),
                assume_as("account_b", PARTNERS[0], ["allowed"]),
            ],
            indent=1,
        )
        + "\n"
    )
    assert proof.result("account_c assumes")["outcome"] in ("denied", "not_found")
    assert not proof.result("account_b assumes").get("failed")  # expect: allowed
