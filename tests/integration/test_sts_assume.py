"""sts_assume against the emulator: account B's user alice assumes account A's role and uses the credentials.

playbooks/sts_assume_alice.yml: A's admin creates a role trusting B (with an ExternalId), B's admin grants alice
sts:AssumeRole on it (ram_user_grant), alice assumes it, reads the role in A with the temporary credentials, and a
debug task shows the non-secret facts of the registered result.
"""

import json
import os
import stat
import time

import pytest
import yaml
from conftest import ACCOUNTS, document_of_length, resource_name

PLAYBOOK = "sts_assume_alice.yml"
A = ACCOUNTS["account_a"]["uid"]
ROLE = resource_name("partner-operator")  # the playbook's role
ROLE_ARN = f"acs:ram::{A}:role/{ROLE}"
ALICE_SECRET = ACCOUNTS["account_b"]["alice"]["access_key_secret"]
EXTERNAL_ID = "contract-4711"


def assume_calls(emu):
    return [call for call in emu.calls(product="sts")["calls"] if call["action"] == "AssumeRole"]


def read_profile(path, name="owner-a"):
    config = json.loads(path.read_text())
    return next(profile for profile in config["profiles"] if profile["name"] == name), config


def test_alice_assumes_role_and_uses_the_credentials(run_playbook, tmp_path):
    # A CLI configuration with another profile, readable by others: the module keeps the profile and tightens the mode.
    profile_file = tmp_path / ".aliyun" / "config.json"
    profile_file.parent.mkdir()
    profile_file.write_text(
        json.dumps({"current": "mine", "profiles": [{"name": "mine", "mode": "AK", "access_key_id": "AK1"}]})
    )
    profile_file.chmod(0o644)
    run = run_playbook(
        PLAYBOOK,
        {"external_id": EXTERNAL_ID, "profile_file": "~/.aliyun/config.json", "use_profile": True},
        env={"HOME": str(tmp_path)},
    )
    assumed = run.result("Assume")
    assert assumed["changed"] is False
    assert "sts_creds" not in assumed and "censored" in assumed, "callbacks never see the result"

    facts = run.result("Facts")["msg"]
    assert facts["changed"] is False
    assert (
        facts["access_key_id"].startswith("STS.") and facts["has_secret"] and facts["has_token"] and facts["expiration"]
    )
    assert facts["assumed_role_user"]["arn"] == f"{ROLE_ARN}/alice-maintenance"
    assert facts["switch_role"] == {"account_id": A, "role_name": ROLE}
    assert facts["profile"] == {"file": str(profile_file), "name": "owner-a"}, "the path is returned expanded"
    used = run.result("Use")
    assert [role["arn"] for role in used["roles"]] == [ROLE_ARN], "later tasks act in account A with the credentials"
    assert [role["arn"] for role in run.result("Use profile")["roles"]] == [ROLE_ARN], "or with the profile it wrote"

    profile, config = read_profile(profile_file)
    assert stat.S_IMODE(os.stat(profile_file).st_mode) == 0o600
    assert config["current"] == "mine" and [p["name"] for p in config["profiles"]] == ["mine", "owner-a"]
    assert profile["mode"] == "StsToken" and profile["access_key_id"] == facts["access_key_id"]
    for secret in (profile["access_key_secret"], profile["sts_token"]):
        assert secret not in run.stdout + run.stderr

    # The SDKs' own reader accepts the profile: the credentials chain of every Alibaba Cloud SDK can use it.
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider

    read = CLIProfileCredentialsProvider(profile_name="owner-a", profile_file=str(profile_file)).get_credentials()
    assert (read.get_access_key_id(), read.get_security_token()) == (profile["access_key_id"], profile["sts_token"])


@pytest.mark.emulator_only("call counters")
def test_check_mode_assumes_too_and_writes_nothing(emu, run_playbook, tmp_path):
    run_playbook(PLAYBOOK, {"external_id": EXTERNAL_ID})
    emu.reset_calls()
    profile_file = tmp_path / "config.json"
    run = run_playbook(
        PLAYBOOK, {"external_id": EXTERNAL_ID, "profile_file": str(profile_file), "by_name": True}, check=True
    )
    facts = run.result("Facts")["msg"]
    assert facts["changed"] is False and facts["access_key_id"].startswith("STS.")
    assert facts["assumed_role_user"]["arn"] == f"{ROLE_ARN}/alice-maintenance", (
        "account_id + role_name name the same role"
    )
    assert facts["profile_returned"] is False and not profile_file.exists(), "check mode writes no file"
    assert run.result("Use")["roles"], "the credentials work in check mode"
    assert emu.calls(product="ram")["writes"] == 0
    assert len(assume_calls(emu)) == 1


def test_no_secret_or_token_at_verbosity_4(run_playbook, tmp_path):
    profile_file = tmp_path / "config.json"
    run = run_playbook(
        PLAYBOOK, {"external_id": EXTERNAL_ID, "profile_file": str(profile_file)}, verbosity=4, callback="default"
    )
    output = run.output
    profile, _config = read_profile(profile_file)
    assert profile["access_key_id"] in output, "the debug task shows the key id, so the output is the run's"
    assert "the output has been hidden" in output
    # alice's secret read now: in live mode she is made at the start of the session, after this module was imported.
    for secret in (
        profile["access_key_secret"],
        profile["sts_token"],
        ACCOUNTS["account_b"]["alice"]["access_key_secret"],
    ):
        assert secret not in output


@pytest.mark.emulator_only("call counters")
def test_without_a_grant_alice_is_refused_after_a_bounded_wait(emu, run_playbook):
    started = time.monotonic()
    run = run_playbook(PLAYBOOK, {"external_id": EXTERNAL_ID, "grant_alice": False, "wait_for_role": 2}, expect_rc=2)
    failed = run.result("Assume")
    assert "AssumeRole failed: NoPermission" in failed["msg"]
    assert time.monotonic() - started < 30
    # The wait is the client's retry policy with a 2-second budget: every attempt is counted, every pause reported.
    assert failed["attempts"] == len(assume_calls(emu)) >= 2 and failed["error"]["attempts"] == failed["attempts"]
    assert 0 < failed["waited_seconds"] <= 2 and failed["outcome"] == "denied"
    assert f"after {failed['attempts']} attempts" in failed["msg"] and "waited up to 2 s" in failed["msg"]
    assert ALICE_SECRET not in json.dumps(failed)


@pytest.mark.emulator_only("call counters")
def test_a_refusal_expected_as_proof_is_answered_at_once_without_waiting(emu, run_playbook):
    """expect: denied takes STS's first answer: the default wait_for_role does not apply to a proof of refusal."""
    run = run_playbook(PLAYBOOK, {"external_id": EXTERNAL_ID, "grant_alice": False, "expect": "denied"})
    refused = run.result("Assume")
    assert (refused["outcome"], refused["code"], refused["attempts"], refused["waited_seconds"]) == (
        "denied",
        "NoPermission",
        1,
        0,
    )
    assert "sts_creds" not in refused and len(assume_calls(emu)) == 1


@pytest.mark.emulator_only("call counters")
def test_a_file_that_is_no_cli_configuration_is_left_alone(emu, run_playbook, tmp_path):
    profile_file = tmp_path / "config.json"
    profile_file.write_text("[default]\naccess_key_id = AK1\n")
    failed = run_playbook(
        PLAYBOOK, {"external_id": EXTERNAL_ID, "profile_file": str(profile_file)}, expect_rc=2
    ).result("Assume")
    assert failed["msg"].startswith("profile_file: cannot write")
    assert profile_file.read_text() == "[default]\naccess_key_id = AK1\n"
    assert "sts_creds" not in failed and len(assume_calls(emu)) == 1


@pytest.mark.emulator_only("fault injection (propagation delay)")
def test_default_wait_for_role_outlasts_propagation(emu, run_playbook):
    # The role and the grant stay invisible to STS for 7 s after they are written. The assume task comes a second or
    # two after the grant (under a heavy load, up to about 6 s), so it is refused first; the default wait_for_role
    # (10 s) outlasts what is left of the 7 s. Set before the run, the window does not depend on how slow it is.
    emu.admin("POST", "/faults", {"propagation_delay": 7})
    facts = run_playbook(PLAYBOOK, {"external_id": EXTERNAL_ID, "grant_alice": True}).result("Facts")["msg"]
    assert facts["access_key_id"].startswith("STS.")
    statuses = [call["status"] for call in assume_calls(emu)]
    assert statuses[-1] == 200 and statuses[0] in (403, 404), "refused while the grant propagated, then issued"


def session_policy(length):
    """A valid session policy (RAM reads in A) whose compact JSON, as the module sends it, is ``length`` characters."""
    return document_of_length(
        lambda pad: {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["ram:Get*", "ram:List*"],
                    "Resource": ["*", f"acs:ram:*:{A}:role/" + "r" * pad],
                }
            ],
        },
        length,
    )


@pytest.mark.emulator_only("call counters")
def test_a_session_policy_of_2048_characters_is_sent_and_accepted(emu, run_playbook):
    """AssumeRole takes a Policy of 1 to 2,048 characters: the module sends one of 2,048 and the session works."""
    run = run_playbook(PLAYBOOK, {"external_id": EXTERNAL_ID, "session_policy": session_policy(2048)})
    assert run.result("Facts")["msg"]["access_key_id"].startswith("STS.")
    assert [role["arn"] for role in run.result("Use")["roles"]] == [ROLE_ARN], "the session policy allows the reads"
    assert [call["status"] for call in assume_calls(emu)] == [200]


# (case, sts_assume options, the option the error message must start with)
BAD_INPUT = [
    ("bad ARN", {"role_arn": f"acs:ram::{A}:user/alice"}, "role_arn"),
    ("wrong UID", {"account_id": "12345", "role_name": "partner-operator"}, "account_id"),
    ("duration out of range", {"role_arn": ROLE_ARN, "duration_seconds": 100}, "duration_seconds"),
    ("bad session name", {"role_arn": ROLE_ARN, "session_name": "alice maintenance"}, "session_name"),
    ("malformed policy", {"role_arn": ROLE_ARN, "policy": '{"Version": "1", "Statement": ['}, "policy"),
    # valid, and far below the 6,144 of a permission policy, but over AssumeRole's 2,048 (issue 10)
    (
        "session policy of 2,049 characters",
        {"role_arn": ROLE_ARN, "policy": session_policy(2049)},
        "policy: is 2049 characters",
    ),
    ("wait too long", {"role_arn": ROLE_ARN, "wait_for_role": 100000}, "wait_for_role"),
]


@pytest.mark.emulator_only("the call log proves no API call")
def test_bad_input_fails_naming_the_option_without_calls(emu, run_playbook):
    alice = ACCOUNTS["account_b"]["alice"]
    tasks = [
        {"name": case, "ignore_errors": True, "apsaramq.cross_account.sts_assume": {**options, **alice}}
        for case, options, _option in BAD_INPUT
    ]
    run = run_playbook(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    for case, _options, option in BAD_INPUT:
        message = run.result(case).get("msg", "")
        assert message.startswith(option), f"{case}: {message}"
    assert emu.calls()["calls"] == []
