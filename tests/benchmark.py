"""Speed and API calls of every module against the emulator: one create run, then converged repetitions.

    .venv/bin/python tests/benchmark.py [--repeat 5] [--json FILE] [--no-import-time]

One playbook holds one task per module (account A owns a policy and a role trusted by account B; B grants a user,
assumes the role and checks RocketMQ access through it). It runs once against the fresh seed (the create run),
then ``--repeat`` times converged. Per module it reports:
- the median wall time of its converged task (the ``_timing`` the json_report callback adds to each result),
- the API calls of one converged task split in reads and writes, from the module's own ``debug_api_calls``
  accounting, checked against the emulator's call log (reset before every run): every logged call must belong to a task,
- the import time of one real module process (``python -X importtime``, SDKs are imported lazily) and which SDK
  packages that process loaded.
Exit status 1 when a converged run changed or wrote something, or the log and the modules' counts disagree.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, namedtuple
from pathlib import Path

from acs_emulator.testing import running_emulator

# Playbooks run exactly as the integration tests run them (same environment, same collection checkout).
sys.path.insert(0, str(Path(__file__).resolve().parent / "integration"))
from conftest import ACCOUNTS, BIN, SEED, collections_root, playbook_env

COLLECTION = "apsaramq.cross_account"
A, B = ACCOUNTS["account_a"], ACCOUNTS["account_b"]
INSTANCE_5X = "rmq-cn-emu5x0001"
ROLE_ARN = f"acs:ram::{A['uid']}:role/bench-partner"
READ_5X = {"Version": "1", "Statement": [{
    "Effect": "Allow", "Action": ["rocketmq:Get*", "rocketmq:List*"],
    "Resource": [f"acs:rocketmq:cn-hangzhou:{A['uid']}:instance/{INSTANCE_5X}", f"acs:rocketmq:cn-hangzhou:{A['uid']}:instance/{INSTANCE_5X}/*"]}]}
# Top-level packages of the SDKs a module may load; the import report names those a module process loaded.
SDK_PACKAGES = ("alibabacloud_ram20150501", "alibabacloud_sts20150401", "alibabacloud_rocketmq20220801", "mq_http_sdk",
                "alibabacloud_tea_openapi", "alibabacloud_credentials", "aliyunsdkcore", "yaml")
# One ansible-playbook run: per module its task's numbers, the baseline task's seconds, calls nobody accounts for.
Phase = namedtuple("Phase", "modules baseline_seconds unattributed")
IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+\d+\s+\|(\s*)(\S+)")


def keys(account):
    return {"access_key_id": account["access_key_id"], "access_key_secret": account["access_key_secret"]}


# module -> its options in the workload (every task also gets debug_api_calls), in the order the tasks run.
WORKLOAD = {
    "ram_policy": dict(keys(A["admin"]), name="bench-mq-read", document=READ_5X, description="benchmark"),
    "ram_role": dict(keys(A["admin"]), name="bench-partner", trusted_accounts=[B["uid"]], policies=["bench-mq-read"]),
    "ram_role_info": dict(keys(A["admin"]), name="bench-partner"),
    "ram_policy_info": dict(keys(A["admin"]), name="bench-mq-read"),
    "ram_user_grant": dict(keys(B["admin"]), user_name="bench-operator", role_arns=[ROLE_ARN]),
    "sts_assume": dict(keys(B["admin"]), role_arn=ROLE_ARN, session_name="benchmark"),
    "rocketmq_access_check": dict(keys(B["admin"]), assume_role={"role_arn": ROLE_ARN, "session_name": "benchmark"},
                                  instance_id=INSTANCE_5X, expect_allowed=[{"operation": "get_topic", "topic": "orders-v5"}],
                                  expect_denied=[{"operation": "list_instances"}]),
}


# What every task costs whatever it does (fork, module transfer, interpreter start), run last so it pays no warm-up.
BASELINE = "ansible.builtin.ping"


def workload_playbook():
    tasks = [{"name": module, f"{COLLECTION}.{module}": dict(options, debug_api_calls=True)} for module, options in WORKLOAD.items()]
    tasks.append({"name": BASELINE, BASELINE: {}})
    return [{"name": "benchmark workload", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]


class Bench:
    """Runs the workload against one emulator and collects what each run measured."""

    def __init__(self, emulator, workdir: Path):
        self.emulator = emulator
        self.workdir = workdir
        self.collections = collections_root(workdir / "collections")
        self.playbook = workdir / "workload.yml"
        self.playbook.write_text(json.dumps(workload_playbook(), indent=1))
        self.runs = 0

    def run_workload(self):
        """One ansible-playbook run: ({module: task result}, the emulator's call counts of that run)."""
        self.runs += 1
        report = self.workdir / f"report-{self.runs}.json"
        self.emulator.reset_calls()
        command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(self.playbook)]
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300,
                              env=playbook_env(self.emulator.url, self.collections, self.workdir, report))
        if proc.returncode != 0:
            raise SystemExit(f"workload run {self.runs} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}")
        results = {task["task"]["name"]: next(iter(task["hosts"].values()))
                   for task in json.loads(report.read_text())["plays"][0]["tasks"]}
        return results, self.emulator.calls()

    def import_profile(self, module):
        """(import seconds, SDK packages loaded) of one converged run of ``module`` as a plain Python process."""
        args = self.workdir / f"{module}-args.json"
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": WORKLOAD[module]}))
        args.chmod(0o600)
        env = playbook_env(self.emulator.url, self.collections, self.workdir, self.workdir / "unused.json")
        env["PYTHONPATH"] = str(self.collections)
        module_path = f"ansible_collections.{COLLECTION}.plugins.modules.{module}"
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", module_path, str(args)],
                              capture_output=True, text=True, env=env, check=False, timeout=120)
        if proc.returncode != 0:
            raise SystemExit(f"{module} as a process failed (rc={proc.returncode}): {proc.stdout[-2000:]}")
        return parse_importtime(proc.stderr)


def parse_importtime(stderr):
    """Total import seconds (sum of the self times) and the SDK packages among the imported modules."""
    total_us, loaded = 0, set()
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            total_us += int(match.group(1))
            loaded.add(match.group(3).split(".")[0])
    return total_us / 1e6, sorted(loaded.intersection(SDK_PACKAGES))


def call_key(call):
    return call["product"], call["action"], bool(call["write"])


def attribute_calls(results, emulator_calls):
    """Per module, the calls of its task as [(product, action, write)]; and the calls that cannot be accounted for.

    A module counts its own calls (debug_api_calls), and each of those must be in the emulator's log. sts_assume's
    action plugin hides its whole result from callbacks, so the one hidden module is given the rest of the log."""
    logged = Counter(call_key(call) for call in emulator_calls["calls"])
    counted = {module: [call_key(call) for call in results[module]["api_calls"]] for module in WORKLOAD if "api_calls" in results[module]}
    claimed = Counter(call for calls in counted.values() for call in calls)
    hidden = [module for module in WORKLOAD if module not in counted]
    if len(hidden) > 1:
        raise SystemExit(f"the results of {', '.join(hidden)} are hidden: the emulator's log cannot tell their calls apart")
    rest = sorted((logged - claimed).elements())
    if hidden:
        counted[hidden[0]], rest = rest, []
    return counted, rest + [("not in the emulator log",) + call for call in (claimed - logged).elements()]


def phase_summary(results, emulator_calls):
    """Per module: seconds, changed, reads, writes and actions of its task; plus the calls that could not be attributed."""
    counted, unattributed = attribute_calls(results, emulator_calls)
    modules = {}
    for module, calls in counted.items():
        writes = sum(call[2] for call in calls)
        modules[module] = {"seconds": results[module]["_timing"]["duration"], "changed": bool(results[module].get("changed")),
                           "reads": len(calls) - writes, "writes": writes, "actions": [f"{call[0]}:{call[1]}" for call in calls]}
    return Phase(modules, results[BASELINE]["_timing"]["duration"], unattributed)


def measure(repeat, import_time=True):
    """The benchmark's numbers as one JSON-ready dict."""
    started, load = time.monotonic(), os.getloadavg()[0]  # other work on the machine slows every number down
    with tempfile.TemporaryDirectory(prefix="acs-bench-") as tmp, running_emulator(seed=str(SEED)) as emulator:
        bench = Bench(emulator, Path(tmp))
        runs = [bench.run_workload() for run_number in range(1 + repeat)]  # the create run, then the converged ones
        imports = {module: bench.import_profile(module) for module in WORKLOAD} if import_time else {}
    phases = [phase_summary(results, calls) for results, calls in runs]
    create, converged = phases[0], phases[1:]
    modules = {}
    for module in WORKLOAD:
        tasks = [phase.modules[module] for phase in converged]
        seconds, sdks = imports.get(module, (None, None))
        modules[module] = {
            "create": {key: create.modules[module][key] for key in ("reads", "writes", "changed", "seconds", "actions")},
            "converged": {
                "median_seconds": statistics.median(task["seconds"] for task in tasks),
                "reads": max(task["reads"] for task in tasks),
                "writes": max(task["writes"] for task in tasks),
                "changed": any(task["changed"] for task in tasks),
                "actions": tasks[-1]["actions"],
            },
            "import": {"seconds": seconds, "sdks": sdks},
        }
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_average_at_start": load},
        "repeat": repeat,
        "modules": modules,
        "baseline": {"module": BASELINE, "median_seconds": statistics.median(phase.baseline_seconds for phase in converged)},
        "emulator_calls": [{key: calls[key] for key in ("reads", "writes")} for results, calls in runs],
        "unattributed_calls": [list(call) for phase in phases for call in phase.unattributed],
        "seconds": time.monotonic() - started,
    }


def problems(numbers):
    """Why the numbers do not show a converged estate measured completely (empty when they do)."""
    found = [f"{module}: a converged run {'changed' if data['converged']['changed'] else 'wrote'}"
             for module, data in numbers["modules"].items() if data["converged"]["changed"] or data["converged"]["writes"]]
    if numbers["unattributed_calls"]:
        found.append(f"API calls the modules' own accounting and the emulator's log disagree on: {numbers['unattributed_calls']}")
    return found


def table(numbers):
    """The human-readable report: one row per module."""
    header = ("module", "converged ms", "reads", "writes", "create r/w", "import ms", "SDKs loaded")
    rows = [header]
    for module, data in numbers["modules"].items():
        converged, create, imported = data["converged"], data["create"], data["import"]
        rows.append((module, f"{converged['median_seconds'] * 1000:.0f}", str(converged["reads"]), str(converged["writes"]),
                     f"{create['reads']}/{create['writes']}",
                     "-" if imported["seconds"] is None else f"{imported['seconds'] * 1000:.0f}",
                     ", ".join(sdk.replace("alibabacloud_", "") for sdk in imported["sdks"] or ()) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"{numbers['baseline']['module']} (the floor of any task): {numbers['baseline']['median_seconds'] * 1000:.0f} ms")
    lines.append(f"\n{numbers['repeat']} converged runs after one create run; {numbers['machine']['cpus']} CPUs; "
                 f"{numbers['seconds']:.0f} s in all. Converged calls per task:")
    lines += [f"  {module}: {', '.join(data['converged']['actions']) or 'none'}" for module, data in numbers["modules"].items()]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="converged runs after the create run (default 5)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--no-import-time", dest="import_time", action="store_false", help="skip the per-module import profile")
    options = parser.parse_args(argv)
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    numbers = measure(options.repeat, options.import_time)
    sys.stdout.write(table(numbers) + "\n")
    if options.json:
        options.json.write_text(json.dumps(numbers, indent=2) + "\n")
    found = problems(numbers)
    for problem in found:
        sys.stderr.write(f"PROBLEM: {problem}\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
