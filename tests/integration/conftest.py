"""Integration harness: the collection's modules run through ansible-playbook against a target, over HTTP.

The target is the local emulator (the default) or, with INTEGRATION_TARGET=live, the real Alibaba Cloud (README.md,
"Live mode"; live_cloud.py). The tests are the same; what differs is decided here, in one place:

| | emulator (default) | live |
| --- | --- | --- |
| accounts (``ACCOUNTS``, extra vars ``account_a``...) | vars/accounts.yml, the seed's keys | LIVE_ACCOUNT_*; B's alice made at the start |
| resource names (``resource_name``, the ``name_prefix`` extra var) | as written in the tests | prefixed ``ansiblelive-<run>-<worker>-`` |
| RocketMQ 4.x instance, topics, groups (``MQ``) | the seed's | LIVE_MQ_* variables |
| endpoints | ALIBABA_CLOUD_ENDPOINT_URL = the emulator | public (ALIBABA_CLOUD_ENDPOINT_URL unset), or what it is set to (make test-live-emulator) |
| state before each test | the seed (the emulator is reset) | nothing of this worker's earlier tests (they are deleted) |

Fixtures:
- ``emulator``: one emulator per test module (per xdist worker), seeded with tests/emulator/seed-example.yml.
- ``emu``: the same emulator, reset to the seed with empty call counters before each test. Its admin interface (call
  counters, state, faults, clock) exists only there: tests that use it are marked ``emulator_only`` and skipped in
  live mode, where ``emu`` fails any use.
- ``target``: the target of the test, in its state before a test (``EmulatorTarget`` or ``LiveTarget``).
- ``run_playbook``: runs a playbook (a path, or YAML text) and returns a ``PlaybookRun``; the accounts (``account_a``,
  ``account_b``, ``account_c``) and the target's variables (``emulator_url``; in live mode ``name_prefix`` and the
  instance's HTTP endpoint) are passed as extra vars.
"""

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import live_cloud
import pytest
import yaml
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from acs_emulator.testing import running_emulator

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "emulator" / "seed-example.yml"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
ACCOUNTS_FILE = Path(__file__).resolve().parent / "vars" / "accounts.yml"
BIN = Path(sys.executable).parent
SCRUBBED_ENV_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_", "ANSIBLE_")
_RUNS = itertools.count()
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")

# ---- the target ---------------------------------------------------------------------------------------------------

TARGET = os.environ.get(live_cloud.TARGET_VARIABLE) or "emulator"
LIVE = TARGET == "live"
if LIVE and not os.environ.get("LIVE_RUN_ID"):
    # Set before xdist starts its workers, which inherit it: one run id for the whole run.
    os.environ["LIVE_RUN_ID"] = live_cloud.new_run_id()
LIVE_CONFIG: Optional[live_cloud.LiveConfig] = None
LIVE_CONFIG_ERROR = None
if LIVE:
    try:
        LIVE_CONFIG = live_cloud.load_config()
    except live_cloud.LiveConfigError as exc:
        LIVE_CONFIG_ERROR = str(exc)  # pytest_configure stops the run with it
WORKER = live_cloud.worker_number(os.environ.get("PYTEST_XDIST_WORKER"))
NAME_PREFIX = live_cloud.worker_prefix(LIVE_CONFIG.run_id, WORKER) if LIVE_CONFIG else ""


def resource_name(name):
    """The name a test gives a RAM role, policy or user: ``name`` itself against the emulator, with this worker's
    ``ansiblelive-<run>-<worker>-`` prefix in live mode (the clean-up deletes only names with it)."""
    return NAME_PREFIX + name


@dataclass(frozen=True)
class MqNames:
    """The RocketMQ 4.x instance of Account A the tests publish and consume on, with its HTTP endpoint in live mode
    (against the emulator, ALIBABA_CLOUD_ENDPOINT_URL serves it). The attributes are named after the seed's topics."""

    instance_id: str = "MQ_INST_1000000000000001_BXhFHbcq"
    orders: str = "orders"
    payments: str = "payments"
    orders_group: str = "GID_orders_consumer"
    payments_group: str = "GID_payments_consumer"
    http_endpoint: Optional[str] = None

    @property
    def module_options(self):
        """Options for a rocketmq_access_check task (or module_defaults) that probes the instance."""
        return {"mq_http_endpoint": self.http_endpoint} if self.http_endpoint else {}


def _live_mq(config):
    mq = config.mq
    return MqNames(mq.instance_id, mq.topic, mq.other_topic, mq.group, mq.other_group, mq.http_endpoint)


def _live_accounts(config):
    """ACCOUNTS in live mode: the structure of vars/accounts.yml, with the keys of LIVE_ACCOUNT_*. Account B's alice
    is filled in by the ``live_run`` fixture once it has made her; a missing account C gets keys nothing accepts
    (the tests that need it are skipped)."""
    accounts = {}
    for letter in live_cloud.ACCOUNT_LETTERS:
        account = config.accounts.get(letter)
        keys = (
            {"access_key_id": account.access_key_id, "access_key_secret": account.access_key_secret}
            if account
            else {"access_key_id": "LIVE_ACCOUNT_C_NOT_SET", "access_key_secret": "LIVE_ACCOUNT_C_NOT_SET"}
        )
        uid = account.uid if account else "0000000000000003"
        accounts[f"account_{letter}"] = {"uid": uid, "alias": uid, "admin": keys}
    accounts["account_b"]["alice"] = {
        "access_key_id": "MADE_AT_THE_START_OF_THE_SESSION",
        "access_key_secret": "MADE_AT_THE_START_OF_THE_SESSION",
    }
    return accounts


ACCOUNTS = _live_accounts(LIVE_CONFIG) if LIVE_CONFIG else yaml.safe_load(ACCOUNTS_FILE.read_text())
MQ = _live_mq(LIVE_CONFIG) if LIVE_CONFIG else MqNames()


class EmulatorTarget:
    """The local emulator, reset to its seed."""

    name = "emulator"

    def __init__(self, emulator):
        self.emulator = emulator
        self.endpoint_url = emulator.url
        self.accounts_file = ACCOUNTS_FILE
        self.extra_vars = {"emulator_url": emulator.url}
        self.env = {}

    def after_playbook(self):
        pass


class LiveTarget:
    """The real cloud (or whatever ALIBABA_CLOUD_ENDPOINT_URL points at), with this worker's names cleaned up."""

    name = "live"

    def __init__(self, run, accounts_file):
        config = run.config
        self.run = run
        self.endpoint_url = config.endpoint_url
        self.accounts_file = accounts_file
        # Role variables the tests never set themselves: the 4.x HTTP endpoint (no public default exists) and the wait
        # for a new role or grant to reach STS (the emulator needs none, the tests say 0).
        self.extra_vars = {
            "name_prefix": run.prefix,
            "operator_access_mq_http_endpoint": config.mq.http_endpoint,
            "revoke_verify_mq_http_endpoint": config.mq.http_endpoint,
            "operator_access_wait_for_role": config.wait_for_role,
        }
        self.env = {"ALIBABA_CLOUD_REGION_ID": config.region}

    def after_playbook(self):
        self.run.after_playbook()

    def reset(self):
        self.run.reset()


class NoEmulator:
    """``emu`` in live mode: any use fails the test, which should have been marked emulator_only."""

    def __init__(self, nodeid):
        self._nodeid = nodeid

    def __getattr__(self, name):
        raise AssertionError(
            f"{self._nodeid} uses the emulator ({name}) in live mode: mark it "
            "@pytest.mark.emulator_only(reason) or make it use public APIs only"
        )


# ---- ansible-core versions ----------------------------------------------------------------------------------------

# In-process execution needs ansible-core 2.19's module serialization profiles; before 2.19 (make test-matrix runs
# 2.17) every module ships, which tests/unit/plugins/test_in_process_runner.py checks. Tests of in-process execution
# and of its benchmark (whose twin collection replays recorded results keyed by 2.19's arguments) skip there.
needs_in_process_core = pytest.mark.skipif(
    tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19),
    reason="in-process execution needs ansible-core 2.19 or later",
)


# ---- plays and SDK clients the tests build --------------------------------------------------------------------------

COLLECTION_GROUP = "group/apsaramq.cross_account.all"


def admin_keys(account, **options):
    """The common options for ``account``'s administrator (``account_a``...), as Jinja references to the extra vars."""
    return {
        "access_key_id": "{{ %s.admin.access_key_id }}" % account,
        "access_key_secret": "{{ %s.admin.access_key_secret }}" % account,
        **options,
    }


def localhost_play(name, tasks, defaults=None, **keywords):
    """One play on localhost without facts; ``defaults`` become the collection's module_defaults."""
    play = {"name": name, "hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}
    if defaults is not None:
        play["module_defaults"] = {COLLECTION_GROUP: defaults}
    play.update(keywords)
    return play


def playbook(*plays):
    """The plays as playbook text (JSON is YAML) for ``run_playbook``."""
    return json.dumps(list(plays), indent=1) + "\n"


def sdk_client(endpoint, keys, client_class):
    """An alibabacloud SDK client (RAM, STS, RocketMQ) for ``keys`` over HTTP at ``endpoint``: how the tests set up
    or inspect what a module then reads, with the official SDK."""
    from alibabacloud_tea_openapi.models import Config  # pylint: disable=import-outside-toplevel

    return client_class(
        Config(
            access_key_id=keys["access_key_id"],
            access_key_secret=keys["access_key_secret"],
            endpoint=endpoint,
            protocol="http",
        )
    )


# ---- pytest hooks: markers, the live run's start and end -------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "emulator_only(reason): needs the emulator's admin interface (call counters, state, "
        "faults, clock) or its seed; skipped in live mode",
    )
    config.addinivalue_line(
        "markers",
        "needs_account_c: needs a third account (a second partner); in live mode skipped "
        "unless LIVE_ACCOUNT_C_* are set",
    )
    config.addinivalue_line(
        "markers",
        "shares_mq_topics: publishes or consumes on the 4.x instance's topics and groups; in "
        "live mode such tests run on one xdist worker (--dist loadgroup), one at a time",
    )
    if TARGET not in ("emulator", "live"):
        pytest.exit(
            f"{live_cloud.TARGET_VARIABLE} must be 'emulator' (the default) or 'live', got {TARGET!r}", returncode=2
        )
    if LIVE and LIVE_CONFIG_ERROR:
        pytest.exit(LIVE_CONFIG_ERROR, returncode=2)


def pytest_collection_modifyitems(config, items):
    del config
    if not LIVE:
        return
    for item in items:
        if item.get_closest_marker("shares_mq_topics"):
            # Every worker's emulator has its own topics; the live instance has one set: a probe message one worker
            # publishes must not be received (and hidden for minutes) by another worker's consume.
            item.add_marker(pytest.mark.xdist_group("live-rocketmq-4x-topics"))
        only = item.get_closest_marker("emulator_only")
        if only is not None:
            reason = only.args[0] if only.args else only.kwargs.get("reason", "uses the emulator's admin interface")
            item.add_marker(pytest.mark.skip(reason=f"emulator only: {reason}"))
        elif item.get_closest_marker("needs_account_c") and "c" not in LIVE_CONFIG.accounts:
            item.add_marker(
                pytest.mark.skip(
                    reason="needs a third account: set LIVE_ACCOUNT_C_UID, _ACCESS_KEY_ID, _ACCESS_KEY_SECRET"
                )
            )


def _is_controller(config):
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    """Live mode, once per run (before xdist starts its workers): check the keys, then remove the leftovers of
    earlier, interrupted runs (names ansiblelive-... of other run ids)."""
    if not (LIVE and LIVE_CONFIG and _is_controller(session.config)) or session.config.option.collectonly:
        return
    try:
        live_cloud.LiveRun(LIVE_CONFIG, "check").verify_identities()
    except live_cloud.LiveConfigError as exc:
        pytest.exit(f"{exc}\nNothing was created.", returncode=2)
    session.config.stash[_LIVE_START] = live_cloud.sweep_accounts(
        LIVE_CONFIG, live_cloud.PREFIX_ROOT, exclude=live_cloud.run_prefix(LIVE_CONFIG.run_id)
    )


def pytest_sessionfinish(session):
    """Live mode: whatever a worker could not remove (a crashed worker, say) goes now, by the run's prefix."""
    if LIVE and LIVE_CONFIG and _is_controller(session.config) and _LIVE_START in session.config.stash:
        session.config.stash[_LIVE_FINAL] = live_cloud.sweep_accounts(
            LIVE_CONFIG, live_cloud.run_prefix(LIVE_CONFIG.run_id)
        )


def pytest_terminal_summary(terminalreporter, config):
    if not (LIVE and LIVE_CONFIG and _is_controller(config) and _LIVE_START in config.stash):
        return
    terminalreporter.section(f"live run {LIVE_CONFIG.run_id}: what it created and removed")
    for line in live_cloud.describe_summaries(
        LIVE_CONFIG.run_id, config.stash[_LIVE_START], config.stash.get(_LIVE_FINAL, None)
    ):
        terminalreporter.write_line(line)


_LIVE_START = pytest.StashKey()
_LIVE_FINAL = pytest.StashKey()


# ---- fixtures ---------------------------------------------------------------------------------------------------------


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


def compact_size(document) -> int:
    """Length of a policy document as the modules send it: compact JSON."""
    return len(json.dumps(document, sort_keys=True, separators=(",", ":")))


def document_of_length(padded, length: int) -> dict:
    """``padded(pad)`` (a document growing one character per pad) grown to exactly ``length`` characters."""
    document = padded(length - compact_size(padded(0)))
    assert compact_size(document) == length
    return document


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
def emu(request):
    if LIVE:
        return NoEmulator(request.node.nodeid)
    emulator = request.getfixturevalue("emulator")
    emulator.reset()  # the seed state, and empty call and decision logs
    return emulator


@pytest.fixture(scope="session")
def live_run(tmp_path_factory):
    """Live mode: this worker's run (Account B's partner user made at the start; everything with the worker's prefix
    deleted at the end, whatever happened) and the 0600 accounts file the playbooks get."""
    run = live_cloud.LiveRun(LIVE_CONFIG, WORKER)
    accounts_file = tmp_path_factory.mktemp("live-accounts") / "accounts.yml"
    try:
        ACCOUNTS["account_b"]["alice"].update(run.start())
        accounts_file.touch(mode=0o600)
        accounts_file.write_text(yaml.safe_dump(ACCOUNTS))
        yield LiveTarget(run, accounts_file)
    finally:
        run.finish()
        accounts_file.unlink(missing_ok=True)


@pytest.fixture
def target(request):
    """The test's target in its clean state: the emulator reset to the seed, or the live accounts with nothing left
    of this worker's earlier tests."""
    if LIVE:
        live = request.getfixturevalue("live_run")
        live.reset()
        return live
    return EmulatorTarget(request.getfixturevalue("emu"))


def playbook_env(endpoint_url, collections: Path, tmp_path: Path, report: Path) -> dict:
    """The environment of ansible-playbook: the caller's, without its cloud and Ansible variables;
    ALIBABA_CLOUD_ENDPOINT_URL is ``endpoint_url``, and the proxy variables go too (the SDKs ignore NO_PROXY); with
    None (live mode, public endpoints) it stays unset and the caller's proxy variables are kept."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(SCRUBBED_ENV_PREFIXES) and not (endpoint_url and k in PROXY_VARS)
    }
    if endpoint_url:
        env["ALIBABA_CLOUD_ENDPOINT_URL"] = endpoint_url
    env.update(
        {
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
        }
    )
    return env


@pytest.fixture
def run_playbook(target, collections_path, tmp_path):
    """Run a playbook against the target. ``playbook``: a file under tests/integration/playbooks, a Path, or YAML text."""

    def run(
        playbook,
        extra_vars=None,
        check=False,
        diff=False,
        verbosity=0,
        env=None,
        callback=None,
        expect_rc=0,
        inventory=None,
    ):
        """``callback`` is accepted for compatibility: the default stdout and a JSON report are both always made.
        ``inventory``: a path for ``-i`` (its hosts run with a local connection) instead of ``localhost``."""
        del callback
        path = _playbook_path(playbook, tmp_path)
        report = tmp_path / f"report-{next(_RUNS)}.json"
        command = [str(BIN / "ansible-playbook"), "-i", str(inventory or "localhost,"), "-c", "local", str(path)]
        # Secrets go in by file: ansible-playbook -vvvv echoes command-line extra vars.
        command += ["-e", f"@{target.accounts_file}", "-e", json.dumps({**target.extra_vars, **(extra_vars or {})})]
        command += ["--check"] * check + ["--diff"] * diff + ([f"-{'v' * verbosity}"] if verbosity else [])
        proc_env = playbook_env(target.endpoint_url, collections_path, tmp_path, report)
        proc_env.update(target.env)
        proc_env.update(env or {})
        try:
            proc = subprocess.run(
                command, capture_output=True, text=True, env=proc_env, cwd=str(PLAYBOOKS), timeout=600, check=False
            )
        finally:
            target.after_playbook()
        outcome = PlaybookRun(
            proc.returncode, proc.stdout, proc.stderr, json.loads(report.read_text()) if report.exists() else {}
        )
        if expect_rc is not None:
            assert proc.returncode == expect_rc, (
                f"rc={proc.returncode}\nSTDOUT:\n{proc.stdout[-6000:]}\nSTDERR:\n{proc.stderr[-3000:]}"
            )
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
