"""Speed and API calls of every module against the emulator, of the converged set-up against its twin, and at scale.

    .venv/bin/python tests/benchmark.py [--repeat 5] [--json FILE] [--no-import-time] [--partners 1,10,50] [--forks 1,2]
        [--partner-roles 10,100]

Module rows: one playbook holds one task per module (account A owns a policy and a role trusted by account B; B grants
a user, assumes the role and checks RocketMQ access through it), then an ``ansible.builtin.ping`` task. It runs once
against the fresh seed (the create run), then ``--repeat`` times converged. Per module it reports:
- the median wall time of its converged task (the ``_timing`` the json_report callback adds to each result), and its
  ``ping_ratio``: the median over the converged runs of its task's time over the ping task's time of the same run,
- the API calls of one converged task split in reads and writes, from the module's own ``debug_api_calls``
  accounting, checked against the emulator's call log (reset before every run): every logged call must belong to a task,
- the import time of one real module process (``python -X importtime``, SDKs are imported lazily) and which SDK
  packages that process loaded.
Set-up row: the converged owner + operator set-up (playbooks/owner.yml and operator.yml with the example inventory)
against its twin: the same playbooks, roles and inventory in a copy of the collection whose modules are a ping-like
stand-in returning the results the real modules recorded (and which has no action plugins, so they ship as ping
does). ``--repeat`` interleaved pairs; ``twin_ratio`` is the median of real / twin wall time (``cpu_ratio`` the same
for the CPU time of ansible-playbook and everything it ran).
Scale rows: onboarding ``--partners`` partners, each with its own role in account A (one owner_setup per partner, the
owner side) and its own account running operator_setup (the operator side), with each of ``--forks``; seconds per partner.
One-role-per-partner rows: one owner.yml run whose owner_setup_partners lists ``--partner-roles`` partners (a role and a
policy each), created and then converged; seconds per partner, which should stay flat as the count grows.
Exit status 1 when a converged run changed or wrote something, the log and the modules' counts disagree, or the twin
called an API. Times are reported, never judged: the load average at the start and the end is recorded with them.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, namedtuple
from pathlib import Path

import yaml

from acs_emulator.testing import running_emulator

# Playbooks run exactly as the integration tests run them (same environment, same collection checkout).
sys.path[:0] = [str(Path(__file__).resolve().parent / "integration"), str(Path(__file__).resolve().parent)]
from conftest import ACCOUNTS, BIN, CALLBACKS, REPO, SEED, collections_root, playbook_env
from run_demo import admin_credentials_from_seed

COLLECTION = "apsaramq.cross_account"
A, B = ACCOUNTS["account_a"], ACCOUNTS["account_b"]
INSTANCE_5X = "rmq-cn-emu5x0001"
ROLE_ARN = f"acs:ram::{A['uid']}:role/bench-partner"
READ_5X = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["rocketmq:Get*", "rocketmq:List*"],
            "Resource": [
                f"acs:rocketmq:cn-hangzhou:{A['uid']}:instance/{INSTANCE_5X}",
                f"acs:rocketmq:cn-hangzhou:{A['uid']}:instance/{INSTANCE_5X}/*",
            ],
        }
    ],
}
# Top-level packages of the SDKs a module may load; the import report names those a module process loaded.
SDK_PACKAGES = (
    "alibabacloud_ram20150501",
    "alibabacloud_sts20150401",
    "alibabacloud_rocketmq20220801",
    "mq_http_sdk",
    "alibabacloud_tea_openapi",
    "alibabacloud_credentials",
    "aliyunsdkcore",
    "yaml",
)
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
    "rocketmq_access_check": dict(
        keys(B["admin"]),
        assume_role={"role_arn": ROLE_ARN, "session_name": "benchmark"},
        instance_id=INSTANCE_5X,
        expect_allowed=[{"operation": "get_topic", "topic": "orders-v5"}],
        expect_denied=[{"operation": "list_instances"}],
    ),
}


# What every task costs whatever it does (fork, module transfer, interpreter start), run last so it pays no warm-up.
BASELINE = "ansible.builtin.ping"


def workload_playbook():
    tasks = [
        {"name": module, f"{COLLECTION}.{module}": dict(options, debug_api_calls=True)}
        for module, options in WORKLOAD.items()
    ]
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
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env=playbook_env(self.emulator.url, self.collections, self.workdir, report),
        )
        if proc.returncode != 0:
            raise SystemExit(f"workload run {self.runs} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}")
        results = {
            task["task"]["name"]: next(iter(task["hosts"].values()))
            for task in json.loads(report.read_text())["plays"][0]["tasks"]
        }
        return results, self.emulator.calls()

    def import_profile(self, module):
        """(import seconds, SDK packages loaded) of one converged run of ``module`` as a plain Python process."""
        args = self.workdir / f"{module}-args.json"
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": WORKLOAD[module]}))
        args.chmod(0o600)
        env = playbook_env(self.emulator.url, self.collections, self.workdir, self.workdir / "unused.json")
        env["PYTHONPATH"] = str(self.collections)
        module_path = f"ansible_collections.{COLLECTION}.plugins.modules.{module}"
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", module_path, str(args)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )
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
    counted = {
        module: [call_key(call) for call in results[module]["api_calls"]]
        for module in WORKLOAD
        if "api_calls" in results[module]
    }
    claimed = Counter(call for calls in counted.values() for call in calls)
    hidden = [module for module in WORKLOAD if module not in counted]
    if len(hidden) > 1:
        raise SystemExit(
            f"the results of {', '.join(hidden)} are hidden: the emulator's log cannot tell their calls apart"
        )
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
        modules[module] = {
            "seconds": results[module]["_timing"]["duration"],
            "changed": bool(results[module].get("changed")),
            "reads": len(calls) - writes,
            "writes": writes,
            "actions": [f"{call[0]}:{call[1]}" for call in calls],
        }
    return Phase(modules, results[BASELINE]["_timing"]["duration"], unattributed)


# ---- the converged set-up against its twin ------------------------------------------------------------------------

SETUP_PLAYBOOKS = ("owner.yml", "operator.yml")
EXAMPLE_INVENTORY = REPO / "playbooks" / "inventory"
RECORDED_ENV = "BENCH_RECORDED_RESULTS"
# Shared by the recorder (callback) and the stand-in module: a result is found again by its module and arguments.
RESULT_KEY = '''
def result_key(args):
    """The module and its arguments without Ansible's internal ones, as a short stable text."""
    import hashlib
    import json
    options = {key: value for key, value in args.items() if not key.startswith("_ansible_")}
    text = json.dumps([str(args.get("_ansible_module_name", "")).rsplit(".", 1)[-1], options], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
'''
RECORDER = (
    '''"""Benchmark only: records the result of every task of apsaramq.cross_account by its module and arguments."""
import json
import os

from ansible.plugins.callback import CallbackBase
'''
    + RESULT_KEY
    + '''
# What Ansible adds to a result itself (loops, internals, the invocation): the stand-in returns the module's own part.
ADDED = ("invocation", "item", "ansible_loop_var", "ansible_index_var", "ansible_loop")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorded = {}

    def _record(self, result):
        args = dict(result.task_fields.get("args") or {})
        if str(args.get("_ansible_module_name", "")).startswith("apsaramq.cross_account."):
            self.recorded[result_key(args)] = {key: value for key, value in result.result.items()
                                               if not key.startswith("_ansible") and key not in ADDED}

    def v2_runner_on_ok(self, result):
        if "results" not in result.result:
            self._record(result)

    def v2_runner_item_on_ok(self, result):
        self._record(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ["'''
    + RECORDED_ENV
    + '''"]
        recorded = json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {}
        recorded.update(self.recorded)
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(recorded, stream, default=str)
'''
)
STAND_IN = (
    '''#!/usr/bin/python
"""Benchmark twin: a ping-like module (AnsibleModule, one JSON file read) returning what the real module recorded."""
import json
import os

from ansible.module_utils.basic import AnsibleModule, _load_params
'''
    + RESULT_KEY
    + '''

def main():
    args = _load_params()
    module = AnsibleModule(argument_spec={key: dict(type="raw") for key in args if not key.startswith("_ansible_")},
                           supports_check_mode=True)
    with open(os.environ["'''
    + RECORDED_ENV
    + '''"], encoding="utf-8") as stream:
        recorded = json.load(stream).get(result_key(args))
    if recorded is None:
        module.fail_json(msg="the benchmark recorded no result for these arguments")
    module.exit_json(**recorded)


if __name__ == "__main__":
    main()
'''
)


def twin_collection(workdir: Path) -> Path:
    """A collections root whose apsaramq.cross_account is this checkout with every module replaced by the stand-in
    and no action plugins; roles, filters, doc fragments and meta are the real ones (links)."""
    root = workdir / "twin"
    twin = root / "ansible_collections" / "apsaramq" / "cross_account"
    (twin / "plugins" / "modules").mkdir(parents=True)
    for entry in REPO.iterdir():
        if entry.name not in ("plugins", ".git", ".build", ".venv"):
            (twin / entry.name).symlink_to(entry)
    for entry in (REPO / "plugins").iterdir():
        if entry.name not in ("modules", "action"):
            (twin / "plugins" / entry.name).symlink_to(entry)
    for module in (REPO / "plugins" / "modules").glob("*.py"):
        (twin / "plugins" / "modules" / module.name).write_text(STAND_IN)
    return root


def run_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class SetUp:
    """ansible-playbook runs of the owner and operator set-ups, as a user runs them (example inventory, keys from
    the environment), the real collection or its twin."""

    def __init__(self, emulator, workdir: Path, inventory: Path = EXAMPLE_INVENTORY, extra_vars=None):
        self.emulator = emulator
        self.workdir = workdir
        self.inventory = inventory
        self.runs = 0
        self.recorded = workdir / "recorded.json"
        self.env = playbook_env(
            emulator.url, collections_root(workdir / "collections"), workdir, workdir / "unused.json"
        )
        self.env.update(admin_credentials_from_seed())
        self.env[RECORDED_ENV] = str(self.recorded)
        self.extra_vars = json.dumps(extra_vars or {"operator_setup_access_key_dir": str(workdir / "keys")})

    def env_of(self, kind):
        """The environment of a ``real``, ``record`` (real, recording each result) or ``twin`` run."""
        if kind == "record":
            recorder = self.workdir / "recorder"
            recorder.mkdir(exist_ok=True)
            (recorder / "record_results.py").write_text(RECORDER)
            return dict(
                self.env,
                ANSIBLE_CALLBACK_PLUGINS=f"{CALLBACKS}{os.pathsep}{recorder}",
                ANSIBLE_CALLBACKS_ENABLED="json_report,record_results",
            )
        if kind == "twin":
            return dict(self.env, ANSIBLE_COLLECTIONS_PATH=str(twin_collection(self.workdir)))
        return self.env

    def run(self, env, playbooks=SETUP_PLAYBOOKS, forks=None):
        """Run ``playbooks`` one after the other: {wall, cpu, changed, reads, writes} (API calls from the emulator's log)."""
        self.emulator.reset_calls()
        changed, started, cpu = 0, time.monotonic(), run_cpu_seconds()
        for playbook in playbooks:
            self.runs += 1
            report = self.workdir / f"setup-report-{self.runs}.json"
            command = [
                str(BIN / "ansible-playbook"),
                "-i",
                str(self.inventory),
                str(REPO / "playbooks" / playbook),
                "-e",
                self.extra_vars,
            ]
            proc = subprocess.run(
                command + ([f"--forks={forks}"] if forks else []),
                capture_output=True,
                text=True,
                check=False,
                timeout=1800,
                env=dict(env, JSON_REPORT_FILE=str(report)),
            )
            if proc.returncode != 0:
                raise SystemExit(
                    f"{playbook} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
                )
            changed += sum(host["changed"] for host in json.loads(report.read_text())["stats"].values())
        calls = self.emulator.calls()
        return {
            "wall": time.monotonic() - started,
            "cpu": run_cpu_seconds() - cpu,
            "changed": changed,
            "reads": calls["reads"],
            "writes": calls["writes"],
        }


def measure_setup(repeat, workdir: Path):
    """The converged owner + operator set-up against its twin, in ``repeat`` interleaved pairs."""
    with running_emulator(seed=str(SEED)) as emulator:
        setup = SetUp(emulator, workdir)
        setup.run(setup.env_of("real"))  # the create run
        recording = setup.run(setup.env_of("record"))
        real_env, twin_env = setup.env_of("real"), setup.env_of("twin")
        pairs = []
        for number in range(repeat):
            order = ("real", "twin") if number % 2 == 0 else ("twin", "real")  # neither always pays a warmer cache
            runs = {kind: setup.run(real_env if kind == "real" else twin_env) for kind in order}
            pairs.append(runs)
    real, twin = [pair["real"] for pair in pairs], [pair["twin"] for pair in pairs]
    return {
        "twin_ratio": statistics.median(pair["real"]["wall"] / pair["twin"]["wall"] for pair in pairs),
        "cpu_ratio": statistics.median(pair["real"]["cpu"] / pair["twin"]["cpu"] for pair in pairs),
        "real_seconds": statistics.median(run["wall"] for run in real),
        "twin_seconds": statistics.median(run["wall"] for run in twin),
        "real": {key: max(run[key] for run in real + [recording]) for key in ("changed", "reads", "writes")},
        "twin_calls": sum(run["reads"] + run["writes"] for run in twin),
        "pairs": repeat,
    }


# ---- onboarding many partners -----------------------------------------------------------------------------------


def partner(number):
    """The emulator account of partner ``number`` (made by scale_seed)."""
    return {
        "uid": f"4{number:015d}",
        "key_id": f"EMUAKP{number:05d}ADMIN000"[:20],
        "secret": f"emu-p{number:05d}-admin-secret-0000000",
    }


def scale_seed(workdir: Path, partners: int) -> Path:
    """The example seed plus ``partners`` partner accounts, each with an administrator."""
    seed = yaml.safe_load(SEED.read_text())
    for number in range(1, partners + 1):
        account = partner(number)
        seed["accounts"].append(
            {
                "uid": account["uid"],
                "alias": f"partner-{number}",
                "users": [
                    {
                        "name": "admin",
                        "access_keys": [{"id": account["key_id"], "secret": account["secret"]}],
                        "policies": ["AdministratorAccess"],
                    }
                ],
            }
        )
    path = workdir / "scale-seed.yml"
    path.write_text(yaml.safe_dump(seed))
    return path


def scale_inventory(workdir: Path, partners: int) -> Path:
    """Hosts owner_<n> (account A, one owner_setup per partner: its own role trusting that partner) and partner_<n>
    (the partner's account, operator_setup for that role), sharing the example inventory's group variables."""
    owner = ACCOUNTS["account_a"]
    shared = yaml.safe_load((EXAMPLE_INVENTORY / "group_vars" / "all" / "main.yml").read_text())
    owners, partners_hosts = {}, {}
    for number in range(1, partners + 1):
        account, role = partner(number), f"partner-{number}-operator"
        owners[f"owner_{number}"] = {
            "apsaramq_access_key_id": owner["admin"]["access_key_id"],
            "apsaramq_access_key_secret": owner["admin"]["access_key_secret"],
            "owner_setup_role_name": role,
            "owner_setup_trusted_accounts": [account["uid"]],
            "owner_setup_grant": shared["cross_account_grant"],
            "owner_setup_account_alias": "owner-a",
        }
        partners_hosts[f"partner_{number}"] = {
            "apsaramq_access_key_id": account["key_id"],
            "apsaramq_access_key_secret": account["secret"],
            "operator_setup_role_arns": [f"acs:ram::{owner['uid']}:role/{role}"],
            "operator_setup_users": [{"name": "alice"}, {"name": "orders-app", "kind": "application"}],
            "operator_setup_access_key_dir": str(workdir / "keys" / f"partner_{number}"),
        }
    children = {"rocketmq_owner": {"hosts": owners}, "rocketmq_partners": {"hosts": partners_hosts}}
    return write_local_inventory(workdir / f"scale-{partners}.yml", shared, children)


def write_local_inventory(path: Path, shared: dict, children: dict) -> Path:
    """An inventory file of local hosts in ``children`` (group: {"hosts": ...}), in the example's region."""
    local = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "apsaramq_region": shared["apsaramq_region"],
    }
    path.write_text(yaml.safe_dump({"all": {"vars": local, "children": children}}))
    return path


def measure_scale(partner_counts, forks_counts, workdir: Path):
    """Onboarding N partners from the seed state, owner side then operator side: seconds in all and per partner."""
    rows = []
    workdir.mkdir(parents=True, exist_ok=True)
    with running_emulator(seed=str(scale_seed(workdir, max(partner_counts)))) as emulator:
        for partners in partner_counts:
            setup = SetUp(emulator, workdir, scale_inventory(workdir, partners), extra_vars={})
            for forks in forks_counts:
                emulator.reset()
                shutil.rmtree(workdir / "keys", ignore_errors=True)
                owner_side = setup.run(setup.env, ("owner.yml",), forks)
                operator_side = setup.run(setup.env, ("operator.yml",), forks)
                rows.append(
                    {
                        "partners": partners,
                        "forks": forks,
                        "owner_seconds": owner_side["wall"],
                        "operator_seconds": operator_side["wall"],
                        "seconds_per_partner": (owner_side["wall"] + operator_side["wall"]) / partners,
                        "writes": owner_side["writes"] + operator_side["writes"],
                    }
                )
    return rows


def partner_roles_inventory(workdir: Path, partners: int) -> Path:
    """One host of account A whose owner_setup_partners lists ``partners`` partners: one role and one policy each."""
    owner = ACCOUNTS["account_a"]
    shared = yaml.safe_load((EXAMPLE_INVENTORY / "group_vars" / "all" / "main.yml").read_text())
    listed = [
        {"uid": partner(number)["uid"], "alias": f"partner-{number}", "grant": shared["cross_account_grant"]}
        for number in range(1, partners + 1)
    ]
    account_a = {
        "apsaramq_access_key_id": owner["admin"]["access_key_id"],
        "apsaramq_access_key_secret": owner["admin"]["access_key_secret"],
        "owner_setup_partners": listed,
        "owner_setup_account_alias": "owner-a",
    }
    children = {"rocketmq_owner": {"hosts": {"account_a": account_a}}}
    return write_local_inventory(workdir / f"partner-roles-{partners}.yml", shared, children)


def measure_partner_roles(partner_counts, workdir: Path):
    """owner_setup with owner_setup_partners (one role per partner) in one run: create, then converged; s per partner."""
    rows = []
    workdir.mkdir(parents=True, exist_ok=True)
    with running_emulator(seed=str(scale_seed(workdir, max(partner_counts)))) as emulator:
        for partners in partner_counts:
            emulator.reset()
            setup = SetUp(emulator, workdir, partner_roles_inventory(workdir, partners), extra_vars={})
            create, converged = (setup.run(setup.env, ("owner.yml",)) for _run in range(2))
            rows.append(
                {
                    "partners": partners,
                    "create_seconds": create["wall"],
                    "converged_seconds": converged["wall"],
                    "create_seconds_per_partner": create["wall"] / partners,
                    "converged_seconds_per_partner": converged["wall"] / partners,
                    "create_writes": create["writes"],
                    "converged_writes": converged["writes"],
                    "converged_changed": converged["changed"],
                }
            )
    return rows


def measure(repeat, import_time=True, partner_counts=(1, 10, 50), forks_counts=(1, 2), partner_role_counts=(10, 100)):
    """The benchmark's numbers as one JSON-ready dict."""
    started, load = time.monotonic(), os.getloadavg()[0]  # other work on the machine slows every number down
    with tempfile.TemporaryDirectory(prefix="acs-bench-") as tmp:
        with running_emulator(seed=str(SEED)) as emulator:
            bench = Bench(emulator, Path(tmp))
            runs = [bench.run_workload() for run_number in range(1 + repeat)]  # the create run, then the converged ones
            imports = {module: bench.import_profile(module) for module in WORKLOAD} if import_time else {}
        setup = measure_setup(repeat, Path(tmp) / "setup")
        scale = measure_scale(partner_counts, forks_counts, Path(tmp) / "scale") if partner_counts else []
        partner_roles = (
            measure_partner_roles(partner_role_counts, Path(tmp) / "partner-roles") if partner_role_counts else []
        )
    phases = [phase_summary(results, calls) for results, calls in runs]
    create, converged = phases[0], phases[1:]
    modules = {}
    for module in WORKLOAD:
        tasks = [phase.modules[module] for phase in converged]
        seconds, sdks = imports.get(module, (None, None))
        modules[module] = {
            "create": {
                key: create.modules[module][key] for key in ("reads", "writes", "changed", "seconds", "actions")
            },
            "converged": {
                "median_seconds": statistics.median(task["seconds"] for task in tasks),
                "reads": max(task["reads"] for task in tasks),
                "writes": max(task["writes"] for task in tasks),
                "changed": any(task["changed"] for task in tasks),
                "actions": tasks[-1]["actions"],
            },
            # The task against the ping task of the same run: the machine's speed and load cancel out.
            "ping_ratio": statistics.median(
                phase.modules[module]["seconds"] / phase.baseline_seconds for phase in converged
            ),
            "import": {"seconds": seconds, "sdks": sdks},
        }
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_at_start": load,
            "load_average_at_end": os.getloadavg()[0],
        },
        "repeat": repeat,
        "modules": modules,
        "baseline": {
            "module": BASELINE,
            "median_seconds": statistics.median(phase.baseline_seconds for phase in converged),
        },
        "twin_ratio": setup["twin_ratio"],
        "setup": setup,
        "scale": scale,
        "partner_roles": partner_roles,
        "emulator_calls": [{key: calls[key] for key in ("reads", "writes")} for results, calls in runs],
        "unattributed_calls": [list(call) for phase in phases for call in phase.unattributed],
        "seconds": time.monotonic() - started,
    }


def problems(numbers):
    """Why the numbers do not show a converged estate measured completely (empty when they do)."""
    found = [
        f"{module}: a converged run {'changed' if data['converged']['changed'] else 'wrote'}"
        for module, data in numbers["modules"].items()
        if data["converged"]["changed"] or data["converged"]["writes"]
    ]
    if numbers["unattributed_calls"]:
        found.append(
            f"API calls the modules' own accounting and the emulator's log disagree on: {numbers['unattributed_calls']}"
        )
    setup = numbers["setup"]
    if setup["real"]["changed"] or setup["real"]["writes"]:
        found.append(
            f"the converged owner + operator set-up changed {setup['real']['changed']} and wrote {setup['real']['writes']}"
        )
    found += [
        f"owner_setup_partners with {row['partners']} partners: the converged run changed {row['converged_changed']} "
        f"and wrote {row['converged_writes']}"
        for row in numbers["partner_roles"]
        if row["converged_changed"] or row["converged_writes"]
    ]
    if setup["twin_calls"]:
        found.append(
            f"the twin (stand-in modules) made {setup['twin_calls']} API calls: some task of the set-up is not a stand-in"
        )
    return found


def table(numbers):
    """The human-readable report: one row per module, the set-up against its twin, the scale rows."""
    header = ("module", "converged ms", "x ping", "reads", "writes", "create r/w", "import ms", "SDKs loaded")
    rows = [header]
    for module, data in numbers["modules"].items():
        converged, create, imported = data["converged"], data["create"], data["import"]
        rows.append(
            (
                module,
                f"{converged['median_seconds'] * 1000:.0f}",
                f"{data['ping_ratio']:.2f}",
                str(converged["reads"]),
                str(converged["writes"]),
                f"{create['reads']}/{create['writes']}",
                "-" if imported["seconds"] is None else f"{imported['seconds'] * 1000:.0f}",
                ", ".join(sdk.replace("alibabacloud_", "") for sdk in imported["sdks"] or ()) or "-",
            )
        )
    lines = aligned(rows)
    lines.append(
        f"{numbers['baseline']['module']} (the floor of a shipped task): {numbers['baseline']['median_seconds'] * 1000:.0f} ms"
    )
    setup = numbers["setup"]
    lines.append(
        f"\nConverged owner + operator set-up: {setup['real_seconds']:.1f} s, its twin (modules as ping-like stand-ins) "
        f"{setup['twin_seconds']:.1f} s: {numbers['twin_ratio']:.2f}x the twin (CPU {setup['cpu_ratio']:.2f}x), "
        f"median of {setup['pairs']} interleaved pairs"
    )
    if numbers["scale"]:
        lines.append("\nOnboarding partners (one role in A and one operator_setup per partner, from the seed state):")
        lines += aligned(
            [("partners", "forks", "owner side s", "operator side s", "s per partner")]
            + [
                (
                    str(row["partners"]),
                    str(row["forks"]),
                    f"{row['owner_seconds']:.1f}",
                    f"{row['operator_seconds']:.1f}",
                    f"{row['seconds_per_partner']:.2f}",
                )
                for row in numbers["scale"]
            ]
        )
    if numbers["partner_roles"]:
        lines.append(
            "\nOne role per partner (owner_setup_partners, one owner.yml run for all partners, from the seed state):"
        )
        lines += aligned(
            [("partners", "create s", "s per partner", "converged s", "s per partner")]
            + [
                (
                    str(row["partners"]),
                    f"{row['create_seconds']:.1f}",
                    f"{row['create_seconds_per_partner']:.2f}",
                    f"{row['converged_seconds']:.1f}",
                    f"{row['converged_seconds_per_partner']:.2f}",
                )
                for row in numbers["partner_roles"]
            ]
        )
    machine = numbers["machine"]
    lines.append(
        f"\n{numbers['repeat']} converged runs after one create run; {machine['cpus']} CPUs, load average "
        f"{machine['load_average_at_start']:.1f} at the start, {machine['load_average_at_end']:.1f} at the end; "
        f"{numbers['seconds']:.0f} s in all. Converged calls per task:"
    )
    lines += [
        f"  {module}: {', '.join(data['converged']['actions']) or 'none'}"
        for module, data in numbers["modules"].items()
    ]
    return "\n".join(lines)


def aligned(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def counts(text):
    return tuple(int(number) for number in text.split(",") if number.strip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--repeat", type=int, default=5, help="converged runs after the create run, and set-up pairs (default 5)"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument(
        "--no-import-time", dest="import_time", action="store_false", help="skip the per-module import profile"
    )
    parser.add_argument(
        "--partners",
        type=counts,
        default=(1, 10, 50),
        help="partner counts of the scale rows (default 1,10,50; empty skips them)",
    )
    parser.add_argument("--forks", type=counts, default=(1, 2), help="forks of each scale row (default 1,2)")
    parser.add_argument(
        "--partner-roles",
        type=counts,
        default=(10, 100),
        help="partner counts of the one-role-per-partner rows (default 10,100; empty skips them)",
    )
    options = parser.parse_args(argv)
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    numbers = measure(
        options.repeat, options.import_time, options.partners, options.forks or (1,), options.partner_roles
    )
    sys.stdout.write(table(numbers) + "\n")
    if options.json:
        options.json.write_text(json.dumps(numbers, indent=2) + "\n")
    found = problems(numbers)
    for problem in found:
        sys.stderr.write(f"PROBLEM: {problem}\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
