"""rocketmq_access_check against the emulator: B's session in A's role is tried over HTTP messaging (4.x, mq-http-sdk)
and the management API (5.x), and the matrix must tell what RAM really allowed."""

import json
import socket

import pytest
from conftest import ACCOUNTS, MQ, admin_keys, localhost_play, playbook, resource_name

A, B = ACCOUNTS["account_a"]["uid"], ACCOUNTS["account_b"]["uid"]
INSTANCE_4X = MQ.instance_id
INSTANCE_5X = "rmq-cn-emu5x0001"
pytestmark = pytest.mark.shares_mq_topics  # live mode: one live instance, its topics shared by every worker
ORDERS, PAYMENTS, GID_ORDERS, GID_PAYMENTS = MQ.orders, MQ.payments, MQ.orders_group, MQ.payments_group
ORDERS_GRANT = {
    "series": "4.x",
    "instance_id": INSTANCE_4X,
    "publish_topics": [ORDERS],
    "subscribe_topics": [ORDERS],
    "subscribe_groups": [GID_ORDERS],
}


def owner_play(roles):
    """Account A creates, per role name, a policy from a rocketmq_policy grant and a role trusted by Account B
    (``resource_name`` of each name: prefixed in live mode; the task names keep the plain one)."""
    tasks = []
    for name, grant in roles.items():
        role = resource_name(name)
        tasks.append(
            {
                "name": f"policy {name}",
                "apsaramq.cross_account.ram_policy": {
                    "name": f"{role}-rights",
                    "document": "{{ %s | apsaramq.cross_account.rocketmq_policy }}" % json.dumps(grant),
                },
            }
        )
        tasks.append(
            {
                "name": f"role {name}",
                "apsaramq.cross_account.ram_role": {
                    "name": role,
                    "trusted_accounts": [B],
                    "policies": [f"{role}-rights"],
                },
            }
        )
    return localhost_play("Account A", tasks, admin_keys("account_a"))


def check_play(role, checks):
    """Account B's administrator, in A's role (the common assume_role option), runs each check (a dict of options)."""
    tasks = [
        {"name": name, "apsaramq.cross_account.rocketmq_access_check": options, "ignore_errors": True}
        for name, options in checks.items()
    ]
    assume_role = {"role_arn": f"acs:ram::{A}:role/{resource_name(role)}", "session_name": "access-check-test"}
    return localhost_play(
        "Account B in A's role", tasks, admin_keys("account_b", assume_role=assume_role, **MQ.module_options)
    )


def outcomes(result):
    return [(row["operation"], row.get("topic"), row.get("group"), row["actual"]) for row in result["matrix"]]


def instance_4x(emu):
    return emu.admin("GET", "state")["accounts"][A]["rocketmq"]["instances"][INSTANCE_4X]


ORDERS_MATRIX = {
    "instance_id": INSTANCE_4X,
    "expect_allowed": [
        {"operation": "publish", "topic": ORDERS},
        {"operation": "consume", "topic": ORDERS, "group": GID_ORDERS},
    ],
    "expect_denied": [
        {"operation": "publish", "topic": PAYMENTS},
        {"operation": "consume", "topic": PAYMENTS, "group": GID_PAYMENTS},
        {"operation": "consume", "topic": ORDERS, "group": GID_PAYMENTS},
    ],
}


@pytest.mark.emulator_only("reads the instance's message log and cursors from the emulator state")
def test_the_matrix_proves_a_4x_grant_and_leaves_no_probe_unacknowledged(run_playbook, emu):
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), check_play("partner", {"check": ORDERS_MATRIX})))
    result = run.result("check")
    assert not result.get("failed") and result["changed"] is False
    assert outcomes(result) == [
        ("publish", "orders", None, "allowed"),
        ("consume", "orders", "GID_orders_consumer", "allowed"),
        ("publish", "payments", None, "denied"),
        ("consume", "payments", "GID_payments_consumer", "denied"),
        ("consume", "orders", "GID_payments_consumer", "denied"),
    ]
    assert result["summary"] == {"allowed": 2, "denied": 3, "not_found": 0, "skipped": 0, "error": 0, "mismatched": 0}
    assert result["stray_messages"] == [] and result["leftovers"] == []
    instance = instance_4x(emu)
    [probe] = instance["logs"]["orders"]
    assert probe["tag"] == result["probe_tag"]
    assert instance["cursors"]["GID_orders_consumer\torders"] == {"offset": 1, "inflight": {}}
    assert "payments" not in instance["logs"]


def test_reality_that_differs_from_the_expectation_fails_naming_each_difference(run_playbook):
    expectation = {
        "instance_id": INSTANCE_4X,
        "expect_allowed": [{"operation": "publish", "topic": PAYMENTS}],
        "expect_denied": [{"operation": "publish", "topic": ORDERS, "group": GID_ORDERS}],
    }
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), check_play("partner", {"check": expectation})))
    result = run.result("check")
    assert result["failed"]
    assert f"publish on {INSTANCE_4X} topic {PAYMENTS}: expected allowed, was denied (AccessDenied)" in result["msg"]
    assert f"publish on {INSTANCE_4X} topic {ORDERS} group {GID_ORDERS}: expected denied, was allowed" in result["msg"]
    assert result["summary"]["mismatched"] == 2
    assert result["stray_messages"] == []  # the unexpected publish was taken back with the entry's group


@pytest.mark.emulator_only("call counters and emulator state")
def test_check_mode_tries_only_reads_says_so_and_writes_nothing(run_playbook, emu):
    run_playbook(playbook(owner_play({"partner": ORDERS_GRANT})))
    emu.reset_calls()
    matrix = {
        **ORDERS_MATRIX,
        "expect_denied": ORDERS_MATRIX["expect_denied"]
        + [{"operation": "get_instance", "instance_id": "rmq-cn-emu5x0001"}],
    }
    run = run_playbook(playbook(check_play("partner", {"check": matrix})), check=True)
    result = run.result("check")
    assert not result.get("failed")
    assert [row["actual"] for row in result["matrix"]] == ["skipped"] * 5 + ["denied"]
    assert any("check mode" in warning for warning in result["warnings"])
    assert emu.calls(product="mq")["writes"] == 0
    assert "orders" not in instance_4x(emu)["logs"]


@pytest.mark.emulator_only("emulator state; leaves a stray probe message on the topic by design")
def test_a_probe_no_consume_entry_reads_is_drained_with_its_group_or_reported_as_stray(run_playbook, emu):
    checks = {
        "with group": {
            "instance_id": INSTANCE_4X,
            "expect_allowed": [{"operation": "publish", "topic": "orders", "group": "GID_orders_consumer"}],
        },
        "without group": {"instance_id": INSTANCE_4X, "expect_allowed": [{"operation": "publish", "topic": "orders"}]},
    }
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), check_play("partner", checks)))
    assert run.result("with group")["stray_messages"] == []
    stray = run.result("without group")
    assert [(m["instance_id"], m["topic"]) for m in stray["stray_messages"]] == [(INSTANCE_4X, "orders")]
    assert any("could not be taken back" in warning for warning in stray["warnings"])
    assert len(instance_4x(emu)["logs"]["orders"]) == 2


@pytest.mark.emulator_only("emulator state and call log; the seed's 5.x instance")
def test_5x_management_follows_the_grant_and_removes_its_probe_resources(run_playbook, emu):
    grants = {
        "auditor": {
            "series": "5.x",
            "instance_id": INSTANCE_5X,
            "region": "cn-hangzhou",
            "owner_uid": A,
            "management": "read_only",
        },
        "manager": {
            "series": "5.x",
            "instance_id": INSTANCE_5X,
            "region": "cn-hangzhou",
            "owner_uid": A,
            "management": "full",
        },
    }
    writes = [
        {"operation": operation} for operation in ("create_topic", "delete_topic", "create_group", "delete_group")
    ]
    reads = [
        {"operation": "list_topics"},
        {"operation": "get_topic", "topic": "orders-v5"},
        {"operation": "get_instance"},
        {"operation": "list_groups"},
        {"operation": "get_group", "group": "GID_v5_orders"},
    ]
    auditor = {
        "auditor": {
            "instance_id": INSTANCE_5X,
            "expect_allowed": reads,
            "expect_denied": writes + [{"operation": "list_instances"}],
        }
    }
    manager = {"manager": {"instance_id": INSTANCE_5X, "expect_allowed": reads + writes}}
    before = emu.admin("GET", "state")["accounts"][A]["rocketmq"]["instances"][INSTANCE_5X]
    run = run_playbook(playbook(owner_play(grants), check_play("auditor", auditor), check_play("manager", manager)))
    assert run.result("auditor")["summary"] == {
        "allowed": 5,
        "denied": 5,
        "not_found": 0,
        "skipped": 0,
        "error": 0,
        "mismatched": 0,
    }
    assert run.result("manager")["summary"] == {
        "allowed": 9,
        "denied": 0,
        "not_found": 0,
        "skipped": 0,
        "error": 0,
        "mismatched": 0,
    }
    # The deletes act on the run's fresh probe name: "not found" answered after RAM allowed them (the delete rule).
    deletes = [row for row in run.result("manager")["matrix"] if row["operation"].startswith("delete_")]
    assert [(row["actual"], row["code"]) for row in deletes] == [
        ("allowed", "Topic.NotFound"),
        ("allowed", "ConsumerGroup.NotFound"),
    ]
    assert all("fresh probe name" in row["reason"] for row in deletes)
    assert run.result("manager")["leftovers"] == []
    after = emu.admin("GET", "state")["accounts"][A]["rocketmq"]["instances"][INSTANCE_5X]
    assert (sorted(after["topics"]), sorted(after["groups"])) == (sorted(before["topics"]), sorted(before["groups"]))
    created = [
        c for c in emu.calls(product="rocketmq")["calls"] if c["action"] in ("CreateTopic", "CreateConsumerGroup")
    ]
    assert [c["status"] for c in created] == [403, 403, 200, 200]


@pytest.mark.emulator_only("the call log proves no API call")
def test_bad_expectations_are_refused_naming_the_entry_before_any_call(run_playbook, emu):
    checks = {
        "consume without group": {
            "instance_id": INSTANCE_4X,
            "expect_allowed": [{"operation": "publish", "topic": "orders"}],
            "expect_denied": [{"operation": "consume", "topic": "orders"}],
        },
        "nothing to check": {"instance_id": INSTANCE_4X},
        "no instance": {"expect_allowed": [{"operation": "list_topics"}]},
        "wait too long": {
            "instance_id": INSTANCE_4X,
            "wait_seconds": 31,
            "expect_allowed": [{"operation": "list_topics"}],
        },
    }
    run = run_playbook(playbook(check_play("partner", checks)))
    assert run.result("consume without group")["msg"] == "expect_denied[0]: consume needs group"
    assert (
        run.result("nothing to check")["msg"]
        == "expect_allowed, expect_denied: must name at least one operation between them"
    )
    assert run.result("no instance")["msg"] == "expect_allowed[0]: list_topics needs instance_id"
    assert run.result("wait too long")["msg"].startswith("wait_seconds: must be from 0 to 30")
    assert emu.calls()["calls"] == []


def test_no_secret_or_token_reaches_the_output_at_the_highest_verbosity(run_playbook, tmp_path):
    token_file = tmp_path / "session.json"
    leak = {
        "name": "B's session",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            assume_partner_task(),
            {
                "name": "check",
                "apsaramq.cross_account.rocketmq_access_check": {
                    "access_key_id": "{{ session.sts_creds.access_key_id }}",
                    "access_key_secret": "{{ session.sts_creds.access_key_secret }}",
                    "security_token": "{{ session.sts_creds.security_token }}",
                    **MQ.module_options,
                    **ORDERS_MATRIX,
                },
            },
            {
                "name": "keep the session for the search",
                "ansible.builtin.copy": {
                    "content": "{{ session.sts_creds | to_json }}",
                    "dest": str(token_file),
                    "mode": "0600",
                },
                "no_log": True,
            },
        ],
    }
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), leak), verbosity=4, callback="default")
    session = json.loads(token_file.read_text())
    output = run.stdout + run.stderr
    assert "ok=" in output and session["security_token"]
    for secret in (
        session["access_key_secret"],
        session["security_token"],
        ACCOUNTS["account_b"]["admin"]["access_key_secret"],
    ):
        assert secret not in output


# ---- the proof fails when the evidence is wrong -----------------------------------------------------------------

AUTHENTICATION = "an authentication error: the credentials were not accepted, so RAM never decided"
# True for the partner role of ORDERS_GRANT (a 4.x grant only): every row is either allowed or denied by RAM.
PARTNER_MATRIX = {
    "instance_id": INSTANCE_4X,
    "expect_allowed": [
        {"operation": "publish", "topic": ORDERS, "group": GID_ORDERS},
        {"operation": "consume", "topic": ORDERS, "group": GID_ORDERS},
    ],
    "expect_denied": [
        {"operation": "publish", "topic": PAYMENTS},
        {"operation": "get_topic", "instance_id": INSTANCE_5X, "topic": "orders-v5"},
        {"operation": "list_instances"},
    ],
}
PARTNER_ROWS = [
    ("publish", ORDERS, GID_ORDERS),
    ("consume", ORDERS, GID_ORDERS),
    ("publish", PAYMENTS, None),
    ("get_topic", "orders-v5", None),
    ("list_instances", None, None),
]


def rows(result):
    return [(row["operation"], row.get("topic"), row.get("group")) for row in result["matrix"]]


def assert_proves_nothing(result, code, reason):
    """Every row is an error with ``code``, none matches (allowed rows and denied rows alike), the message explains."""
    assert result["failed"] and rows(result) == PARTNER_ROWS
    assert [(row["actual"], row["ok"]) for row in result["matrix"]] == [("error", False)] * len(PARTNER_ROWS)
    assert all(row["code"] == code for row in result["matrix"] if code), [row["code"] for row in result["matrix"]]
    assert all(row["reason"].startswith(reason) for row in result["matrix"]), [
        row["reason"] for row in result["matrix"]
    ]
    assert result["summary"]["error"] == result["summary"]["mismatched"] == len(PARTNER_ROWS)
    msg = result["msg"]
    assert msg.startswith(f"Access differs from the expectation in {len(PARTNER_ROWS)} case(s): ")
    assert f"publish on {INSTANCE_4X} topic {ORDERS} group {GID_ORDERS}: expected allowed, was error" in msg
    assert f"publish on {INSTANCE_4X} topic {PAYMENTS}: expected denied, was error" in msg
    assert f"get_topic on {INSTANCE_5X} topic orders-v5: expected denied, was error" in msg
    assert msg.count(f"proves nothing, {reason}") == len(PARTNER_ROWS)


def assume_partner_task():
    """Account B's administrator takes a session of A's partner role, registered as ``session``."""
    arn = f"acs:ram::{A}:role/{resource_name('partner')}"
    options = admin_keys("account_b", role_arn=arn)
    return {"name": "assume", "apsaramq.cross_account.sts_assume": options, "register": "session"}


def session_play(checks):
    """Account B's application takes a session of A's partner role, then runs each check with explicit credentials
    (``"{{ session... }}"`` values); the checks may also carry other options."""
    tasks = [assume_partner_task()]
    tasks += [
        {
            "name": name,
            "apsaramq.cross_account.rocketmq_access_check": {**MQ.module_options, **options},
            "ignore_errors": True,
        }
        for name, options in checks.items()
    ]
    return {"name": "B's session", "hosts": "localhost", "gather_facts": False, "tasks": tasks}


SESSION = {
    "access_key_id": "{{ session.sts_creds.access_key_id }}",
    "access_key_secret": "{{ session.sts_creds.access_key_secret }}",
    "security_token": "{{ session.sts_creds.security_token }}",
}


@pytest.mark.emulator_only("emulator state; the seed's 5.x instance")
def test_credentials_that_are_not_accepted_prove_nothing_allowed_or_denied(run_playbook, emu):
    checks = {
        "real session": {**SESSION, **PARTNER_MATRIX},
        "unknown key": {
            "access_key_id": "EMUAKNOBODY000000009",
            "access_key_secret": "not-a-secret-of-anyone",
            **PARTNER_MATRIX,
        },
        "wrong secret": {
            **SESSION,
            "access_key_secret": "{{ session.sts_creds.access_key_secret }}-wrong",
            **PARTNER_MATRIX,
        },
    }
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), session_play(checks)))
    real = run.result("real session")
    assert not real.get("failed"), real.get("msg")
    assert [row["actual"] for row in real["matrix"]] == ["allowed", "allowed", "denied", "denied", "denied"]
    assert_proves_nothing(run.result("unknown key"), "InvalidAccessKeyId.NotFound", AUTHENTICATION)
    assert_proves_nothing(run.result("wrong secret"), "SignatureDoesNotMatch", AUTHENTICATION)
    assert "not-a-secret-of-anyone" not in run.output
    # Nothing was published with the refused credentials.
    assert len(instance_4x(emu)["logs"]["orders"]) == 1


def closed_port():
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_endpoint_proves_nothing_allowed_or_denied(run_playbook):
    url = f"http://127.0.0.1:{closed_port()}"
    unreachable = {
        **SESSION,
        **PARTNER_MATRIX,
        "mq_http_endpoint": url,
        "rocketmq_endpoint": url,
        "connect_timeout": 0.5,
        "read_timeout": 1,
        "retry_max_attempts": 2,
        "retry_max_seconds": 2,
        "debug_api_calls": True,
    }
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), session_play({"unreachable": unreachable})))
    result = run.result("unreachable")
    assert_proves_nothing(result, None, "no answer (connection error or timeout): the call never reached a decision")
    assert all(row["reason"].endswith("(after 2 attempts)") for row in result["matrix"])
    assert {(call["product"], call["attempt"]) for call in result["api_calls"]} == {
        ("mq", 1),
        ("mq", 2),
        ("rocketmq", 1),
        ("rocketmq", 2),
    }


@pytest.fixture
def faults(emu):
    """Set emulator faults for one test; the emulator is healthy again afterwards, whatever happened."""
    yield lambda **settings: emu.admin("POST", "faults", settings)
    emu.reset()


@pytest.mark.emulator_only("fault injection")
def test_throttling_beyond_the_retry_budget_proves_nothing_allowed_or_denied(run_playbook, emu, faults):
    faults(throttle_rate=1.0, retry_after=50, products=["mq", "rocketmq"])  # RAM and STS answer: the set-up works
    throttled = {**SESSION, **PARTNER_MATRIX, "retry_max_attempts": 2, "debug_api_calls": True}
    run = run_playbook(playbook(owner_play({"partner": ORDERS_GRANT}), session_play({"throttled": throttled})))
    result = run.result("throttled")
    assert_proves_nothing(result, "Throttling.User", "throttled: the service refused to serve the call at all")
    assert all(row["reason"].endswith("(after 2 attempts)") for row in result["matrix"])
    tried = [(call["action"], call["attempt"]) for call in result["api_calls"]]
    # Publishes first (so that a consume takes the probes back), then the rest in order: each tried twice.
    assert tried == [
        (action, attempt)
        for action in ("PublishMessage", "PublishMessage", "ConsumeMessage", "GetTopic", "ListInstances")
        for attempt in (1, 2)
    ]
    assert emu.admin("GET", "faults")["counts"]["throttle"] == len(tried)
    assert emu.calls(product="mq")["calls"] == [] and emu.calls(product="rocketmq")["calls"] == [], (
        "no call reached RAM"
    )


FULL_4X = {"series": "4.x", "instance_id": INSTANCE_4X, "management": "full"}
FULL_5X = {"series": "5.x", "instance_id": INSTANCE_5X, "region": "cn-hangzhou", "owner_uid": A, "management": "full"}


@pytest.mark.emulator_only("the seed's 5.x instance (live mode names a 4.x one only)")
def test_a_missing_topic_or_group_is_not_found_and_passes_neither_expectation(run_playbook):
    """Roles allowed everything on the instances, so that RAM allows the misspelled names and the service answers."""
    checks_4x = {
        "4.x names": {
            "instance_id": INSTANCE_4X,
            "expect_allowed": [
                {"operation": "publish", "topic": "ordres"},
                {"operation": "consume", "topic": "orders", "group": "GID_ordres_consumer"},
                {"operation": "publish", "topic": "orders", "group": "GID_orders_consumer"},
            ],
            "expect_denied": [{"operation": "publish", "topic": "paymnts"}],
        }
    }
    checks_5x = {
        "5.x names": {
            "instance_id": INSTANCE_5X,
            "expect_allowed": [
                {"operation": "get_topic", "topic": "ordres-v5"},
                {"operation": "get_group", "group": "GID_v5_ordres"},
                {"operation": "get_topic", "topic": "orders-v5"},
                {"operation": "delete_topic"},
            ],
            "expect_denied": [{"operation": "get_group", "group": "GID_v5_nobody"}],
        }
    }
    # Account A's administrator may do anything: a missing instance is answered, and a delete there is not "allowed".
    owner = {
        "name": "Account A's own check",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "name": "missing instance",
                "ignore_errors": True,
                "apsaramq.cross_account.rocketmq_access_check": {
                    "access_key_id": "{{ account_a.admin.access_key_id }}",
                    "access_key_secret": "{{ account_a.admin.access_key_secret }}",
                    "instance_id": "rmq-cn-nosuch0001",
                    "expect_allowed": [{"operation": "delete_topic"}, {"operation": "list_topics"}],
                },
            }
        ],
    }
    run = run_playbook(
        playbook(
            owner_play({"wide": FULL_4X, "manager": FULL_5X}),
            check_play("wide", checks_4x),
            check_play("manager", checks_5x),
            owner,
        )
    )

    result = run.result("4.x names")
    assert result["failed"]
    assert [(row["actual"], row["code"], row["ok"]) for row in result["matrix"]] == [
        ("not_found", "TopicNotExist", False),
        ("not_found", "GroupNotExist", False),
        ("allowed", None, True),
        ("not_found", "TopicNotExist", False),
    ]
    assert result["summary"]["not_found"] == result["summary"]["mismatched"] == 3
    assert f"publish on {INSTANCE_4X} topic ordres: expected allowed, was not_found (TopicNotExist)" in result["msg"]
    assert (
        f"consume on {INSTANCE_4X} topic orders group GID_ordres_consumer: expected allowed, was not_found (GroupNotExist)"
        in result["msg"]
    )
    assert f"publish on {INSTANCE_4X} topic paymnts: expected denied, was not_found (TopicNotExist)" in result["msg"]
    assert result["msg"].count("proves nothing, the topic does not exist") == 2
    assert "proves nothing, the consumer group does not exist" in result["msg"] and "check the name" in result["msg"]
    assert result["stray_messages"] == []

    result = run.result("5.x names")
    assert result["failed"]
    assert [(row["operation"], row["actual"], row["code"], row["ok"]) for row in result["matrix"]] == [
        ("get_topic", "not_found", "Topic.NotFound", False),
        ("get_group", "not_found", "ConsumerGroup.NotFound", False),
        ("get_topic", "allowed", None, True),
        ("delete_topic", "allowed", "Topic.NotFound", True),
        ("get_group", "not_found", "ConsumerGroup.NotFound", False),
    ]
    assert (
        f"get_topic on {INSTANCE_5X} topic ordres-v5: expected allowed, was not_found (Topic.NotFound)" in result["msg"]
    )
    assert (
        f"get_group on {INSTANCE_5X} group GID_v5_nobody: expected denied, was not_found (ConsumerGroup.NotFound)"
        in result["msg"]
    )

    result = run.result("missing instance")
    assert result["failed"]
    assert [(row["actual"], row["code"]) for row in result["matrix"]] == [("not_found", "Instance.NotFound")] * 2
    assert "delete_topic on rmq-cn-nosuch0001: expected allowed, was not_found (Instance.NotFound)" in result["msg"]
    assert "proves nothing, the instance does not exist" in result["msg"]
