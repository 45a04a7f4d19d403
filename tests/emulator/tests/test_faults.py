"""Fault injection seen through the official SDKs: rates, scoping, seeds, latency and propagation delay.

Rates are checked over a bounded number of calls with a tolerance of three binomial standard deviations
(``sqrt(n p (1 - p))``); with a fixed seed the sequence is the same on every run, so the checks do not flake.
"""

import json
import math
import pathlib
import time
from collections import Counter

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_rocketmq20220801 import models as rmq
from alibabacloud_rocketmq20220801.client import Client as RocketMQClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import ThrottlingException
from darabonba.exceptions import UnretryableException
from mq_http_sdk.mq_client import MQClient
from mq_http_sdk.mq_exception import MQServerException
from mq_http_sdk.mq_producer import TopicMessage
from Tea.exceptions import TeaException

from acs_emulator.testing import EmulatorError, running_emulator

SEED = pathlib.Path(__file__).resolve().parents[1] / "seed-example.yml"
INSTANCE = "rmq-cn-emu5x0001"
A_ADMIN = ("EMUAKAADMIN000000001", "emu-a-admin-secret-000000000001")
CALLS = 120


@pytest.fixture
def faults(emu):
    """Set fault settings through the admin interface; the ``emu`` fixture's reset clears them for the next test."""

    def configure(**settings) -> dict:
        return emu.admin("POST", "faults", settings)

    return configure


def get_instance_outcome(client: RocketMQClient) -> str:
    """One management call, classified by what the SDK raised."""
    try:
        client.get_instance(INSTANCE)
    except UnretryableException:
        return "drop"
    except TeaException as error:
        return "throttle" if error.code == "Throttling.User" else f"error {error.status_code}"
    return "ok"


def outcomes(cloud, count: int = CALLS) -> Counter:
    client = RocketMQClient(cloud.config(cloud.A_ADMIN))
    return Counter(get_instance_outcome(client) for _attempt in range(count))


def assert_rate(observed: int, rate: float, count: int = CALLS) -> None:
    expected, tolerance = count * rate, 3 * math.sqrt(count * rate * (1 - rate))
    assert abs(observed - expected) <= tolerance, f"{observed} of {count}, expected {expected:.0f} +- {tolerance:.0f}"


def test_throttling_at_its_rate_with_retry_after(cloud, faults):
    faults(throttle_rate=0.3, retry_after=1500, seed=11)
    client = RocketMQClient(cloud.config(cloud.A_ADMIN))
    throttled = []
    for _attempt in range(CALLS):
        try:
            client.get_instance(INSTANCE)
        except ThrottlingException as error:
            throttled.append(error)
    assert_rate(len(throttled), 0.3)
    assert {(e.code, e.status_code, e.retry_after) for e in throttled} == {("Throttling.User", 400, 1500)}
    assert cloud.emu.admin("GET", "faults")["counts"]["throttle"] == len(throttled)


def test_server_errors_at_their_rate_as_500_and_503(cloud, faults):
    faults(error_rate=0.25, seed=12)
    seen = outcomes(cloud)
    assert_rate(seen["error 500"] + seen["error 503"], 0.25)
    assert seen["error 500"] and seen["error 503"] and set(seen) == {"ok", "error 500", "error 503"}


def test_dropped_connections_at_their_rate(cloud, faults):
    faults(drop_rate=0.2, seed=13)
    seen = outcomes(cloud)
    assert_rate(seen["drop"], 0.2)
    assert set(seen) == {"ok", "drop"}


def test_the_same_seed_repeats_the_same_faults(cloud, faults):
    settings = {"throttle_rate": 0.2, "error_rate": 0.2, "drop_rate": 0.1}
    runs = []
    for seed in (5, 5, 6):
        faults(seed=seed, **settings)
        client = RocketMQClient(cloud.config(cloud.A_ADMIN))
        runs.append([get_instance_outcome(client) for _attempt in range(40)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_faults_hit_only_the_chosen_products_and_actions(cloud, faults):
    faults(error_rate=1.0, products=["rocketmq"], actions=["GetTopic"])
    client = RocketMQClient(cloud.config(cloud.A_ADMIN))
    assert cloud.error(lambda: client.get_topic(INSTANCE, "orders-v5")).status_code in (500, 503)
    assert client.list_topics(INSTANCE, rmq.ListTopicsRequest()).body.data.total_count == 2
    assert cloud.identity(cloud.A_ADMIN)["AccountId"] == cloud.A_UID  # STS untouched


def test_mq_http_plane_is_throttled_in_its_own_error_format(cloud, faults):
    faults(throttle_rate=1.0, products=["mq"])
    client = MQClient(cloud.emu.url, cloud.A_ROOT.id, cloud.A_ROOT.secret)
    with pytest.raises(MQServerException) as caught:
        client.get_producer("MQ_INST_1000000000000001_BXhFHbcq", "orders").publish_message(TopicMessage("x"))
    assert caught.value.type == "Throttling.User"


def test_latency_with_jitter(cloud, faults):
    faults(latency_ms=80, latency_jitter_ms=80, products=["rocketmq"], seed=3)
    client = RocketMQClient(cloud.config(cloud.A_ADMIN))
    durations = []
    for _attempt in range(10):
        started = time.monotonic()
        client.get_instance(INSTANCE)
        durations.append(time.monotonic() - started)
    assert min(durations) >= 0.08
    # 80 ms + up to 80 ms jitter + local overhead; generous, as a loaded machine adds delays of its own (the lower
    # bound is what proves the latency is applied).
    assert max(durations) < 0.16 + 1.0
    assert max(durations) - min(durations) > 0.01  # the jitter varies


def test_admin_and_health_are_never_faulted(emu, faults):
    faults(drop_rate=1.0)
    assert emu.admin("GET", "health") == {"ok": True}
    assert emu.admin("GET", "faults")["settings"]["drop_rate"] == 1.0
    emu.reset()
    assert emu.admin("GET", "faults")["settings"]["drop_rate"] == 0.0


def test_bad_settings_are_refused(emu):
    for settings in ({"throttle_rate": 1.5}, {"error_rate": 0.6, "drop_rate": 0.6}, {"latency": 10}):
        with pytest.raises(EmulatorError, match="400"):
            emu.admin("POST", "faults", settings)


def test_start_up_flags_set_the_faults():
    flags = [
        "--throttle-rate",
        "1",
        "--retry-after",
        "2000",
        "--fault-products",
        "rocketmq,mq",
        "--fault-actions",
        "GetInstance",
        "--latency-ms",
        "5",
        "--latency-jitter-ms",
        "5",
        "--error-rate",
        "0",
        "--drop-rate",
        "0",
        "--propagation-delay",
        "30",
        "--fault-seed",
        "9",
    ]
    with running_emulator(seed=str(SEED), args=flags) as emulator:
        settings = emulator.admin("GET", "faults")["settings"]
        assert settings == {
            "latency_ms": 5,
            "latency_jitter_ms": 5,
            "throttle_rate": 1.0,
            "retry_after": 2000,
            "error_rate": 0.0,
            "drop_rate": 0.0,
            "lost_answer_rate": 0.0,
            "lost_answer_limit": None,
            "products": ["rocketmq", "mq"],
            "actions": ["GetInstance"],
            "propagation_delay": 30.0,
            "seed": 9,
        }
        config = open_api_models.Config(
            access_key_id=A_ADMIN[0], access_key_secret=A_ADMIN[1], endpoint=emulator.endpoint, protocol="http"
        )
        assert RamClient(config).list_users(ram_models.ListUsersRequest()).body.users.user  # the seed has settled
        with pytest.raises(ThrottlingException):
            RocketMQClient(config).get_instance(INSTANCE)
    with pytest.raises(EmulatorError):
        with running_emulator(seed=str(SEED), args=["--throttle-rate", "2"], timeout=10):
            pass


def poll_until_admitted(call, limit: float) -> float:
    """Seconds until ``call()`` stops raising (it must raise at first); fails after ``limit`` seconds."""
    started = time.monotonic()
    while True:
        try:
            call()
            return time.monotonic() - started
        except Exception:  # pylint: disable=broad-exception-caught  # refused while the change propagates
            if time.monotonic() - started > limit:
                raise
            time.sleep(0.05)


def test_propagation_delay_refuses_assume_role_for_its_duration_then_admits_it(cloud, faults):
    delay = 1.5
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    faults(propagation_delay=delay)
    changed = time.monotonic()
    role = cloud.create_role("late-role", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    refused = cloud.error(lambda: cloud.assume_role(cloud.B_ALICE, role["Arn"]))
    assert (refused.code, refused.status_code) == ("NoPermission", 403)
    assert "not yet visible" in cloud.emu.decisions()[-1]["reason"]
    waited = poll_until_admitted(lambda: cloud.assume_role(cloud.B_ALICE, role["Arn"]), limit=delay + 3)
    assert delay - 0.2 <= time.monotonic() - changed and waited <= delay + 1


def test_propagation_delay_holds_back_a_new_grant_of_a_live_session(cloud, faults):
    delay = 1.0
    cloud.create_role("mq-late", cloud.trust(f"acs:ram::{cloud.B_UID}:root"))
    cloud.grant_assume_role(cloud.B_ADMIN, "alice")
    session = cloud.assume_role(cloud.B_ALICE, cloud.role_arn(cloud.A_UID, "mq-late"))
    faults(propagation_delay=delay)
    grant = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": ["mq:QueryInstanceBaseInfo", "mq:PUB"], "Resource": "acs:mq:*:*:*"}
            ],
        }
    )
    cloud.attach(cloud.A_ADMIN, "role", "mq-late", "mq-late-pub", grant)
    producer = MQClient(cloud.emu.url, session.id, session.secret, session.token).get_producer(
        "MQ_INST_1000000000000001_BXhFHbcq", "orders"
    )
    with pytest.raises(MQServerException) as caught:
        producer.publish_message(TopicMessage("too early"))
    assert caught.value.type == "AccessDenied"
    assert poll_until_admitted(lambda: producer.publish_message(TopicMessage("in time")), limit=delay + 3) <= delay + 1
