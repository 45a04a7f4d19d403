"""Live mode of the integration suite: the same tests against the real Alibaba Cloud (README.md, "Live mode").

conftest.py switches to it when INTEGRATION_TARGET=live. This module holds what does not need pytest:

- ``load_config``: the two accounts (and an optional third), the region and the RocketMQ 4.x instance, from LIVE_*
  environment variables; anything missing or malformed is refused with one message that says what to set;
- the name prefix (``ansiblelive-<run>-<worker>-``) that every RAM role, policy and user a live test creates starts
  with, and the guard ``require_live_name`` that every write of this module goes through: a name without the prefix
  is never changed or deleted, whatever a caller asks;
- ``Ram``: RAM and STS of one account through the official SDKs (never through the collection under test);
- ``Sweeper``: the clean-up, which deletes what carries a prefix and reports what it removed and what it refused;
- ``LiveRun``: one pytest worker's share of a run (its partner user, its clean-ups, its summary file);
- ``least_privilege_policies``: the rights each key needs, shown in README.md and granted, and nothing more, to the
  keys ``make test-live-emulator`` runs with (tests/run_live_emulator.py);
- a command line: ``check`` (what ``make test-live`` runs first), ``cleanup [--dry-run] [--run ID]`` and ``policies``.

Against the real cloud ALIBABA_CLOUD_ENDPOINT_URL stays unset (public endpoints); ``make test-live-emulator`` sets it
to a local emulator, which is how the live path is proven end to end without an account.
"""

import argparse
import json
import os
import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit

TARGET_VARIABLE = "INTEGRATION_TARGET"  # "live" switches conftest.py to this module
OPT_IN = "LIVE_I_UNDERSTAND_THIS_CREATES_RESOURCES"
ENDPOINT_URL = "ALIBABA_CLOUD_ENDPOINT_URL"
PREFIX_ROOT = "ansiblelive-"
# Names the collection derives from a prefixed name and puts something in front of: ram_user_grant's (and
# operator_setup's) grant policy of a user is AssumeRole-<user name>.
DERIVED_PREFIXES = ("AssumeRole-",)
TAGS = ({"Key": "created-by", "Value": "apsaramq.cross_account live tests"},)
RUN_TAG = "ansiblelive-run"
ACCOUNT_LETTERS = ("a", "b", "c")
REPORTS = Path(__file__).resolve().parents[2] / ".build" / "live-runs"
KEY_PROPAGATION_SECONDS = 60
RETRYABLE = ("Throttling", "ServiceUnavailable", "InternalError")

RUN_VARIABLES = (
    (
        OPT_IN,
        "yes: you accept that the run creates RAM roles, policies, users and AccessKeys named ansiblelive-... in "
        "both accounts (and deletes them again)",
    ),
    ("LIVE_ACCOUNT_A_UID", "UID (16 digits) of Account A, the owner of the RocketMQ instance"),
    (
        "LIVE_ACCOUNT_A_ACCESS_KEY_ID",
        "AccessKey of a RAM user of Account A (README.md, 'Live mode': the rights it needs)",
    ),
    ("LIVE_ACCOUNT_A_ACCESS_KEY_SECRET", "its secret"),
    ("LIVE_ACCOUNT_B_UID", "UID of Account B, the partner (a different account)"),
    ("LIVE_ACCOUNT_B_ACCESS_KEY_ID", "AccessKey of a RAM user of Account B"),
    ("LIVE_ACCOUNT_B_ACCESS_KEY_SECRET", "its secret"),
    ("LIVE_REGION", "region of the instance and of STS, e.g. cn-hangzhou"),
    ("LIVE_MQ_INSTANCE_ID", "a RocketMQ 4.x instance of Account A, e.g. MQ_INST_1234567890123456_BXxxxxxx"),
    ("LIVE_MQ_HTTP_ENDPOINT", "its HTTP endpoint, e.g. http://<A's UID>.mqrest.cn-hangzhou.aliyuncs.com"),
)
CLEANUP_VARIABLES = tuple(item for item in RUN_VARIABLES if item[0].startswith("LIVE_ACCOUNT_"))
# (variable, default, meaning)
OPTIONAL_VARIABLES = (
    ("LIVE_MQ_TOPIC", "orders", "a topic of the instance that the tests grant (publish and consume)"),
    ("LIVE_MQ_OTHER_TOPIC", "payments", "a second topic, which the tests never grant"),
    ("LIVE_MQ_GROUP", "GID_orders_consumer", "a consumer group the tests grant on LIVE_MQ_TOPIC"),
    ("LIVE_MQ_OTHER_GROUP", "GID_payments_consumer", "a second group, never granted"),
    (
        "LIVE_ACCOUNT_C_UID, LIVE_ACCOUNT_C_ACCESS_KEY_ID, LIVE_ACCOUNT_C_ACCESS_KEY_SECRET",
        None,
        "a third account, a second partner (all three or none); without it the tests that need one are skipped",
    ),
    ("LIVE_WAIT_FOR_ROLE", "60", "seconds STS may take to honour a new role or grant (sts_assume wait_for_role)"),
    ("LIVE_RUN_ID", "random", "the run's id in the prefix ansiblelive-<run>-<worker>- (lower-case letters and digits)"),
    (ENDPOINT_URL, "unset", "leave unset against the real cloud; make test-live-emulator sets it to its emulator"),
)


class LiveConfigError(Exception):
    """The live configuration is incomplete or wrong; the message says what to set."""


class RefusedName(Exception):
    """A write was asked for on a name that does not carry the live prefix: it is never sent."""


class ApiFailure(Exception):
    """An API call failed: the error code and message of the service."""

    def __init__(self, action, code, message):
        super().__init__(f"{action}: {code}: {message}")
        self.action, self.code, self.message = action, code, message


# ---------------------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Account:
    letter: str
    uid: str
    access_key_id: str
    access_key_secret: str = field(repr=False)

    @property
    def label(self):
        return f"account {self.letter.upper()} ({self.uid})"


@dataclass(frozen=True)
class MqInstance:
    instance_id: str
    http_endpoint: str
    topic: str
    other_topic: str
    group: str
    other_group: str


@dataclass(frozen=True)
class LiveConfig:
    accounts: Dict[str, Account]
    region: str
    run_id: str
    endpoint_url: Optional[str] = None
    mq: Optional[MqInstance] = None
    wait_for_role: int = 60

    @property
    def endpoints(self):
        return f"{ENDPOINT_URL}={self.endpoint_url}" if self.endpoint_url else "the public endpoints of Alibaba Cloud"


def new_run_id():
    return secrets.token_hex(3)


def _account(environ, letter, problems, required=True):
    names = [f"LIVE_ACCOUNT_{letter.upper()}_{part}" for part in ("UID", "ACCESS_KEY_ID", "ACCESS_KEY_SECRET")]
    values = [environ.get(name, "").strip() for name in names]
    if not required and not any(values):
        return None
    missing = [name for name, value in zip(names, values) if not value]
    if missing:
        problems.append(f"{', '.join(missing)} not set" + ("" if required else " (account C takes all three or none)"))
        return None
    if not re.fullmatch(r"\d{16}", values[0]):
        problems.append(f"{names[0]} must be a 16-digit account UID, got {values[0]!r}")
        return None
    return Account(letter, *values)


def load_config(environ=None, purpose="run"):
    """The live configuration from ``environ`` (os.environ by default); ``purpose`` "run" (everything a test run
    needs, the opt-in included) or "cleanup" (the accounts only). Raises LiveConfigError naming what to set."""
    environ = os.environ if environ is None else environ
    problems = []
    if purpose == "run" and environ.get(OPT_IN, "").strip().lower() != "yes":
        problems.append(f"{OPT_IN} is not 'yes'")
    accounts = {letter: _account(environ, letter, problems, required=letter != "c") for letter in ACCOUNT_LETTERS}
    accounts = {letter: account for letter, account in accounts.items() if account is not None}
    uids = [account.uid for account in accounts.values()]
    if len(set(uids)) != len(uids):
        problems.append(f"the accounts must be different accounts, got the UIDs {', '.join(uids)}")
    region = environ.get("LIVE_REGION", "").strip()
    mq = None
    if purpose == "run":
        if not region:
            problems.append("LIVE_REGION not set")
        instance, endpoint = (
            environ.get(name, "").strip() for name in ("LIVE_MQ_INSTANCE_ID", "LIVE_MQ_HTTP_ENDPOINT")
        )
        if not instance:
            problems.append("LIVE_MQ_INSTANCE_ID not set")
        if not endpoint:
            problems.append("LIVE_MQ_HTTP_ENDPOINT not set")
        elif urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
            problems.append(f"LIVE_MQ_HTTP_ENDPOINT must be an http(s):// URL, got {endpoint!r}")
        names = {name: environ.get(name, "").strip() or default for name, default, _meaning in OPTIONAL_VARIABLES[:4]}
        mq = MqInstance(instance, endpoint, *names.values())
    run_id = environ.get("LIVE_RUN_ID", "").strip() or new_run_id()
    if not re.fullmatch(r"[a-z0-9]{1,8}", run_id):
        problems.append(f"LIVE_RUN_ID must be 1 to 8 lower-case letters or digits, got {run_id!r}")
    wait = environ.get("LIVE_WAIT_FOR_ROLE", "").strip() or "60"
    if not wait.isdigit() or int(wait) > 600:
        problems.append(f"LIVE_WAIT_FOR_ROLE must be 0 to 600 seconds, got {wait!r}")
        wait = "60"
    if problems:
        raise LiveConfigError(explain(problems, purpose))
    endpoint_url = environ.get(ENDPOINT_URL, "").strip() or None
    return LiveConfig(accounts, region or "cn-hangzhou", run_id, endpoint_url, mq, int(wait))


def explain(problems, purpose="run"):
    """The refusal: what is wrong, then every variable to set, with what it means."""
    required = RUN_VARIABLES if purpose == "run" else CLEANUP_VARIABLES
    lines = ["Live mode is not configured, so nothing was created:"]
    lines += [f"  - {problem}" for problem in problems]
    lines += ["", "Set these (README.md, 'Live mode', says what each key needs):"]
    lines += [f"  {name:<36} {meaning}" for name, meaning in required]
    if purpose == "run":
        lines += ["", "Optional:"]
        lines += [
            f"  {name} ({'default ' + default if default else 'no default'}): {meaning}"
            for name, default, meaning in OPTIONAL_VARIABLES
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- names


def run_prefix(run_id):
    """What every name of one run starts with (all its workers)."""
    return f"{PREFIX_ROOT}{run_id}-"


def worker_prefix(run_id, worker="0"):
    """The prefix of one pytest worker's names: ``ansiblelive-<run>-<worker>-``."""
    return f"{run_prefix(run_id)}{worker}-"


def worker_number(xdist_worker):
    """ "gw3" -> "3"; no xdist -> "0"."""
    digits = re.sub(r"\D", "", xdist_worker or "")
    return digits or "0"


def carries_prefix(name, prefix=PREFIX_ROOT):
    """True when ``name`` starts with ``prefix`` (or with a derived prefix such as AssumeRole- followed by it), case
    insensitively, as RAM compares names, and has something after it. ``prefix`` must itself start with
    ``ansiblelive-``: no caller can widen the guard."""
    if not str(prefix).lower().startswith(PREFIX_ROOT):
        raise ValueError(f"a live prefix starts with {PREFIX_ROOT!r}, got {prefix!r}")
    lowered, wanted = str(name or "").lower(), prefix.lower()
    return any(
        lowered.startswith(head.lower() + wanted) and len(lowered) > len(head) + len(wanted)
        for head in ("",) + DERIVED_PREFIXES
    )


def require_live_name(name, prefix=PREFIX_ROOT):
    """``name`` if it carries the prefix; RefusedName otherwise."""
    if not carries_prefix(name, prefix):
        raise RefusedName(f"refusing to change {name!r}: the live tests only touch names that start with {prefix!r}")
    return name


# ---------------------------------------------------------------------------------------------------- API


def _endpoint(endpoint_url, public_host):
    """(host, protocol) for the SDK Config."""
    if not endpoint_url:
        return public_host, "https"
    parts = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
    return parts.netloc, parts.scheme or "https"


class Ram:
    """RAM and STS of one account, signed with its key. ``read`` any action; ``write`` only on a ``subject`` (the
    role, user or policy the call changes, or a list of them) that carries the live prefix. ``counter`` (a dict)
    counts the calls made; with ``dry_run`` writes are not sent."""

    def __init__(self, account, endpoint_url=None, region="cn-hangzhou", counter=None, dry_run=False):
        from alibabacloud_ram20150501 import models as ram_models
        from alibabacloud_ram20150501.client import Client as RamClient
        from alibabacloud_sts20150401.client import Client as StsClient
        from alibabacloud_tea_openapi.models import Config

        self.account = account
        self.counter = counter if counter is not None else {}
        self.dry_run = dry_run
        self._models = ram_models

        def config(public_host):
            host, protocol = _endpoint(endpoint_url, public_host)
            return Config(
                access_key_id=account.access_key_id,
                access_key_secret=account.access_key_secret,
                endpoint=host,
                protocol=protocol,
                region_id=region,
                connect_timeout=5000,
                read_timeout=15000,
            )

        self._ram = RamClient(config("ram.aliyuncs.com"))
        self._sts = StsClient(config(f"sts.{region}.aliyuncs.com"))

    def _send(self, action, call):
        from darabonba.runtime import RuntimeOptions
        from Tea.exceptions import TeaException

        for attempt in range(1, 5):
            self.counter[action] = self.counter.get(action, 0) + 1
            try:
                response = call(RuntimeOptions(autoretry=False, max_attempts=1))
                return response.body.to_map() if response.body is not None else {}
            except TeaException as exc:
                code = str(exc.code or "") or "ConnectionError"  # the SDK gives no code when no answer came
                if attempt < 4 and code.startswith(RETRYABLE):
                    time.sleep(2**attempt / 2)
                    continue
                # The message of SignatureDoesNotMatch may quote a string to sign: keep only its first line.
                raise ApiFailure(
                    action, code, str(exc.message or "").splitlines()[0][:300] if exc.message else ""
                ) from None
            except OSError as exc:
                if attempt < 4:
                    time.sleep(2**attempt / 2)
                    continue
                raise ApiFailure(action, "ConnectionError", str(exc)) from None
        raise AssertionError("unreachable")

    def read(self, action, **params):
        method = getattr(self._ram, _snake(action) + "_with_options")
        request = (
            getattr(self._models, action + "Request")().from_map(params) if params or _takes_request(method) else None
        )
        return self._send(action, lambda runtime: method(request, runtime) if request is not None else method(runtime))

    def write(self, action, subject, **params):
        """``action`` on ``subject`` (a name or a list of names), each of which must carry the live prefix."""
        for name in subject if isinstance(subject, (list, tuple)) else [subject]:
            require_live_name(name)
        if self.dry_run:
            return {}
        return self.read(action, **params)

    def pages(self, action, wrapper, element, **params):
        """Every item of a Marker-paged list."""
        items, marker = [], None
        while True:
            body = self.read(action, **params, **({"Marker": marker} if marker else {}))
            items += (body.get(wrapper) or {}).get(element) or []
            marker = body.get("Marker") if body.get("IsTruncated") else None
            if not marker:
                return items

    def caller_identity(self):
        return self._send("GetCallerIdentity", self._sts.get_caller_identity_with_options)


def _snake(action):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


def _takes_request(method):
    import inspect

    return len(inspect.signature(method).parameters) > 1


def _names(items, key):
    return [item[key] for item in items]


LISTS = {
    "role": ("ListRoles", "Roles", "Role", "RoleName", {}),
    "policy": ("ListPolicies", "Policies", "Policy", "PolicyName", {"PolicyType": "Custom"}),
    "user": ("ListUsers", "Users", "User", "UserName", {}),
}


def list_live(ram, prefix, kinds=("role", "policy", "user")):
    """{"role": [...], "policy": [...], "user": [...]}: the names of the account that carry ``prefix``."""
    found = {}
    for kind in kinds:
        action, wrapper, element, key, params = LISTS[kind]
        found[kind] = sorted(
            name for name in _names(ram.pages(action, wrapper, element, **params), key) if carries_prefix(name, prefix)
        )
    return found


# ---------------------------------------------------------------------------------------------------- clean-up


@dataclass
class SweepReport:
    account: str
    removed: List[str] = field(default_factory=list)
    refused: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)
    seen: List[str] = field(default_factory=list)

    def to_dict(self):
        return {
            "account": self.account,
            "removed": self.removed,
            "refused": self.refused,
            "failed": self.failed,
            "seen": self.seen,
        }


class Sweeper:
    """Deletes an account's roles, users and custom policies whose names carry ``prefix``: roles (their attachments
    first), users (AccessKeys and attachments first), then policies (detached from live entities, older versions
    first). A policy still attached to an entity without the prefix, or a user in a group, is refused (left in place
    and reported): removing it would change something the live tests did not create. ``keep_users`` maps user names
    to the AccessKey ids to keep: such a user is emptied of its other keys and its policies but not deleted.
    ``exclude`` is a prefix whose names are left alone (the current run's, when leftovers of others are swept)."""

    def __init__(self, ram, prefix=PREFIX_ROOT, keep_users=None, exclude=None):
        carries_prefix(f"{prefix}x", prefix)  # refuses a prefix that does not start with ansiblelive-
        self.ram, self.prefix, self.keep_users, self.exclude = ram, prefix, dict(keep_users or {}), exclude
        self.report = SweepReport(ram.account.letter)

    def _mine(self, name):
        return carries_prefix(name, self.prefix) and not (self.exclude and carries_prefix(name, self.exclude))

    def _do(self, description, action, subject, **params):
        try:
            self.ram.write(action, subject, **params)
        except RefusedName as exc:
            self.report.refused.append(f"{description}: {exc}")
            return False
        except ApiFailure as exc:
            if exc.code.startswith("EntityNotExist"):
                return True  # already gone
            self.report.failed.append(f"{description}: {exc.code} {exc.message}")
            return False
        return True

    def run(self):
        try:
            found = list_live(self.ram, self.prefix)
        except ApiFailure as exc:
            self.report.failed.append(f"listing: {exc.code} {exc.message}")
            return self.report
        self.report.seen = [f"{kind} {name}" for kind, names in found.items() for name in names if self._mine(name)]
        for role in filter(self._mine, found["role"]):
            self._role(role)
        for user in filter(self._mine, found["user"]):
            self._user(user)
        for policy in filter(self._mine, found["policy"]):
            self._policy(policy)
        return self.report

    def _read(self, description, action, **params):
        try:
            return self.ram.read(action, **params)
        except ApiFailure as exc:
            if not exc.code.startswith("EntityNotExist"):
                self.report.failed.append(f"{description}: {exc.code} {exc.message}")
            return None

    def _role(self, role):
        attached = self._read(f"role {role}", "ListPoliciesForRole", RoleName=role)
        if attached is None:
            return
        for policy in (attached.get("Policies") or {}).get("Policy") or []:
            if not self._do(
                f"role {role}",
                "DetachPolicyFromRole",
                role,
                RoleName=role,
                PolicyName=policy["PolicyName"],
                PolicyType=policy["PolicyType"],
            ):
                return
        if self._do(f"role {role}", "DeleteRole", role, RoleName=role):
            self.report.removed.append(f"role {role}")

    def _user(self, user):
        keep = self.keep_users.get(user)
        groups = self._read(f"user {user}", "ListGroupsForUser", UserName=user)
        if groups is None:
            return
        if (groups.get("Groups") or {}).get("Group"):
            names = ", ".join(group["GroupName"] for group in groups["Groups"]["Group"])
            self.report.refused.append(
                f"user {user}: member of the group(s) {names}, which the live tests never make: left in place"
            )
            return
        keys = self._read(f"user {user}", "ListAccessKeys", UserName=user)
        attached = self._read(f"user {user}", "ListPoliciesForUser", UserName=user)
        if keys is None or attached is None:
            return
        for key in (keys.get("AccessKeys") or {}).get("AccessKey") or []:
            if keep is None or key["AccessKeyId"] not in keep:
                if not self._do(
                    f"user {user}", "DeleteAccessKey", user, UserName=user, UserAccessKeyId=key["AccessKeyId"]
                ):
                    return
        for policy in (attached.get("Policies") or {}).get("Policy") or []:
            if not self._do(
                f"user {user}",
                "DetachPolicyFromUser",
                user,
                UserName=user,
                PolicyName=policy["PolicyName"],
                PolicyType=policy["PolicyType"],
            ):
                return
        if keep is None and self._do(f"user {user}", "DeleteUser", user, UserName=user):
            self.report.removed.append(f"user {user}")

    def _policy(self, policy):
        entities = self._read(f"policy {policy}", "ListEntitiesForPolicy", PolicyName=policy, PolicyType="Custom")
        if entities is None:
            return
        attached = [
            (kind, item[key])
            for kind, wrapper, element, key in (
                ("role", "Roles", "Role", "RoleName"),
                ("user", "Users", "User", "UserName"),
                ("group", "Groups", "Group", "GroupName"),
            )
            for item in (entities.get(wrapper) or {}).get(element) or []
        ]
        foreign = [f"{kind} {name}" for kind, name in attached if kind == "group" or not carries_prefix(name)]
        if foreign:
            self.report.refused.append(
                f"policy {policy}: attached to {', '.join(foreign)}, not made by the live tests: left in place"
            )
            return
        for kind, name in attached:
            action = "DetachPolicyFromRole" if kind == "role" else "DetachPolicyFromUser"
            principal = {"RoleName": name} if kind == "role" else {"UserName": name}
            if not self._do(f"policy {policy}", action, name, PolicyName=policy, PolicyType="Custom", **principal):
                return
        versions = self._read(f"policy {policy}", "ListPolicyVersions", PolicyName=policy, PolicyType="Custom")
        if versions is None:
            return
        for version in (versions.get("PolicyVersions") or {}).get("PolicyVersion") or []:
            if not version.get("IsDefaultVersion") and not self._do(
                f"policy {policy}", "DeletePolicyVersion", policy, PolicyName=policy, VersionId=version["VersionId"]
            ):
                return
        if self._do(f"policy {policy}", "DeletePolicy", policy, PolicyName=policy):
            self.report.removed.append(f"policy {policy}")


def tag_live(ram, prefix, run_id, already):
    """Tags the roles and custom policies carrying ``prefix`` that are not in ``already`` (a set of "kind name",
    updated) with created-by and the run id. Returns the names seen (roles and policies)."""
    found = list_live(ram, prefix, kinds=("role", "policy"))  # RAM tags roles and policies, not users
    tags = list(TAGS) + [{"Key": RUN_TAG, "Value": run_id}]
    for kind in ("role", "policy"):
        new = [name for name in found[kind] if f"{kind} {name}" not in already]
        for start in range(0, len(new), 50):
            chunk = new[start : start + 50]
            ram.write("TagResources", chunk, ResourceType=kind, ResourceNames=chunk, Tag=tags)
            already.update(f"{kind} {name}" for name in chunk)
    return [f"{kind} {name}" for kind, names in found.items() for name in names]


# ---------------------------------------------------------------------------------------------------- one run


class LiveRun:
    """One pytest worker's share of a live run: its prefix, the partner user without policies it makes in Account B
    (the seed's alice stands for it), the per-test clean-up, the final one and its summary (a JSON file under
    .build/live-runs/<run>/, printed by conftest.py at the end)."""

    def __init__(self, config, worker="0", reports=REPORTS):
        self.config = config
        self.worker = worker
        self.prefix = worker_prefix(config.run_id, worker)
        self.counter = {}
        self.rams = {
            letter: Ram(account, config.endpoint_url, config.region, self.counter)
            for letter, account in config.accounts.items()
        }
        self.report_file = Path(reports) / config.run_id / f"worker-{worker}.json"
        self.created = {letter: set() for letter in self.rams}
        self.removed = {letter: [] for letter in self.rams}
        self.refused, self.failed, self.tag_failures = [], [], []
        self.tagged = {letter: set() for letter in self.rams}
        self.alice = None
        self.dirty = False

    @property
    def alice_name(self):
        return f"{self.prefix}alice"

    def verify_identities(self):
        """Each key must belong to the account it is given for (GetCallerIdentity needs no permission)."""
        for letter, ram in self.rams.items():
            try:
                identity = ram.caller_identity()
            except ApiFailure as exc:
                verdict = "could not be checked (no answer)" if exc.code == "ConnectionError" else "is not accepted"
                raise LiveConfigError(
                    f"LIVE_ACCOUNT_{letter.upper()}_ACCESS_KEY_ID {verdict}: GetCallerIdentity at "
                    f"{self.config.endpoints} answered {exc.code}: {exc.message[:200]}"
                ) from None
            if str(identity.get("AccountId")) != ram.account.uid:
                raise LiveConfigError(
                    f"LIVE_ACCOUNT_{letter.upper()}_ACCESS_KEY_ID belongs to account {identity.get('AccountId')}, "
                    f"not to LIVE_ACCOUNT_{letter.upper()}_UID {ram.account.uid}"
                )
            if identity.get("IdentityType") == "Account":
                raise LiveConfigError(
                    f"LIVE_ACCOUNT_{letter.upper()}_ACCESS_KEY_ID is the account's root key: use a RAM "
                    "user's key with the policy README.md shows (STS refuses root keys anyway)"
                )

    def start(self):
        """Verifies the keys, then makes Account B's partner user and its AccessKey; returns the key (as the
        accounts file spells it) once STS accepts it."""
        self.verify_identities()
        ram_b = self.rams["b"]
        name = self.alice_name
        ram_b.write(
            "CreateUser",
            name,
            UserName=name,
            DisplayName="live test partner operator",
            Comments="made by the apsaramq.cross_account live tests, deleted at the end of the run",
        )
        self.created["b"].add(f"user {name}")
        self.dirty = True
        key = ram_b.write("CreateAccessKey", name, UserName=name)["AccessKey"]
        self.alice = {"access_key_id": key["AccessKeyId"], "access_key_secret": key["AccessKeySecret"]}
        alice = Ram(
            Account("b", ram_b.account.uid, key["AccessKeyId"], key["AccessKeySecret"]),
            self.config.endpoint_url,
            self.config.region,
            self.counter,
        )
        deadline = time.monotonic() + KEY_PROPAGATION_SECONDS
        while True:
            try:
                alice.caller_identity()
                return dict(self.alice)
            except ApiFailure:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def after_playbook(self):
        """Tags what a playbook made (best effort: a failure is reported at the end, the test goes on)."""
        self.dirty = True
        for letter, ram in self.rams.items():
            try:
                self.created[letter].update(tag_live(ram, self.prefix, self.config.run_id, self.tagged[letter]))
            except (ApiFailure, RefusedName) as exc:
                self.tag_failures.append(f"account {letter.upper()}: {exc}")

    def _sweep(self, keep_alice):
        keep = {self.alice_name: {self.alice["access_key_id"]}} if keep_alice and self.alice else {}
        for letter, ram in self.rams.items():
            report = Sweeper(ram, self.prefix, keep_users=keep).run()
            self.created[letter].update(report.seen)
            self.removed[letter] += report.removed
            self.refused += [f"account {letter.upper()}: {item}" for item in report.refused]
            self.failed += [f"account {letter.upper()}: {item}" for item in report.failed]

    def reset(self):
        """Before a test, as the emulator's reset: nothing of this worker's earlier tests is left (the partner user
        stays, emptied of grants)."""
        if self.dirty:
            self._sweep(keep_alice=True)
            self.dirty = False

    def finish(self):
        """Deletes everything of this worker, the partner user too, checks that nothing is left and writes the summary."""
        self._sweep(keep_alice=False)
        left = {}
        for letter, ram in self.rams.items():
            try:
                remaining = list_live(ram, self.prefix)
                left[letter] = [f"{kind} {name}" for kind, names in remaining.items() for name in names]
            except ApiFailure as exc:
                left[letter] = [f"(could not list: {exc.code})"]
        summary = {
            "worker": self.worker,
            "prefix": self.prefix,
            "endpoints": self.config.endpoints,
            "harness_calls": sum(self.counter.values()),
            "harness_calls_by_action": dict(sorted(self.counter.items())),
            "created": {letter: sorted(names) for letter, names in self.created.items()},
            "removed": self.removed,
            "left_over": left,
            "refused": self.refused,
            "failed": self.failed,
            "tag_failures": self.tag_failures,
            "accounts": {letter: ram.account.uid for letter, ram in self.rams.items()},
        }
        self.report_file.parent.mkdir(parents=True, exist_ok=True)
        self.report_file.write_text(json.dumps(summary, indent=1) + "\n")
        return summary


def sweep_accounts(config, prefix, exclude=None, dry_run=False, counter=None):
    """A Sweeper over every configured account; {letter: SweepReport}."""
    reports = {}
    for letter, account in config.accounts.items():
        ram = Ram(account, config.endpoint_url, config.region, counter, dry_run=dry_run)
        reports[letter] = Sweeper(ram, prefix, exclude=exclude).run()
    return reports


def describe_summaries(run_id, start=None, final=None, reports=REPORTS):
    """The lines conftest.py prints at the end of a live run: leftovers of earlier runs removed at the start, what each
    worker created and removed, what is left over and how to remove it by hand."""
    lines = []
    if start is not None:
        removed = [f"{letter.upper()}: {name}" for letter, report in start.items() for name in report.removed]
        lines.append(
            f"at start, leftovers of earlier runs removed: {len(removed)}"
            + (f" ({'; '.join(removed)})" if removed else "")
        )
    left, problems = [], []
    for path in sorted((Path(reports) / run_id).glob("worker-*.json")):
        summary = json.loads(path.read_text())
        created = sum(len(names) for names in summary["created"].values())
        removed = sum(len(names) for names in summary["removed"].values())
        lines.append(
            f"worker {summary['worker']} ({summary['prefix']}, {summary['endpoints']}): {created} name(s) created (some more "
            f"than once), {removed} resource(s) removed, {summary['harness_calls']} API calls of the harness"
        )
        for letter, names in summary["created"].items():
            if names:
                lines.append(f"  account {letter.upper()} created: {', '.join(names)}")
        left += [f"{letter.upper()}: {name}" for letter, names in summary["left_over"].items() for name in names]
        problems += summary["refused"] + summary["failed"] + [f"tagging: {item}" for item in summary["tag_failures"]]
    if final is not None:
        removed = [f"{letter.upper()}: {name}" for letter, report in final.items() for name in report.removed]
        if removed:
            lines.append(f"at the end, removed what a worker left: {'; '.join(removed)}")
        left = [
            item for item in left if item.split(": ", 1)[1] not in {name for r in final.values() for name in r.removed}
        ]
        problems += [
            f"{letter.upper()}: {item}" for letter, report in final.items() for item in report.refused + report.failed
        ]
    lines += [f"problem: {item}" for item in problems]
    if left:
        lines.append(f"LEFT OVER: {'; '.join(left)}")
        lines.append(
            "  remove them with: .venv/bin/python tests/integration/live_cloud.py cleanup  (same LIVE_* variables)"
        )
    else:
        lines.append("left over: nothing")
    return lines


# ---------------------------------------------------------------------------------------------------- rights

READ_ACTIONS = ["ram:Get*", "ram:List*"]
ROLE_WRITES = [
    "ram:CreateRole",
    "ram:UpdateRole",
    "ram:DeleteRole",
    "ram:AttachPolicyToRole",
    "ram:DetachPolicyFromRole",
    "ram:TagResources",
]
POLICY_WRITES = [
    "ram:CreatePolicy",
    "ram:CreatePolicyVersion",
    "ram:DeletePolicyVersion",
    "ram:SetDefaultPolicyVersion",
    "ram:UpdatePolicyDescription",
    "ram:DeletePolicy",
    "ram:TagResources",
]
USER_WRITES = [
    "ram:CreateUser",
    "ram:UpdateUser",
    "ram:DeleteUser",
    "ram:CreateAccessKey",
    "ram:DeleteAccessKey",
    "ram:AttachPolicyToUser",
    "ram:DetachPolicyFromUser",
]
# System policies the live tests attach to their roles (ram_role, owner_setup, the revoke proofs).
ATTACHED_SYSTEM_POLICIES = ["AliyunMQ*", "AliyunRAMReadOnlyAccess"]


def owner_policy(uid_a):
    """Account A's key: reads everywhere in RAM; roles and custom policies named ansiblelive-*; attaching to those
    roles only its own ansiblelive-* policies and the system policies the tests use. No RocketMQ right: the rights
    reach Account B's sessions through the roles' policies, and attaching a policy needs no right to what it grants."""
    ram = f"acs:ram:*:{uid_a}"
    return {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
            {"Effect": "Allow", "Action": ROLE_WRITES, "Resource": f"{ram}:role/{PREFIX_ROOT}*"},
            {"Effect": "Allow", "Action": POLICY_WRITES, "Resource": f"{ram}:policy/{PREFIX_ROOT}*"},
            {
                "Effect": "Allow",
                "Action": ["ram:AttachPolicyToRole", "ram:DetachPolicyFromRole"],
                "Resource": [f"{ram}:policy/{PREFIX_ROOT}*"]
                + [f"acs:ram:*:*:policy/{name}" for name in ATTACHED_SYSTEM_POLICIES],
            },
        ],
    }


def partner_policy(uid_partner, uid_a):
    """A partner's key (B, or C): reads everywhere in RAM; users named ansiblelive-* and their AccessKeys; the grant
    policies AssumeRole-ansiblelive-*; sts:AssumeRole on Account A's ansiblelive-* roles only."""
    ram = f"acs:ram:*:{uid_partner}"
    return {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
            {"Effect": "Allow", "Action": USER_WRITES, "Resource": f"{ram}:user/{PREFIX_ROOT}*"},
            {"Effect": "Allow", "Action": POLICY_WRITES, "Resource": f"{ram}:policy/AssumeRole-{PREFIX_ROOT}*"},
            {
                "Effect": "Allow",
                "Action": ["ram:AttachPolicyToUser", "ram:DetachPolicyFromUser"],
                "Resource": f"{ram}:policy/AssumeRole-{PREFIX_ROOT}*",
            },
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"acs:ram::{uid_a}:role/{PREFIX_ROOT}*"},
        ],
    }


def least_privilege_policies(uid_a="<A's UID>", uid_b="<B's UID>", uid_c=None):
    """{"a": document, "b": document[, "c": document]}."""
    policies = {"a": owner_policy(uid_a), "b": partner_policy(uid_b, uid_a)}
    if uid_c:
        policies["c"] = partner_policy(uid_c, uid_a)
    return policies


def render_policy(document):
    """A policy document as JSON with one statement per line (what README.md shows and `policies` prints)."""
    statements = ",\n".join(f"  {json.dumps(statement)}" for statement in document["Statement"])
    return f'{{"Version": "{document["Version"]}", "Statement": [\n{statements}\n]}}'


# ---------------------------------------------------------------------------------------------------- command line


def _print_reports(reports, dry_run):
    verb = "would remove" if dry_run else "removed"
    for letter, report in reports.items():
        print(
            f"account {letter.upper()}: {verb} {len(report.removed)}"
            + (f": {', '.join(report.removed)}" if report.removed else "")
        )
        for item in report.refused:
            print(f"  refused: {item}")
        for item in report.failed:
            print(f"  failed: {item}")
    return 1 if any(report.failed or report.refused for report in reports.values()) else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check the LIVE_* variables (no API call); exit 2 with what to set")
    cleanup = commands.add_parser(
        "cleanup", help="delete every RAM role, policy and user named ansiblelive-... (or of one run)"
    )
    cleanup.add_argument("--run", help="only the names of this run id")
    cleanup.add_argument("--dry-run", action="store_true", help="list what would be removed, change nothing")
    commands.add_parser(
        "policies", help="the least-privilege policy of each key, for the configured UIDs (or placeholders)"
    )
    args = parser.parse_args(argv)

    if args.command == "policies":
        environ = os.environ
        documents = least_privilege_policies(
            environ.get("LIVE_ACCOUNT_A_UID") or "<A's UID>",
            environ.get("LIVE_ACCOUNT_B_UID") or "<B's UID>",
            environ.get("LIVE_ACCOUNT_C_UID"),
        )
        for letter, document in documents.items():
            print(f"# the key of account {letter.upper()}" + (" (the owner)" if letter == "a" else " (a partner)"))
            print(render_policy(document))
        return 0
    try:
        config = load_config(purpose="run" if args.command == "check" else "cleanup")
    except LiveConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        accounts = ", ".join(f"{account.letter.upper()} {account.uid}" for account in config.accounts.values())
        print(
            f"live mode configured: accounts {accounts}; region {config.region}; instance {config.mq.instance_id} at "
            f"{config.mq.http_endpoint}; API calls go to {config.endpoints}"
        )
        if config.endpoint_url:
            print(f"note: {ENDPOINT_URL} is set, so this is not the real cloud; unset it to test against Alibaba Cloud")
        if "c" not in config.accounts:
            print("note: no account C (LIVE_ACCOUNT_C_*): the tests that need a second partner are skipped")
        return 0
    prefix = run_prefix(args.run) if args.run else PREFIX_ROOT
    reports = sweep_accounts(config, prefix, dry_run=args.dry_run)
    return _print_reports(reports, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
