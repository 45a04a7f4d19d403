"""ram_role trust_mode=add from two playbooks at once: RAM has no ETag, so two runs that read the same trust and each
write it back with their own partner merged in lose one partner, unless the module reads its write back and merges
again (module_utils/ram_roles.py, apply_trust_edit).

The emulator holds every GetRole and UpdateRole for LATENCY_MS before answering, which widens the gap between a run's
read and its write so that the two runs reliably interleave read, read, write, write. The same latency on GetRole
also delays the read-back, so the module's settle pause still sees a stale write that was already in flight.
"""

import itertools
import json
import subprocess
import time

import pytest
import yaml
from conftest import ACCOUNTS, ACCOUNTS_FILE, BIN, PLAYBOOKS, SEED, PlaybookRun, playbook_env
from test_roles import ram_state

from acs_emulator.testing import running_emulator

pytestmark = pytest.mark.emulator_only(
    "its own emulator with latency on GetRole and UpdateRole; emulator state and call log"
)

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
# Two partners added at once; any 16-digit UIDs will do, the trust does not require the accounts to exist.
PARTNERS = (ACCOUNTS["account_c"]["uid"], "4000000000000004")
ROLE = "shared-partners"
ROUNDS = 10
LATENCY_MS = 300


def root(uid):
    return f"acs:ram::{uid}:root"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """This module's emulator: the example seed plus a role of A trusting B (so every emu.reset() brings it back),
    with latency on the two calls of the read-modify-write (kept across resets: they are start-up flags)."""
    seed = yaml.safe_load(SEED.read_text())
    owner = [account for account in seed["accounts"] if account["uid"] == A][0]
    trust = {
        "Version": "1",
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [root(B)]}}],
    }
    owner["roles"] = [{"name": ROLE, "trust": trust}]
    path = tmp_path_factory.mktemp("seed") / "seed.yml"
    path.write_text(yaml.safe_dump(seed))
    faults = ["--latency-ms", str(LATENCY_MS), "--fault-products", "ram", "--fault-actions", "GetRole,UpdateRole"]
    with running_emulator(seed=str(path), args=faults) as emu:
        yield emu


@pytest.fixture
def start_playbook(emu, collections_path, tmp_path):
    """``run_playbook`` split in two so that several runs overlap: ``start(playbook, extra_vars)`` launches
    ansible-playbook (same command and environment; ``playbook`` a file under playbooks/ or a Path) and returns a
    callable that waits for it and gives the PlaybookRun."""
    counter = itertools.count()

    def start(playbook, extra_vars):
        index = next(counter)
        report = tmp_path / f"concurrent-{index}.json"
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            str(PLAYBOOKS / playbook),
            "-e",
            f"@{ACCOUNTS_FILE}",
            "-e",
            json.dumps({"emulator_url": emu.url, **extra_vars}),
        ]
        # Each run gets its own Ansible temp and home directories, as two separate control nodes would.
        workdir = tmp_path / f"run-{index}"
        workdir.mkdir()
        env = playbook_env(emu.url, collections_path, workdir, report)
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(PLAYBOOKS)
        )

        def finish():
            stdout, stderr = proc.communicate(timeout=120)
            run = PlaybookRun(
                proc.returncode, stdout, stderr, json.loads(report.read_text()) if report.exists() else {}
            )
            assert run.rc == 0, f"rc={run.rc}\nSTDOUT:\n{stdout[-6000:]}\nSTDERR:\n{stderr[-3000:]}"
            return run

        return finish

    return start


def trusted_accounts(emu):
    """UIDs of the accounts the role trusts, as the emulator stores its trust."""
    document = json.loads(ram_state(emu, A)["roles"][ROLE]["AssumeRolePolicyDocument"])
    return sorted(name.split(":")[3] for statement in document["Statement"] for name in statement["Principal"]["RAM"])


def test_two_runs_adding_different_partners_at_once_keep_both(emu, start_playbook):
    lost, raced = [], 0
    for round_number in range(ROUNDS):
        emu.reset()
        started = time.monotonic()
        waits = [
            start_playbook("ram_role_partners.yml", {"role_name": ROLE, "partners": [partner], "trust_mode": "add"})
            for partner in PARTNERS
        ]
        results = [wait().result("Role") for wait in waits]
        assert all(result["changed"] for result in results)
        rounds = sorted(result["trust_rounds"] for result in results)
        raced += rounds[-1] > 1
        trusted = trusted_accounts(emu)
        if trusted != sorted((B,) + PARTNERS):
            lost.append((round_number, trusted, rounds))
        print(f"round {round_number}: trust_rounds {rounds}, trusted {trusted}, {time.monotonic() - started:.1f} s")
    assert not lost, f"partners lost to a concurrent write (round, trusted accounts, trust_rounds): {lost}"
    # Without the read-back, 8 of 10 rounds lost a partner at this latency (1 of 10 without latency).
    assert raced, "no round made the two runs collide: the test no longer exercises the read-back (latency too low?)"


def test_a_converged_add_and_check_mode_make_no_read_back(emu, start_playbook, tmp_path):
    admin = {key: ACCOUNTS["account_a"]["admin"][key] for key in ("access_key_id", "access_key_secret")}
    add = {"name": ROLE, "trust_mode": "add", **admin}
    tasks = [
        {"name": "converged", "apsaramq.cross_account.ram_role": {**add, "trusted_accounts": [B]}},
        {
            "name": "predicted",
            "check_mode": True,
            "apsaramq.cross_account.ram_role": {**add, "trusted_accounts": [PARTNERS[0]]},
        },
    ]
    playbook = tmp_path / "converged.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    run = start_playbook(playbook, {})()
    converged, predicted = run.result("converged"), run.result("predicted")
    assert converged["changed"] is False and converged["trust_rounds"] == 0
    assert predicted["changed"] is True and "trust_rounds" not in predicted
    assert predicted["role"]["trusted_principals"]["accounts"] == [B, PARTNERS[0]]
    assert ram_calls(emu) == (0, ["GetRole", "ListPoliciesForRole"] * 2), (
        "neither a converged run nor check mode writes or reads back"
    )
    assert trusted_accounts(emu) == [B]


def ram_calls(emu):
    """(writes, [actions in order]) of the RAM API since the last reset of the call log."""
    calls = emu.calls(product="ram")
    return calls["writes"], [call["action"] for call in calls["calls"]]
