"""`make demo`: the whole cross-account story against a local emulator, in a few minutes and with no cloud account.

Starts the emulator on a free port with a temporary state, then runs the collection's own playbooks with the example
inventory (playbooks/inventory), the way a user would, with the accounts' credentials in the environment:

  1. Account A sets up the least-privilege policy and the role; Account B sets up its group (which holds the right to
     assume the role), its people (console logins, passwords only in 0600 files) and its application (AccessKey).
  2. B's application assumes the role, publishes and consumes on the granted topic, and is refused elsewhere.
  3. Both set-ups run again and change nothing.
  4. A changed grant runs in --check --diff: the diff is shown and the emulator records no write.
  5. A joiner: bob joins B's group and assumes A's role; Account A makes no API call and its RAM is unchanged.
  6. A leaver: alice leaves B's group; her old AccessKey is refused by AssumeRole, then her keys and login go.
  7. A revokes (role and policy deleted) and proves it; then a new AssumeRole is refused and nothing is left in A.

Prints a summary table and exits non-zero if any step failed. Runs from a checkout (`make demo` stages the
collection and sets ANSIBLE_COLLECTIONS_PATH; without it, a link to this checkout is used).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from acs_emulator.testing import running_emulator

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "emulator" / "seed-example.yml"
PLAYBOOKS = REPO / "playbooks"
INVENTORY = PLAYBOOKS / "inventory"
BIN = Path(sys.executable).parent
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)",
    re.MULTILINE,
)
OWNER_UID = "1000000000000001"
PARTNER_UID = "2000000000000002"
GROUP = "rocketmq-operators"
LEAVER_PROOF = "A leaver's old AccessKey can no longer assume the role"
CHANGED_GRANT = {
    "series": "4.x",
    "instance_id": "MQ_INST_1000000000000001_BXhFHbcq",
    "publish_topics": ["orders", "audit"],
    "subscribe_topics": ["orders"],
    "subscribe_groups": ["GID_orders_consumer"],
}


@dataclass
class Step:
    title: str
    expectation: str
    outcome: str = "not run"
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    facts: list = field(default_factory=list)  # what a passing step showed, for the summary


@dataclass
class Run:
    rc: int
    output: str

    def changed(self):
        """Total ``changed=`` of the PLAY RECAP (a run without a recap never passes as "nothing changed")."""
        counts = [int(match["changed"]) for match in RECAP_LINE.finditer(self.output)]
        if not counts:
            raise AssertionError("ansible-playbook printed no PLAY RECAP")
        return sum(counts)


class Demo:
    def __init__(self, emulator, workdir: Path, collections: str):
        self.emulator = emulator
        self.workdir = workdir
        self.env = self._environment(emulator.url, collections)
        self.steps = []
        self.facts = []

    def _environment(self, url, collections):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in PROXY_VARIABLES and not key.startswith("ALIBABA_CLOUD_")
        }
        env.update(admin_credentials_from_seed())
        env.update(
            {
                "ALIBABA_CLOUD_ENDPOINT_URL": url,
                "ANSIBLE_COLLECTIONS_PATH": collections,
                "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
                "ANSIBLE_STDOUT_CALLBACK": "default",  # the summary reads its PLAY RECAP
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_RETRY_FILES_ENABLED": "false",
                "ANSIBLE_HOME": str(self.workdir / "ansible-home"),
                "ANSIBLE_LOCAL_TEMP": str(self.workdir / "ansible-tmp"),
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        return env

    def playbook(self, name, *options, extra_vars=None):
        """Run playbooks/<name> with the example inventory, streaming its output, and return its rc and output."""
        # The AccessKey and password files and the access reviews go to the temporary directory, not to ~/.alibabacloud.
        variables = json.dumps(
            {
                "operator_setup_access_key_dir": str(self.workdir / "keys"),
                "operator_setup_password_dir": str(self.workdir / "passwords"),
                "review_output_dir": str(self.workdir / "reviews"),
                **(extra_vars or {}),
            }
        )
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(INVENTORY),
            str(PLAYBOOKS / name),
            *options,
            "-e",
            variables,
        ]
        shown = ["ansible-playbook", "-i", "playbooks/inventory", f"playbooks/{name}", *options, "-e", f"'{variables}'"]
        print("\n$ " + " ".join(shown), flush=True)
        process = subprocess.Popen(
            command, env=self.env, cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = []
        for line in process.stdout:
            lines.append(line)
            print("    " + line, end="", flush=True)
        return Run(process.wait(), "".join(lines))

    def step(self, title, expectation, check):
        """Run ``check()`` (returns a list of failures) as a numbered step of the summary."""
        step = Step(title, expectation)
        self.steps.append(step)
        print(f"\n=== {len(self.steps)}. {title}: {expectation}", flush=True)
        started = time.monotonic()
        self.facts = step.facts
        try:
            failures = check()
        except Exception as error:  # a demo step that crashes is a failed step, reported like the others
            failures = [f"{type(error).__name__}: {error}"]
        step.seconds = time.monotonic() - started
        step.outcome = "FAIL" if failures else "PASS"
        step.notes = failures
        for failure in failures:
            print(f"    FAILED: {failure}", flush=True)
        for fact in step.facts:
            print(f"    -> {fact}", flush=True)
        return not failures

    # --- the checks -------------------------------------------------------------------------------------------

    def setup_changes(self, name):
        return self.first_setup(name)[1]

    def first_setup(self, name):
        """(run, failures) of a set-up's first run, which must change something."""
        run = self.playbook(name, "--diff")
        return run, expect_rc(run, 0) + ([] if run.changed() > 0 else ["expected changes on the first run"])

    def setup_converged(self, name):
        run = self.playbook(name)
        return expect_rc(run, 0) + ([] if run.changed() == 0 else [f"changed={run.changed()} on a second run"])

    def person_has_a_private_password(self):
        """Account B's first set-up: alice's generated console password is only in its 0600 file."""
        run, failures = self.first_setup("operator.yml")
        password_file = self.workdir / "passwords" / "alice.password"
        if not password_file.exists():
            return failures + ["no password file was written for alice"]
        mode = password_file.stat().st_mode & 0o777
        failures += [] if mode == 0o600 else [f"alice's password file has mode {mode:o}, not 600"]
        failures += ["alice's password shows in the output"] if password_file.read_text().strip() in run.output else []
        self.facts.append(f"alice's console password: only in {password_file} (mode 600), never printed")
        return failures

    def joiner(self):
        """bob joins B's group and assumes A's role: Account A's own users make no call and its RAM stays the same."""
        before = self.ram(OWNER_UID)
        self.emulator.reset_calls()
        run = self.playbook("demo.yml", "--tags", "joiner")
        failures = expect_rc(run, 0)
        failures += (
            [] if task_passed(run.output, "Assume the role of Account A") else ["bob's AssumeRole did not run and pass"]
        )
        # A role session of Account A (bob's, using RocketMQ) is A's identity, not a change made by A.
        by_owner = [
            call for call in self.emulator.calls(account=OWNER_UID)["calls"] if ":assumed-role/" not in call["identity"]
        ]
        failures += (
            [f"Account A made {len(by_owner)} API call(s): {sorted({c['action'] for c in by_owner})}"]
            if by_owner
            else []
        )
        failures += [] if self.ram(OWNER_UID) == before else ["Account A's RAM changed"]
        members, users = self.group_members(), self.ram(PARTNER_UID)["users"]
        failures += [] if "bob" in members else [f"bob is not in {GROUP} ({members})"]
        failures += [] if not users.get("bob", {}).get("attachments") else ["bob holds a policy of his own"]
        self.facts += [
            f"Account A: {len(by_owner)} API calls, RAM unchanged; only Account B's playbook ran",
            f"{GROUP}: {', '.join(members)}; bob holds no policy of his own",
        ]
        return failures

    def leaver(self):
        """alice leaves B's group: her old AccessKey is refused by AssumeRole, then her keys and console login go."""
        run = self.playbook("demo.yml", "--tags", "leaver")
        failures = expect_rc(run, 0)
        failures += (
            [] if task_passed(run.output, LEAVER_PROOF) else [f"the proof '{LEAVER_PROOF}' did not run and pass"]
        )
        alice = self.ram(PARTNER_UID)["users"].get("alice", {})
        failures += [] if "alice" not in self.group_members() else [f"alice is still in {GROUP}"]
        failures += [] if not alice.get("access_keys") else ["alice still has AccessKeys"]
        failures += [] if "login_profile" not in alice else ["alice can still sign in to the console"]
        refused = re.search(r"Its old AccessKey (\S+) is refused: AssumeRole on \S+ answered (\w+)", run.output)
        if refused:
            self.facts.append(
                f"alice's old AccessKey {refused.group(1)}: AssumeRole refused ({refused.group(2)}); "
                "her keys and console login deleted"
            )
        sessions = re.search(r"at most (\d+) s", run.output)
        if sessions:
            self.facts.append(f"sessions she started before live until they expire: at most {sessions.group(1)} s")
        return failures

    def ram(self, uid):
        return self.emulator.admin("GET", "state")["accounts"][uid]["ram"]

    def group_members(self):
        ram = self.ram(PARTNER_UID)
        names = {user["UserId"]: name for name, user in ram["users"].items()}
        group = ram.get("groups", {}).get(GROUP) or {"members": []}
        return sorted(names[member["UserId"]] for member in group["members"])

    def access_matches(self):
        return expect_rc(self.playbook("access.yml"), 0)

    def changed_grant_predicted(self):
        self.emulator.reset_calls()
        run = self.playbook("owner.yml", "--check", "--diff", extra_vars={"cross_account_grant": CHANGED_GRANT})
        writes = self.emulator.calls()["writes"]
        failures = expect_rc(run, 0)
        failures += (
            []
            if "MQ_INST_1000000000000001_BXhFHbcq%audit" in run.output
            else ["the diff does not show the new audit topic"]
        )
        failures += [] if run.changed() > 0 else ["check mode did not report the change"]
        failures += [] if writes == 0 else [f"the emulator recorded {writes} write call(s) in check mode"]
        return failures

    def revoked_and_proved(self):
        run = self.playbook("demo.yml")
        failures = expect_rc(run, 0)
        for task in (
            "A new AssumeRole of the revoked partner is refused",
            "A session issued before the revocation can no longer use RocketMQ",
        ):
            if not task_passed(run.output, task):
                failures.append(f"the proof '{task}' did not run and pass")
        return failures

    def nothing_left(self):
        # B's clean-up deleted the application's AccessKey: asking with it would only show an authentication error,
        # which proves nothing about A. Account B's administrator asks instead: STS must refuse the role itself.
        admin_key = self.workdir / "keys" / "b-administrator.json"
        with os.fdopen(os.open(admin_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(
                {
                    "AccessKeyId": self.env["ACCOUNT_B_ACCESS_KEY_ID"],
                    "AccessKeySecret": self.env["ACCOUNT_B_ACCESS_KEY_SECRET"],
                },
                handle,
            )
        run = self.playbook(
            "access.yml",
            extra_vars={"operator_access_wait_for_role": 0, "operator_access_access_key_file": str(admin_key)},
        )
        refused = run.rc != 0 and re.search(r"NoPermission|EntityNotExist\.Role", run.output)
        if refused:
            self.facts.append(
                f"the failure above is the point: Account B's administrator's AssumeRole is refused ({refused.group(0)})"
            )
        failures = (
            []
            if refused
            else ["Account B could still assume the role after the revocation (or was not refused by STS)"]
        )
        owner = self.emulator.admin("GET", "state")["accounts"][OWNER_UID]["ram"]
        failures += [f"role {role['RoleName']} is left in Account A" for role in owner["roles"].values()]
        failures += [
            f"custom policy {policy['PolicyName']} is left in Account A" for policy in owner["policies"].values()
        ]
        return failures


def task_passed(output, task):
    """Whether the task named ``task`` (of a role or not) printed ``ok:``; -v and more add lines between the two."""
    sections = re.split(r"^\s*TASK \[", output, flags=re.MULTILINE)[1:]
    return any(
        re.match(rf"(?:[^\]\n]*: )?{re.escape(task)}\] ", section) and re.search(r"^\s*ok: \[", section, re.MULTILINE)
        for section in sections
    )


def expect_rc(run, expected):
    return [] if run.rc == expected else [f"ansible-playbook exited with {run.rc}"]


def admin_credentials_from_seed():
    """ACCOUNT_A_/ACCOUNT_B_ACCESS_KEY_ID/SECRET: the example inventory reads the accounts' keys from there."""
    accounts = yaml.safe_load(SEED.read_text())["accounts"]
    env = {}
    for letter, account in zip("AB", accounts):
        admin = next(user for user in account["users"] if user["name"] == "admin")
        key = admin["access_keys"][0]
        env[f"ACCOUNT_{letter}_ACCESS_KEY_ID"] = key["id"]
        env[f"ACCOUNT_{letter}_ACCESS_KEY_SECRET"] = key["secret"]
    return env


def collections_path(workdir: Path) -> str:
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    link = workdir / "collections" / "ansible_collections" / "apsaramq" / "cross_account"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return str(workdir / "collections")


def run_steps(demo):
    set_up = demo.step("Account A set-up", "policy, role and trust created", lambda: demo.setup_changes("owner.yml"))
    set_up = set_up and demo.step(
        "Account B set-up",
        f"{GROUP} granted; logins and AccessKeys written, no secret shown",
        demo.person_has_a_private_password,
    )
    if not set_up:
        return
    # Each later step stands on the set-up alone, so they all run even if one of them fails.
    demo.step("B's access", "publish and consume on orders allowed, payments refused", demo.access_matches)
    demo.step("Account A set-up again", "changed=0", lambda: demo.setup_converged("owner.yml"))
    demo.step("Account B set-up again", "changed=0", lambda: demo.setup_converged("operator.yml"))
    demo.step("Changed grant in --check --diff", "diff shown, 0 write calls", demo.changed_grant_predicted)
    demo.step("Joiner bob (B only)", f"joins {GROUP}, assumes A's role; Account A: 0 calls", demo.joiner)
    demo.step("Leaver alice (B only)", "her old AccessKey refused; keys and login gone", demo.leaver)
    demo.step(
        "Revocation", "role and policy deleted; new AssumeRole refused; old session cut off", demo.revoked_and_proved
    )
    demo.step(
        "After the revocation", "B's administrator refused by STS; no role, no custom policy left", demo.nothing_left
    )


def print_summary(steps):
    width = max(len(step.title) for step in steps)
    expectation_width = max(len(step.expectation) for step in steps)
    print("\n" + "=" * (width + expectation_width + 24))
    print(f"{'step':<{width}}  {'expected':<{expectation_width}}  result    time")
    for step in steps:
        print(
            f"{step.title:<{width}}  {step.expectation:<{expectation_width}}  {step.outcome:<8}  {step.seconds:5.1f}s"
        )
        for note in step.notes + step.facts:
            print(f"{'':<{width}}  -> {note}")
    print("=" * (width + expectation_width + 24))


def main():
    with tempfile.TemporaryDirectory(prefix="apsaramq-demo-") as temporary:
        workdir = Path(temporary)
        (workdir / "keys").mkdir(mode=0o700)
        print(f"Starting the emulator (state in {workdir / 'state.sqlite'}) ...", flush=True)
        with running_emulator(seed=str(SEED), args=["--state", str(workdir / "state.sqlite")]) as emulator:
            print(
                f"Emulator listening on {emulator.url}; the playbooks reach it through ALIBABA_CLOUD_ENDPOINT_URL and sign with the\n"
                "administrators' keys of the emulator's accounts A and B, exported as ACCOUNT_A_/ACCOUNT_B_ACCESS_KEY_ID/SECRET\n"
                "for playbooks/inventory (as you would export your own).",
                flush=True,
            )
            demo = Demo(emulator, workdir, collections_path(workdir))
            run_steps(demo)
        print_summary(demo.steps)
    failed = [step for step in demo.steps if step.outcome != "PASS"]
    if failed:
        print(f"demo: {len(failed)} step(s) failed or did not run")
        return 1
    print("demo: every step passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
