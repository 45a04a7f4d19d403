"""`make test-live-emulator`: the live-mode integration suite run against one local emulator standing in for the cloud,
so that the live path (accounts from LIVE_* variables, public APIs only, prefixed names, clean-up) is proven end to end
on every `make test` without an account.

1. A seed: tests/emulator/seed-example.yml plus, in accounts A, B and C, a RAM user ``live-runner`` whose only right is
   the least-privilege policy README.md shows (live_cloud.least_privilege_policies): the keys the suite runs with.
   Next to them, what the clean-up must remove (the leftovers of an "interrupted earlier run", named
   ``ansiblelive-old000-0-...``) and what it must never touch (a role ``partner-orders`` and its policy, the very names
   the tests use, unprefixed).
2. One emulator; LIVE_* point at the runners' keys and at its 4.x instance, ALIBABA_CLOUD_ENDPOINT_URL and
   LIVE_MQ_HTTP_ENDPOINT at the emulator. (Against the real cloud ALIBABA_CLOUD_ENDPOINT_URL stays unset.)
3. ``pytest tests/integration`` with INTEGRATION_TARGET=live; arguments after the options go to pytest (e.g. -n 2).
4. The checks: pytest passed; no ``ansiblelive-`` name is left in any account; every other role, policy and user is
   exactly as it was; the numbers (API calls by product, reads and writes, time) are printed and written to
   .build/live-runs/emulator-<run>.json (README.md, "Live mode", estimates a real run's cost from them).

    .venv/bin/python tests/run_live_emulator.py [--accounts ab|abc] [pytest arguments...]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import live_cloud  # noqa: E402  pylint: disable=wrong-import-position

from acs_emulator.testing import running_emulator  # noqa: E402  pylint: disable=wrong-import-position

SEED = REPO / "tests" / "emulator" / "seed-example.yml"
INSTANCE_4X = "MQ_INST_1000000000000001_BXhFHbcq"
RUNNER = "live-runner"
OLD_RUN = "ansiblelive-old000-0-"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def runner_key(letter):
    return {"id": f"EMUAK{letter.upper()}LIVERUNNER00001", "secret": f"emu-{letter}-live-runner-secret-0001"}


def live_seed(letters):
    """The example seed with the runners (least privilege), an earlier run's leftovers and look-alikes to spare."""
    seed = yaml.safe_load(SEED.read_text())
    by_letter = dict(zip("abc", seed["accounts"]))
    uids = {letter: str(account["uid"]) for letter, account in by_letter.items()}
    policies = live_cloud.least_privilege_policies(uids["a"], uids["b"], uids["c"])
    for letter in letters:
        account = by_letter[letter]
        account.setdefault("policies", []).append(
            {
                "name": f"{RUNNER}-rights",
                "description": "README.md, Live mode: what a key needs",
                "document": policies[letter],
            }
        )
        account["users"].append({"name": RUNNER, "access_keys": [runner_key(letter)], "policies": [f"{RUNNER}-rights"]})
    trust_b = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{uids['b']}:root"]}}
        ],
    }
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "mq:PUB", "Resource": f"acs:mq:*:*:{INSTANCE_4X}%orders"}],
    }
    owner, partner = by_letter["a"], by_letter["b"]
    owner["policies"] += [
        {"name": f"{OLD_RUN}partner-orders-rocketmq", "document": document},
        {"name": "partner-orders-rocketmq", "document": document},
    ]
    owner.setdefault("roles", []).extend(
        [
            {
                "name": f"{OLD_RUN}partner-orders",
                "trust": trust_b,
                "policies": [f"{OLD_RUN}partner-orders-rocketmq", "AliyunMQReadOnlyAccess"],
            },
            {"name": "partner-orders", "trust": trust_b, "policies": ["partner-orders-rocketmq"]},
        ]
    )
    grant = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"acs:ram::{uids['a']}:role/{OLD_RUN}partner-orders",
            }
        ],
    }
    partner.setdefault("policies", []).append({"name": f"AssumeRole-{OLD_RUN}orders-app", "document": grant})
    partner["users"].append(
        {
            "name": f"{OLD_RUN}orders-app",
            "access_keys": [{"id": "EMUAKBOLDRUNAPP000001", "secret": "emu-b-old-run-app-secret"}],
            "policies": [f"AssumeRole-{OLD_RUN}orders-app"],
        }
    )
    return seed, uids


def ram_names(state, uid):
    ram = state["accounts"][uid]["ram"]
    return {kind: ram[kind] for kind in ("roles", "policies", "users")}


def not_live(records):
    return {
        kind: {name: record for name, record in items.items() if not live_cloud.carries_prefix(name)}
        for kind, items in records.items()
    }


def live_names(records):
    return sorted(
        f"{kind[:-1]} {name}" for kind, items in records.items() for name in items if live_cloud.carries_prefix(name)
    )


def environment(emulator, uids, letters, run_id):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LIVE_", "ALIBABA_CLOUD_", "ALICLOUD_")) and key not in PROXY_VARIABLES
    }
    env.update(
        {
            live_cloud.TARGET_VARIABLE: "live",
            live_cloud.OPT_IN: "yes",
            "LIVE_RUN_ID": run_id,
            "LIVE_REGION": "cn-hangzhou",
            "LIVE_MQ_INSTANCE_ID": INSTANCE_4X,
            "LIVE_MQ_HTTP_ENDPOINT": emulator.url,
            live_cloud.ENDPOINT_URL: emulator.url,
        }
    )
    for letter in letters:
        key = runner_key(letter)
        env.update(
            {
                f"LIVE_ACCOUNT_{letter.upper()}_UID": uids[letter],
                f"LIVE_ACCOUNT_{letter.upper()}_ACCESS_KEY_ID": key["id"],
                f"LIVE_ACCOUNT_{letter.upper()}_ACCESS_KEY_SECRET": key["secret"],
            }
        )
    return env


def count_outcomes(output):
    """passed / skipped / failed ... from pytest's last summary line."""
    last = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", line)]
    found = re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)", last[-1] if last else "")
    return {word: int(number) for number, word in found}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "--accounts",
        choices=("ab", "abc"),
        default="abc",
        help="accounts given to the suite: A and B only (as most users have), or a third partner C too (default)",
    )
    parser.add_argument(
        "--paths", nargs="*", default=["tests/integration"], help="what pytest runs (default tests/integration)"
    )
    args, pytest_args = parser.parse_known_args(argv)
    letters = tuple(args.accounts)
    run_id = live_cloud.new_run_id()
    seed, uids = live_seed(letters)
    workdir = REPO / ".build" / "live-runs"
    workdir.mkdir(parents=True, exist_ok=True)
    seed_file = workdir / f"emulator-seed-{run_id}.yml"
    seed_file.write_text(yaml.safe_dump(seed, sort_keys=False))
    problems = []
    try:
        with running_emulator(seed=str(seed_file)) as emulator:
            before = {letter: ram_names(emulator.admin("GET", "state"), uid) for letter, uid in uids.items()}
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.paths, *pytest_args]
            print(
                f"live mode against the emulator {emulator.url}: run {run_id}, accounts {', '.join(letter.upper() for letter in letters)}, "
                f"keys of the {RUNNER} users (least privilege)\n$ {' '.join(command)}",
                flush=True,
            )
            started = time.monotonic()
            proc = subprocess.run(
                command,
                cwd=str(REPO),
                env=environment(emulator, uids, letters, run_id),
                check=False,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            seconds = time.monotonic() - started
            print(proc.stdout, end="", flush=True)
            calls = emulator.calls()
            after = {letter: ram_names(emulator.admin("GET", "state"), uid) for letter, uid in uids.items()}
    finally:
        seed_file.unlink(missing_ok=True)

    if proc.returncode != 0:
        problems.append(f"pytest exited {proc.returncode}")
    for letter in uids:
        left = live_names(after[letter])
        if left:
            problems.append(f"account {letter.upper()} still holds {', '.join(left)}")
        if not_live(after[letter]) != not_live(before[letter]):
            changed = [
                f"{kind[:-1]} {name}"
                for kind in ("roles", "policies", "users")
                for name in set(not_live(before[letter])[kind]) | set(not_live(after[letter])[kind])
                if not_live(before[letter])[kind].get(name) != not_live(after[letter])[kind].get(name)
            ]
            problems.append(
                f"account {letter.upper()}: resources without the prefix changed: {', '.join(sorted(changed))}"
            )

    by_product = {}
    for call in calls["calls"]:
        product = by_product.setdefault(call["product"], {"reads": 0, "writes": 0})
        product["writes" if call["write"] else "reads"] += 1
    harness = 0
    for path in (workdir / run_id).glob("worker-*.json"):
        harness += json.loads(path.read_text())["harness_calls"]
    numbers = {
        "run": run_id,
        "accounts": "".join(letters),
        "pytest_args": pytest_args,
        "seconds": round(seconds, 1),
        "outcomes": count_outcomes(proc.stdout),
        "api_calls": {"reads": calls["reads"], "writes": calls["writes"], "by_product": by_product},
        "harness_api_calls": harness,
        "problems": problems,
    }
    (workdir / f"emulator-{run_id}.json").write_text(json.dumps(numbers, indent=1) + "\n")
    products = ", ".join(f"{name} {count['reads'] + count['writes']}" for name, count in sorted(by_product.items()))
    print(
        f"\nlive mode against the emulator: {numbers['outcomes']} in {seconds:.0f} s; "
        f"{calls['reads'] + calls['writes']} API calls ({calls['reads']} reads, {calls['writes']} writes; {products}), "
        f"of which {harness} by the harness (set-up, tagging, clean-up)"
    )
    print(
        f"left over: {'nothing' if not any('still holds' in p for p in problems) else 'see below'}; "
        f"resources without the ansiblelive- prefix: {'untouched' if not any('changed' in p for p in problems) else 'CHANGED'}"
    )
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
