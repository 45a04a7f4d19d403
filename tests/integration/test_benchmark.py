"""tests/benchmark.py, run as a user runs it with one converged repetition, one set-up pair and one small scale row:
every module converges without a write, every API call the emulator logged is accounted to a module (the exact reads
of ram_role and ram_policy are asserted in their own tests), the converged set-up neither changes nor writes, and its
twin calls no API at all. Times are reported as ratios, never judged here (the machine may be loaded)."""

import json
import subprocess
import sys

import pytest
from conftest import REPO, needs_in_process_core

pytestmark = [
    pytest.mark.emulator_only("tests/benchmark.py runs its own emulator and reads its call log"),
    needs_in_process_core,
]

MODULES = {
    "ram_policy",
    "ram_role",
    "ram_role_info",
    "ram_policy_info",
    "ram_user_grant",
    "sts_assume",
    "rocketmq_access_check",
}


def test_converged_runs_of_every_module_only_read(tmp_path):
    report = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "benchmark.py"),
            "--repeat",
            "1",
            "--no-import-time",
            "--partners",
            "1",
            "--forks",
            "2",
            "--partner-roles",
            "3",
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    numbers = json.loads(report.read_text())
    modules = numbers["modules"]
    assert set(modules) == MODULES
    assert {name: (data["converged"]["writes"], data["converged"]["changed"]) for name, data in modules.items()} == {
        name: (0, False) for name in MODULES
    }
    assert all(data["converged"]["reads"] >= 1 and data["converged"]["median_seconds"] > 0 for data in modules.values())
    assert modules["ram_role"]["create"]["writes"] == 2 and modules["ram_policy"]["create"]["writes"] == 1, (
        "the create run wrote"
    )
    assert numbers["unattributed_calls"] == []
    assert [run["writes"] for run in numbers["emulator_calls"]][1:] == [0]
    assert "ram_user_grant" in proc.stdout and "ansible.builtin.ping" in proc.stdout
    assert all(data["ping_ratio"] > 0 for data in modules.values())
    setup = numbers["setup"]
    assert setup["real"]["changed"] == setup["real"]["writes"] == 0 and setup["real"]["reads"] > 0
    assert setup["twin_calls"] == 0 and numbers["twin_ratio"] > 0
    [scale] = numbers["scale"]
    assert (scale["partners"], scale["forks"]) == (1, 2) and scale["writes"] > 0 and scale["seconds_per_partner"] > 0
    [partner_roles] = numbers["partner_roles"]
    assert partner_roles["partners"] == 3 and partner_roles["create_writes"] >= 6, "a role and a policy per partner"
    assert (partner_roles["converged_writes"], partner_roles["converged_changed"]) == (0, 0)
