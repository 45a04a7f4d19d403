"""The revoke role's sweep mode on a seeded Account A: it deletes exactly the expired roles the collection tagged as its
own, with their managed custom policies (and a managed policy that expired on its own), and leaves an unexpired managed
role, a managed role without expiry, an expired but untagged role, a hand-made policy and a managed policy still used
elsewhere. --check lists the same and writes nothing; a second run changes nothing."""

import pytest
from conftest import ACCOUNTS, resource_name
from test_roles import play, playbook, ram_state, show

pytestmark = pytest.mark.emulator_only("the emulator's state and call counters; a sweep acts on the whole account")

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")
MANAGED = {"managed-by": "apsaramq.cross_account"}
PAST, FUTURE = "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"
EXPIRED, LIVE, FOREVER, UNTAGGED = (
    resource_name(name) for name in ("sweep-expired", "sweep-live", "sweep-forever", "sweep-untagged")
)
EXPIRED_POLICY, SHARED_POLICY, ORPHAN_POLICY, HAND_POLICY = (
    resource_name(name) for name in ("sweep-expired-orders", "sweep-shared", "sweep-orphan", "sweep-hand-made")
)
DOCUMENT = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "mq:QueryInstanceBaseInfo", "Resource": "acs:mq:*:*:MQ_INST_x"}],
}


def policy(name, tags=None):
    return {
        "name": f"policy {name}",
        "apsaramq.cross_account.ram_policy": {"name": name, "document": DOCUMENT, **({"tags": tags} if tags else {})},
    }


def role(name, partner, tags, policies, expires_at=None):
    options = {"name": name, "trusted_accounts": [partner], "tags": tags, "policies": policies}
    return {
        "name": f"role {name}",
        "apsaramq.cross_account.ram_role": {**options, **({"expires_at": expires_at} if expires_at else {})},
    }


SEED = [
    policy(EXPIRED_POLICY, {**MANAGED, "partner": B}),
    policy(SHARED_POLICY, MANAGED),
    policy(ORPHAN_POLICY, {**MANAGED, "expires-at": PAST}),
    policy(HAND_POLICY),
    role(
        EXPIRED,
        B,
        {**MANAGED, "partner": B},
        [EXPIRED_POLICY, SHARED_POLICY, HAND_POLICY, "System:AliyunMQReadOnlyAccess"],
        PAST,
    ),
    role(LIVE, C, {**MANAGED, "partner": C}, [SHARED_POLICY], FUTURE),
    role(FOREVER, C, {**MANAGED, "partner": C}, []),
    role(UNTAGGED, B, {"expires-at": PAST}, [HAND_POLICY]),  # expired, but not ours: never swept
]
SWEEP = ("revoke", {"revoke_mode": "sweep"})


def test_sweep_deletes_exactly_the_expired_managed_roles_and_their_policies(run_playbook, emu):
    run_playbook(playbook(play("account_a", tasks=SEED)))
    before = ram_state(emu, A)
    assert {EXPIRED, LIVE, FOREVER, UNTAGGED} <= set(before["roles"])

    emu.reset_calls()
    predicted = run_playbook(playbook(play("account_a", SWEEP, tasks=show("revoke_result"))), check=True).result(
        "show revoke_result"
    )
    assert emu.calls(product="ram")["writes"] == 0 and ram_state(emu, A)["roles"].keys() == before["roles"].keys()
    expected = predicted["revoke_result"]
    assert [entry["role_name"] for entry in expected["swept"]] == [EXPIRED] and expected["swept"][0]["gone"] is None
    assert expected["proofs"] == {}

    swept = run_playbook(playbook(play("account_a", SWEEP, tasks=show("revoke_result")))).result("show revoke_result")[
        "revoke_result"
    ]
    assert swept["swept"] == [
        {"role_name": EXPIRED, "expires_at": PAST, "partners": [B], "policies": [EXPIRED_POLICY], "gone": True}
    ]
    assert sorted((p["policy_name"], p["gone"]) for p in swept["deleted_policies"]) == sorted(
        [(EXPIRED_POLICY, True), (ORPHAN_POLICY, True)]
    )
    assert swept["kept_policies"] == [
        {
            "policy_name": SHARED_POLICY,
            "reason": f"attached to the expired role {EXPIRED}",
            "attached_to": [f"role {LIVE}"],
        }
    ]
    assert swept["remaining"] == sorted(
        [{"role_name": LIVE, "expires_at": FUTURE}, {"role_name": FOREVER, "expires_at": None}],
        key=lambda entry: entry["role_name"],
    )
    assert swept["proofs"] == {"swept_gone": "proven"}
    assert [p["policy_name"] for p in expected["deleted_policies"]] == [
        p["policy_name"] for p in swept["deleted_policies"]
    ], "check mode listed the policies that went"

    after = ram_state(emu, A)
    assert set(before["roles"]) - set(after["roles"]) == {EXPIRED}, "exactly the expired managed role is gone"
    assert set(before["policies"]) - set(after["policies"]) == {EXPIRED_POLICY, ORPHAN_POLICY}
    assert {SHARED_POLICY, HAND_POLICY} <= set(after["policies"]) and UNTAGGED in after["roles"]

    emu.reset_calls()
    again = run_playbook(playbook(play("account_a", SWEEP)))
    assert again.stats["changed"] == 0 and emu.calls(product="ram")["writes"] == 0
