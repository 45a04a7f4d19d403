"""Integration harness: the collection's modules run through ansible-playbook against the emulator over HTTP.

Fixtures:
- ``emulator``: one emulator per test module (per xdist worker), seeded with tests/emulator/seed-example.yml.
- ``emu``: the same emulator, reset to the seed with empty call counters before each test.
- ``run_playbook``: runs a playbook (a path, or YAML text) and returns a ``PlaybookRun``; the accounts of
  vars/accounts.yml (``account_a``, ``account_b``, ``account_c``) and ``emulator_url`` are passed as extra vars.
"""
import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from acs_emulator.testing import running_emulator

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "emulator" / "seed-example.yml"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
ACCOUNTS_FILE = Path(__file__).resolve().parent / "vars" / "accounts.yml"
ACCOUNTS = yaml.safe_load(ACCOUNTS_FILE.read_text())
BIN = Path(sys.executable).parent
SCRUBBED_ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_", "ANSIBLE_")
_RUNS = itertools.count()
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    report: dict

    @property
    def tasks(self):
        """Every task result of every play: dicts with the task name and the module result."""
        found = []
        for play in self.report.get("plays", []):
            for task in play.get("tasks", []):
                for result in task.get("hosts", {}).values():
                    found.append({"task": task["task"]["name"], **result})
        return found

    def result(self, name):
        """The result of the (last) task called ``name``."""
        matching = [task for task in self.tasks if task["task"] == name]
        assert matching, f"no task named {name!r} ran; tasks: {[t['task'] for t in self.tasks]}"
        return matching[-1]

    @property
    def output(self):
        """Everything the run printed, for checks that no secret is displayed."""
        return self.stdout + self.stderr

    @property
    def stats(self):
        return next(iter(self.report.get("stats", {}).values()), {})


def collections_root(base: Path) -> Path:
    """An ansible_collections tree whose apsaramq/cross_account is this checkout, so edits are live."""
    link = base / "ansible_collections" / "apsaramq" / "cross_account"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    return base


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    return collections_root(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def emulator():
    with running_emulator(seed=str(SEED)) as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    emulator.reset()  # the seed state, and empty call and decision logs
    return emulator


def playbook_env(emulator_url: str, collections: Path, tmp_path: Path, report: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_ENV_PREFIXES) and k not in PROXY_VARS}
    env.update({
        "ALIBABA_CLOUD_ENDPOINT_URL": emulator_url,
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "json_report",
        "JSON_REPORT_FILE": str(report),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


@pytest.fixture
def run_playbook(emu, collections_path, tmp_path):
    """Run a playbook against the emulator. ``playbook``: a file under tests/integration/playbooks, a Path, or YAML text."""

    def run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, callback=None, expect_rc=0):
        """``callback`` is accepted for compatibility: the default stdout and a JSON report are both always made."""
        del callback
        path = _playbook_path(playbook, tmp_path)
        report = tmp_path / f"report-{next(_RUNS)}.json"
        command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)]
        # Secrets go in by file: ansible-playbook -vvvv echoes command-line extra vars.
        command += ["-e", f"@{ACCOUNTS_FILE}", "-e", json.dumps({"emulator_url": emu.url, **(extra_vars or {})})]
        command += ["--check"] * check + ["--diff"] * diff + ([f"-{'v' * verbosity}"] if verbosity else [])
        proc_env = playbook_env(emu.url, collections_path, tmp_path, report)
        proc_env.update(env or {})
        proc = subprocess.run(command, capture_output=True, text=True, env=proc_env, cwd=str(PLAYBOOKS), timeout=600, check=False)
        outcome = PlaybookRun(proc.returncode, proc.stdout, proc.stderr, json.loads(report.read_text()) if report.exists() else {})
        if expect_rc is not None:
            assert proc.returncode == expect_rc, f"rc={proc.returncode}\nSTDOUT:\n{proc.stdout[-6000:]}\nSTDERR:\n{proc.stderr[-3000:]}"
        return outcome

    return run


def _playbook_path(playbook, tmp_path: Path) -> Path:
    if isinstance(playbook, Path):
        return playbook
    if "\n" not in playbook:
        return PLAYBOOKS / playbook
    path = tmp_path / "playbook.yml"
    path.write_text(playbook)
    return path
