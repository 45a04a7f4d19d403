"""The revoke role: one of two partners revoked while the other keeps working (the revoked partner's running session
lasts until it expires, the documented limit of a trust revocation); a full revocation leaves no role, no custom policy
and no working token, and Account B's clean-up removes its users' grants; --check --diff previews a trust revocation
without writing."""

import json

import pytest
from conftest import ACCOUNTS
from test_roles import (
    ALLOWED,
    INSTANCE,
    POLICY,
    ROLE,
    access,
    operator,
    owner,
    play,
    playbook,
    ram_state,
    read_back,
    role_task,
    show,
)

pytestmark = pytest.mark.emulator_only("emulator state and call counters")

A, B, C = (ACCOUNTS[f"account_{letter}"]["uid"] for letter in "abc")


def root(uid):
    """The trust policy principal of a whole partner account."""
    return f"acs:ram::{uid}:root"


def ram_principals(trust_document):
    return trust_document["Statement"][0]["Principal"]["RAM"]


def stored_trust(emu):
    """The trust document of the role as the emulator holds it (a JSON string, compared verbatim)."""
    return ram_state(emu, A)["roles"][ROLE]["AssumeRolePolicyDocument"]


def test_revoking_one_of_two_partners_keeps_the_other_working(run_playbook, emu, tmp_path):
    keys_b, keys_c = tmp_path / "b", tmp_path / "c"
    run_playbook(
        playbook(
            play("account_a", owner(trusted=(B, C))),
            play("account_b", operator(keys_b, [{"name": "app-b", "kind": "application"}])),
            play("account_c", operator(keys_c, [{"name": "app-c", "kind": "application"}])),
        )
    )
    key_b = json.loads((keys_b / "app-b.json").read_text())
    revoke_b = (
        "revoke",
        {
            "revoke_role_name": ROLE,
            "revoke_mode": "trust",
            "revoke_accounts": [B],
            "revoke_verify_credentials": {
                "access_key_id": key_b["AccessKeyId"],
                "access_key_secret": key_b["AccessKeySecret"],
            },
        },
    )
    # B takes a session first: trust is checked when a session starts, so that session keeps the role's rights.
    old_session = {
        "name": "B's session from before",
        "apsaramq.cross_account.rocketmq_access_check": {
            "access_key_id": "{{ operator_access_credentials.access_key_id }}",
            "access_key_secret": "{{ operator_access_credentials.access_key_secret }}",
            "security_token": "{{ operator_access_credentials.security_token }}",
            "instance_id": INSTANCE,
            "expect_allowed": ALLOWED,
        },
    }
    revoked = run_playbook(
        playbook(
            play("account_b", access(keys_b / "app-b.json")),
            play("account_a", revoke_b, tasks=show("revoke_result") + [old_session]),
        )
    )
    assert revoked.result("show revoke_result")["revoke_result"]["new_session_refused"] is True
    assert revoked.result("B's session from before")["summary"]["allowed"] == 2

    still = run_playbook(
        playbook(play("account_c", access(keys_c / "app-c.json"), tasks=show("operator_access_matrix")))
    )
    assert [row["actual"] for row in still.result("show operator_access_matrix")["operator_access_matrix"]] == [
        "allowed",
        "allowed",
        "denied",
        "denied",
    ]
    refused = run_playbook(playbook(play("account_b", access(keys_b / "app-b.json"))), expect_rc=2)
    assert "NoPermission" in role_task(refused, "Assume the role of Account A")["msg"]

    emu.reset_calls()
    assert (
        run_playbook(playbook(play("account_a", revoke_b))).stats["changed"] == 0
        and emu.calls(product="ram")["writes"] == 0
    )
    last = run_playbook(
        playbook(
            play("account_a", ("revoke", {"revoke_role_name": ROLE, "revoke_mode": "trust", "revoke_accounts": [C]}))
        ),
        expect_rc=2,
    )
    assert (
        "would leave partner-orders trusting nobody"
        in role_task(last, "Refuse a trust revocation that would leave the role trusting nobody")["msg"]
    )
    assert emu.calls(product="ram")["writes"] == 0


def test_full_revocation_leaves_no_role_no_custom_policy_and_no_working_token(run_playbook, emu, tmp_path):
    keys = tmp_path / "keys"
    run_playbook(
        playbook(
            play("account_a", owner()),
            play(
                "account_b",
                operator(keys, [{"name": "orders-app", "kind": "application"}]),
                access(keys / "orders-app.json"),
            ),
        )
    )
    key = json.loads((keys / "orders-app.json").read_text())
    revoke_all = (
        "revoke",
        {
            "revoke_role_name": ROLE,
            "revoke_mode": "delete",
            "revoke_verify_credentials": {
                "access_key_id": key["AccessKeyId"],
                "access_key_secret": key["AccessKeySecret"],
            },
            "revoke_verify_session": "{{ operator_access_credentials }}",
            "revoke_verify_instance_id": INSTANCE,
            "revoke_verify_expect_denied": ALLOWED,
        },
    )
    # The session to cut off is issued in the same run (facts of localhost carry over from play to play).
    session = play("account_b", access(keys / "orders-app.json"), name="B's application takes a session")
    emu.reset_calls()
    predicted = run_playbook(playbook(session, play("account_a", revoke_all)), check=True)
    assert predicted.stats["changed"] >= 2 and emu.calls(product="ram")["writes"] == 0
    assert ROLE in ram_state(emu, A)["roles"]

    revoked = run_playbook(playbook(session, play("account_a", revoke_all, tasks=show("revoke_result") + read_back())))
    assert revoked.result("show revoke_result")["revoke_result"] == {
        "role_name": ROLE,
        "mode": "delete",
        "existed": True,
        "new_session_refused": True,
        "old_session_refused": True,
        "proofs": {"new_session": "proven", "old_session": "proven", "role_deleted": "proven"},
    }
    assert revoked.result("role info")["roles"] == [] and revoked.result("policy info")["policies"] == []
    assert ram_state(emu, A)["roles"] == {} and ram_state(emu, A)["policies"] == {}

    cleanup = (
        "revoke",
        {"revoke_operator_users": ["orders-app"], "revoke_remove_users": True, "revoke_access_key_dir": str(keys)},
        {"tasks_from": "operator_cleanup"},
    )
    run_playbook(playbook(play("account_b", cleanup)))
    assert "orders-app" not in ram_state(emu, B)["users"] and not (keys / "orders-app.json").exists()
    emu.reset_calls()
    again = run_playbook(
        playbook(play("account_a", ("revoke", {"revoke_role_name": ROLE})), play("account_b", cleanup))
    )
    assert again.stats["changed"] == 0 and emu.calls()["writes"] == 0


def test_delete_mode_removes_a_named_custom_policy_left_by_a_role_already_gone(run_playbook, emu):
    role_gone = {
        "name": "the role is deleted half-way",
        "apsaramq.cross_account.ram_role": {"name": ROLE, "state": "absent"},
    }
    run_playbook(playbook(play("account_a", owner(), tasks=[role_gone])))
    assert ROLE not in ram_state(emu, A)["roles"] and POLICY in ram_state(emu, A)["policies"]

    finish = playbook(
        play(
            "account_a",
            ("revoke", {"revoke_role_name": ROLE, "revoke_custom_policies": [POLICY]}),
            tasks=show("revoke_result"),
        )
    )
    assert run_playbook(finish).result("show revoke_result")["revoke_result"]["existed"] is False
    assert ram_state(emu, A)["policies"] == {}
    emu.reset_calls()
    assert run_playbook(finish).stats["changed"] == 0 and emu.calls()["writes"] == 0


def test_trust_revocation_in_check_mode_shows_the_partner_leaving_the_trust_and_writes_nothing(run_playbook, emu):
    run_playbook(playbook(play("account_a", owner(trusted=(B, C)))))
    trust_before = stored_trust(emu)
    revoke_b = playbook(
        play("account_a", ("revoke", {"revoke_role_name": ROLE, "revoke_mode": "trust", "revoke_accounts": [B]}))
    )
    emu.reset_calls()
    predicted = run_playbook(revoke_b, check=True, diff=True)
    diff = role_task(predicted, f"Remove the partners from the trust of {ROLE}")["diff"]
    before, after = diff["before"].pop("assume_role_policy_document"), diff["after"].pop("assume_role_policy_document")
    assert (ram_principals(before), ram_principals(after)) == ([root(B), root(C)], [root(C)])
    assert diff["before"] == diff["after"]  # only the trust changes: description, session duration and policies stay
    assert any(line.startswith("-") and root(B) in line for line in predicted.stdout.splitlines())
    assert predicted.stats["changed"] == 1 and emu.calls()["writes"] == 0 and stored_trust(emu) == trust_before

    applied = run_playbook(revoke_b, diff=True)
    assert (
        role_task(applied, f"Remove the partners from the trust of {ROLE}")["diff"]["after"][
            "assume_role_policy_document"
        ]
        == after
    )
    assert ram_principals(json.loads(stored_trust(emu))) == [root(C)]
