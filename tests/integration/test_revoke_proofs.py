"""The revoke role's proofs: each mode passes with the inputs playbooks/demo.yml gives after a real revocation, and
each proof FAILS when access was left in place or when its evidence is not the service's authorization refusal
(unknown AccessKey, wrong secret, unreachable endpoint, throttling beyond the retries)."""

import json

import pytest
from conftest import ACCOUNTS, resource_name
from test_roles import (
    ALLOWED,
    INSTANCE,
    ROLE,
    ROLE_ARN,
    access,
    operator,
    owner,
    play,
    playbook,
    ram_state,
    role_task,
    show,
)

# The trust-mode tests set up a second partner, C, which live mode has only when LIVE_ACCOUNT_C_* are set.
pytestmark = [pytest.mark.shares_mq_topics]
NEEDS_C = pytest.mark.needs_account_c

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")
APP_B, APP_C = resource_name("app-b"), resource_name("app-c")
NEW_SESSION_TASK = "A new AssumeRole of the revoked partner is refused"
OLD_SESSION_TASK = "A session issued before the revocation can no longer use RocketMQ"
# Proofs retry only while access is allowed; tests keep that wait short.
FAST = {"revoke_proof_retries": 1, "revoke_proof_delay": 1}


def key_of(keys, user):
    key = json.loads((keys / f"{user}.json").read_text())
    return {"access_key_id": key["AccessKeyId"], "access_key_secret": key["AccessKeySecret"]}


def set_up(run_playbook, tmp_path, trusted=(B,), **owner_extra):
    """A's role trusted by ``trusted``; B's application app-b and, when C is trusted, C's app-c, with their AccessKeys."""
    keys_b, keys_c = tmp_path / "b", tmp_path / "c"
    partners = [play("account_b", operator(keys_b, [{"name": APP_B, "kind": "application"}]))]
    if C in trusted:
        partners.append(play("account_c", operator(keys_c, [{"name": APP_C, "kind": "application"}])))
    run_playbook(playbook(play("account_a", owner(trusted=trusted, **owner_extra)), *partners))
    return keys_b, keys_c


def proof_inputs(keys_b, mode, **extra):
    """What demo.yml hands the revoke role: B's AccessKey, B's session from before, the operations to refuse."""
    return {
        "revoke_role_name": ROLE,
        "revoke_mode": mode,
        "revoke_verify_credentials": key_of(keys_b, APP_B),
        "revoke_verify_session": "{{ operator_access_credentials }}",
        "revoke_verify_instance_id": INSTANCE,
        "revoke_verify_expect_denied": ALLOWED,
        **FAST,
        **extra,
    }


def session_of_b(keys_b, **extra):
    """B's application takes a session first (facts of localhost carry over to the next play)."""
    return play("account_b", access(keys_b / f"{APP_B}.json", **extra), name="B takes a session")


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("trust", marks=NEEDS_C),
        pytest.param("policies", marks=pytest.mark.emulator_only("emulator state")),
        "delete",
    ],
)
def test_every_mode_passes_its_proofs_with_the_demo_inputs_after_a_real_revocation(run_playbook, emu, tmp_path, mode):
    keys_b, keys_c = set_up(run_playbook, tmp_path, trusted=(B, C) if mode == "trust" else (B,))
    extra = (
        {"revoke_accounts": [B], "revoke_verify_remaining_credentials": key_of(keys_c, APP_C)}
        if mode == "trust"
        else {}
    )
    revoke = play("account_a", ("revoke", proof_inputs(keys_b, mode, **extra)), tasks=show("revoke_result"))
    run = run_playbook(playbook(session_of_b(keys_b), revoke))
    result = run.result("show revoke_result")["revoke_result"]
    expected = {
        "trust": {"new_session", "remaining_partner"},
        "policies": {"new_session", "old_session"},
        "delete": {"new_session", "old_session", "role_deleted"},
    }[mode]
    assert set(result["proofs"]) == expected and set(result["proofs"].values()) == {"proven"}
    assert result["new_session_refused"] is True and result["old_session_refused"] is (mode != "trust")
    if mode != "trust":
        assert "Unknown error" not in run.output
    if mode == "policies":
        assert ROLE in ram_state(emu, A)["roles"], "policies mode keeps the role and its trust"
        assert role_task(run, "The new session can no longer use RocketMQ")["summary"]["denied"] == len(ALLOWED)


@pytest.mark.parametrize("mode", ["trust", "policies", "delete"])
def test_the_proofs_fail_when_nothing_was_revoked(run_playbook, tmp_path, mode):
    """tasks_from: prove on a role whose access is intact: the audit must fail, naming what is still allowed."""
    keys_b, _keys_c = set_up(run_playbook, tmp_path)
    inputs = proof_inputs(keys_b, mode, revoke_role_arn=ROLE_ARN)
    run = run_playbook(
        playbook(session_of_b(keys_b), play("account_a", ("revoke", inputs, {"tasks_from": "prove"}))), expect_rc=2
    )
    if mode == "policies":
        failed = role_task(run, "The new session can no longer use RocketMQ")
        assert failed["summary"]["allowed"] == len(ALLOWED) and "expected denied" in failed["msg"]
    else:
        failed = role_task(run, NEW_SESSION_TASK)
        assert failed["outcome"] == "allowed" and "was allowed, expected denied" in failed["msg"]
        assert "sts_creds" not in failed, "a session that should not exist is never handed out"


@pytest.mark.emulator_only("emulator state")
def test_a_trust_revocation_that_leaves_the_partner_trusted_by_arn_fails_its_proof(run_playbook, emu, tmp_path):
    """B's account leaves the trust, but app-b is still trusted by its own ARN: access was left in place."""
    keys_b, _keys_c = set_up(run_playbook, tmp_path, owner_setup_trusted_ram_arns=[f"acs:ram::{B}:user/{APP_B}"])
    run = run_playbook(
        playbook(
            play(
                "account_a", ("revoke", proof_inputs(keys_b, "trust", revoke_accounts=[B], revoke_verify_session=None))
            )
        ),
        expect_rc=2,
    )
    assert role_task(run, NEW_SESSION_TASK)["outcome"] == "allowed"
    assert (
        f"acs:ram::{B}:user/{APP_B}"
        in json.loads(ram_state(emu, A)["roles"][ROLE]["AssumeRolePolicyDocument"])["Statement"][0]["Principal"]["RAM"]
    )


def test_a_second_policy_still_attached_fails_the_policies_proof(run_playbook, tmp_path):
    """Only the custom policy is detached by hand; a system policy granting the same rights stays: the audit fails."""
    keys_b, _keys_c = set_up(run_playbook, tmp_path, owner_setup_system_policies=["AliyunMQFullAccess"])
    detach_custom = {
        "name": "detach only the custom policy",
        "apsaramq.cross_account.ram_role": {
            "name": ROLE,
            "policies": ["System:AliyunMQFullAccess"],
            "purge_policies": True,
        },
    }
    inputs = proof_inputs(keys_b, "policies", revoke_role_arn=ROLE_ARN)
    # AliyunMQFullAccess grants more than the custom policy: B's session is not refused the other topics.
    session = session_of_b(keys_b, operator_access_expect_denied=[])
    run = run_playbook(
        playbook(
            session,
            play("account_a", tasks=[detach_custom], name="a partial revocation by hand"),
            play("account_a", ("revoke", inputs, {"tasks_from": "prove"})),
        ),
        expect_rc=2,
    )
    assert role_task(run, "The new session can no longer use RocketMQ")["summary"]["allowed"] == len(ALLOWED)


WRONG_EVIDENCE = {
    "unknown AccessKey": (
        {"access_key_id": "LTAI-does-not-exist", "access_key_secret": "whatever"},
        {},
        "InvalidAccessKeyId",
    ),
    "wrong secret": ({"access_key_secret": "wrong-secret"}, {}, "SignatureDoesNotMatch"),
    "unreachable STS": (
        {},
        {"sts_endpoint": "http://127.0.0.1:9", "connect_timeout": 0.5, "retry_max_attempts": 2},
        "ConnectionError",
    ),
    "throttled beyond the retries": ({}, {"retry_max_attempts": 2}, "Throttling"),
}


@pytest.mark.emulator_only("fault injection")
def test_the_new_session_proof_fails_on_wrong_evidence(run_playbook, emu, tmp_path):
    """After a REAL trust revocation, evidence that is not STS's refusal must not pass as one; the right evidence does."""
    keys_b, _keys_c = set_up(
        run_playbook, tmp_path, trusted=(B, C)
    )  # C stays trusted: B alone may not be revoked by trust
    run_playbook(
        playbook(
            play("account_a", ("revoke", {"revoke_role_name": ROLE, "revoke_mode": "trust", "revoke_accounts": [B]}))
        )
    )
    b_key = key_of(keys_b, APP_B)
    for case, (credentials, defaults, code) in WRONG_EVIDENCE.items():
        inputs = proof_inputs(
            keys_b,
            "trust",
            revoke_role_arn=ROLE_ARN,
            revoke_verify_session=None,
            revoke_verify_credentials=dict(b_key, **credentials),
        )
        prove = play("account_a", ("revoke", inputs, {"tasks_from": "prove"}))
        prove["module_defaults"]["group/apsaramq.cross_account.all"].update(defaults)
        if case == "throttled beyond the retries":
            emu.admin("POST", "faults", {"throttle_rate": 1.0, "products": ["sts"]})
        run = run_playbook(playbook(prove), expect_rc=2)
        emu.admin("POST", "faults", {"throttle_rate": 0.0})
        failed = role_task(run, NEW_SESSION_TASK)
        assert failed["outcome"] == "error" and code in failed["msg"] and "expected denied" in failed["msg"], case
        assert failed["reason"], f"{case}: the failure says why this proves nothing"
        assert b_key["access_key_secret"] not in run.output
    proven = run_playbook(
        playbook(
            play(
                "account_a",
                (
                    "revoke",
                    proof_inputs(keys_b, "trust", revoke_role_arn=ROLE_ARN, revoke_verify_session=None),
                    {"tasks_from": "prove"},
                ),
                tasks=show("revoke_proofs"),
            )
        )
    )
    assert proven.result("show revoke_proofs")["revoke_proofs"] == {"new_session": "proven"}
