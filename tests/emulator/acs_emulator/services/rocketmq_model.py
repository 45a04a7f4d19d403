"""ApsaraMQ for RocketMQ backend of one account: instances, topics, consumer groups, messages and group offsets.

The model is shared by the 5.x management API (``rocketmq.py``) and the 4.x HTTP data plane (``mq_http.py``).
Callers hold the state lock (``State.lock``) around every read-modify-write. The model knows nothing about HTTP
or authorization; it raises ``ApiError`` only for facts of the model (not found, already exists) with the codes of
the 5.x management API; the HTTP data plane checks existence itself and uses its own codes.

Delivery is at-least-once, as in the real 4.x HTTP consumer: a consumed message stays invisible to its group for
the instance's ``invisibility_seconds`` (300 by default, the real value); without an ack it is delivered again.
Message times follow the cloud clock the caller passes (``now``, epoch milliseconds), so a test can move the
emulator's clock (``POST /_emulator/clock``) past the invisibility time instead of waiting for it.
Each (group, topic) pair keeps an offset into the topic's log and its in-flight deliveries.
"""

import hashlib
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional

from ..errors import ApiError, SeedError
from ..state import register_account_part

SERIES = ("4.x", "5.x")
MESSAGE_TYPES = ("NORMAL", "FIFO", "DELAY", "TRANSACTION")
DEFAULT_INVISIBILITY_SECONDS = 300
MAX_MESSAGES_PER_TOPIC = 10000  # oldest messages beyond this are dropped (retention, keeps state small)


def now_ms() -> int:
    return int(time.time() * 1000)


def api_time(epoch_ms: Optional[int] = None) -> str:
    """The management API's timestamp format, ``YYYY-MM-DD HH:mm:ss``."""
    seconds = (epoch_ms if epoch_ms is not None else now_ms()) / 1000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def body_md5(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest().upper()


def not_found(kind: str, what: str) -> ApiError:
    labels = {"Instance": "instance", "Topic": "topic", "ConsumerGroup": "consumer group"}
    return ApiError(404, f"{kind}.NotFound", f"The {labels[kind]} cannot be found: {what}.")


def already_exists(kind: str, what: str) -> ApiError:
    labels = {"Topic": "topic", "ConsumerGroup": "consumer group"}
    return ApiError(409, f"{kind}.AlreadyExists", f"The {labels[kind]} already exists: {what}.")


@dataclass
class Topic:
    name: str
    message_type: str = "NORMAL"
    remark: str = ""
    max_send_tps: Optional[int] = None
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)


@dataclass
class ConsumerGroup:
    id: str
    remark: str = ""
    delivery_order_type: str = "Concurrently"
    message_model: str = "CLUSTERING"
    max_retry_times: int = 16
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)


@dataclass
class Message:
    message_id: str
    body: str
    tag: str = ""
    properties: str = ""
    publish_ms: int = field(default_factory=now_ms)


@dataclass
class Delivery:
    """A message handed to a consumer of a group and not yet acknowledged."""

    message_id: str
    handle: str
    visible_at_ms: int
    consumed_times: int
    first_consume_ms: int


@dataclass
class Cursor:
    """Progress of one consumer group on one topic: next unread position and in-flight deliveries."""

    offset: int = 0  # absolute index of the next unread message
    inflight: Dict[str, Delivery] = field(default_factory=dict)  # message_id -> delivery


@dataclass
class Instance:
    instance_id: str
    region: str
    series: str
    owner: str
    name: str = ""
    remark: str = ""
    invisibility_seconds: int = DEFAULT_INVISIBILITY_SECONDS
    created_ms: int = field(default_factory=now_ms)
    topics: Dict[str, Topic] = field(default_factory=dict)
    groups: Dict[str, ConsumerGroup] = field(default_factory=dict)
    logs: Dict[str, List[Message]] = field(default_factory=dict)  # topic -> messages, oldest first
    log_base: Dict[str, int] = field(default_factory=dict)  # topic -> absolute index of logs[topic][0]
    cursors: Dict[str, Cursor] = field(default_factory=dict)  # "group\ttopic" -> cursor

    # --- management -------------------------------------------------------------------------------------

    def topic(self, name: str) -> Topic:
        return _existing(self.topics, "Topic", name)

    def group(self, group_id: str) -> ConsumerGroup:
        return _existing(self.groups, "ConsumerGroup", group_id)

    def add_topic(self, topic: Topic) -> Topic:
        return _insert(self.topics, "Topic", topic.name, topic)

    def remove_topic(self, name: str) -> None:
        self.topic(name)
        del self.topics[name]
        self.logs.pop(name, None)
        self.log_base.pop(name, None)
        self._drop_cursors(lambda _group_id, topic: topic == name)

    def add_group(self, group: ConsumerGroup) -> ConsumerGroup:
        return _insert(self.groups, "ConsumerGroup", group.id, group)

    def remove_group(self, group_id: str) -> None:
        self.group(group_id)
        del self.groups[group_id]
        self._drop_cursors(lambda group, _topic: group == group_id)

    def _drop_cursors(self, matches: Callable[[str, str], bool]) -> None:
        """Forget the cursors whose (group id, topic) ``matches``."""
        for key in [key for key in self.cursors if matches(*key.split("\t"))]:
            del self.cursors[key]

    def _cursor(self, group_id: str, topic: str) -> Cursor:
        """The group's cursor on the topic (created at offset 0); both must exist."""
        self.topic(topic)
        self.group(group_id)
        return self.cursors.setdefault(_cursor_key(group_id, topic), Cursor())

    # --- messaging ----------------------------------------------------------------------------------------

    def publish(self, topic: str, body: str, now: int, tag: str = "", properties: str = "") -> Message:
        """Append a message to the topic's log (``now``: the cloud clock in epoch milliseconds)."""
        self.topic(topic)
        message = Message(uuid.uuid4().hex.upper(), body, tag, properties, publish_ms=now)
        log = self.logs.setdefault(topic, [])
        log.append(message)
        if len(log) > MAX_MESSAGES_PER_TOPIC:
            dropped = len(log) - MAX_MESSAGES_PER_TOPIC
            del log[:dropped]
            self.log_base[topic] = self.log_base.get(topic, 0) + dropped
        return message

    def receive(self, group_id: str, topic: str, max_count: int, now: int, tag_filter: str = "") -> List[tuple]:
        """Deliver up to ``max_count`` messages to the group: expired in-flight ones first, then new ones.

        Returns ``[(message, delivery), ...]``; each delivery gets a fresh receipt handle.
        """
        cursor = self._cursor(group_id, topic)
        by_id = {m.message_id: m for m in self.logs.get(topic, [])}
        due = [d for d in cursor.inflight.values() if d.visible_at_ms <= now and d.message_id in by_id]
        picked = [by_id[d.message_id] for d in sorted(due, key=lambda d: d.visible_at_ms)][:max_count]
        picked += self._take_new(cursor, topic, max_count - len(picked), tag_filter)
        return [(m, self._deliver(cursor, m, now)) for m in picked]

    def _take_new(self, cursor: Cursor, topic: str, count: int, tag_filter: str) -> List[Message]:
        log, base = self.logs.get(topic, []), self.log_base.get(topic, 0)
        wanted = set(filter(None, tag_filter.split("||"))) if tag_filter and tag_filter != "*" else None
        taken: List[Message] = []
        position = max(cursor.offset, base)
        while count > len(taken) and position - base < len(log):
            message = log[position - base]
            position += 1
            if wanted is None or message.tag in wanted:  # a filtered-out message counts as consumed
                taken.append(message)
        cursor.offset = position
        return taken

    def _deliver(self, cursor: Cursor, message: Message, now: int) -> Delivery:
        previous = cursor.inflight.get(message.message_id)
        delivery = Delivery(
            message_id=message.message_id,
            handle=f"{message.message_id}-{uuid.uuid4().hex[:16].upper()}",
            visible_at_ms=now + self.invisibility_seconds * 1000,
            consumed_times=(previous.consumed_times if previous else 0) + 1,
            first_consume_ms=previous.first_consume_ms if previous else now,
        )
        cursor.inflight[message.message_id] = delivery
        return delivery

    def ack(self, group_id: str, topic: str, handles: Iterable[str], now: int) -> List[tuple]:
        """Acknowledge deliveries; returns ``[(handle, reason), ...]`` for handles that are unknown or expired."""
        cursor = self._cursor(group_id, topic)
        by_handle = {d.handle: d for d in cursor.inflight.values()}
        failures = []
        for handle in handles:
            delivery = by_handle.get(handle)
            if delivery is None:
                failures.append((handle, "The receipt handle you provide is not valid."))
            elif delivery.visible_at_ms <= now:
                failures.append((handle, "The receipt handle has expired: the message became visible again."))
            else:
                del cursor.inflight[delivery.message_id]
        return failures

    def next_visible_ms(self, group_id: str, topic: str) -> Optional[int]:
        """When the earliest in-flight message of the group becomes visible again (for long polling)."""
        cursor = self.cursors.get(_cursor_key(group_id, topic))
        if not cursor or not cursor.inflight:
            return None
        return min(d.visible_at_ms for d in cursor.inflight.values())

    # --- persistence --------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Instance":
        data = dict(data)
        data["topics"] = {k: Topic(**v) for k, v in data.get("topics", {}).items()}
        data["groups"] = {k: ConsumerGroup(**v) for k, v in data.get("groups", {}).items()}
        data["logs"] = {k: [Message(**m) for m in v] for k, v in data.get("logs", {}).items()}
        data["cursors"] = {k: _cursor_from_dict(v) for k, v in data.get("cursors", {}).items()}
        return cls(**data)


def _existing(items: dict, kind: str, key: str):
    if key not in items:
        raise not_found(kind, key)
    return items[key]


def _insert(items: dict, kind: str, key: str, item):
    if key in items:
        raise already_exists(kind, key)
    items[key] = item
    return item


def _cursor_key(group_id: str, topic: str) -> str:
    return f"{group_id}\t{topic}"


def _cursor_from_dict(data: dict) -> Cursor:
    inflight = {k: Delivery(**v) for k, v in data.get("inflight", {}).items()}
    return Cursor(offset=data.get("offset", 0), inflight=inflight)


class RocketMQBackend:
    """All RocketMQ instances owned by one account."""

    def __init__(self, owner: str, instances: Optional[Dict[str, Instance]] = None):
        self.owner = owner
        self.instances: Dict[str, Instance] = instances or {}

    def instance(self, instance_id: str, series: Optional[str] = None) -> Instance:
        found = self.instances.get(instance_id)
        if found is None or (series and found.series != series):
            raise not_found("Instance", instance_id)
        return found

    def list_instances(self, series: Optional[str] = None, region: Optional[str] = None) -> List[Instance]:
        return [
            i
            for i in self.instances.values()
            if (series is None or i.series == series) and (region in (None, "*") or i.region == region)
        ]

    @classmethod
    def from_seed(cls, owner: str, section: Optional[dict]) -> "RocketMQBackend":
        """Build from an account's ``rocketmq:`` seed section (see README, "RocketMQ and faults")."""
        backend = cls(owner)
        for spec in (section or {}).get("instances", []) or []:
            instance = _instance_from_seed(owner, spec)
            if instance.instance_id in backend.instances:
                raise SeedError(f"duplicate RocketMQ instance {instance.instance_id}")
            backend.instances[instance.instance_id] = instance
        return backend

    def to_dict(self) -> dict:
        return {"owner": self.owner, "instances": {k: v.to_dict() for k, v in self.instances.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "RocketMQBackend":
        instances = {k: Instance.from_dict(v) for k, v in (data.get("instances") or {}).items()}
        return cls(data["owner"], instances)


def _instance_from_seed(owner: str, spec: dict) -> Instance:
    missing = [k for k in ("instance_id", "region", "series") if not spec.get(k)]
    if missing:
        raise SeedError(f"RocketMQ instance needs {', '.join(missing)}: {spec}")
    series = str(spec["series"])
    if series not in SERIES:
        raise SeedError(f"RocketMQ series must be one of {SERIES}, not {series!r}")
    instance = Instance(
        instance_id=spec["instance_id"],
        region=spec["region"],
        series=series,
        owner=owner,
        name=spec.get("name") or spec["instance_id"],
        remark=spec.get("remark", ""),
        invisibility_seconds=int(spec.get("invisibility_seconds", DEFAULT_INVISIBILITY_SECONDS)),
    )
    for topic in spec.get("topics", []) or []:
        message_type = topic.get("message_type", "NORMAL")
        if message_type not in MESSAGE_TYPES:
            raise SeedError(f"topic {topic.get('name')}: message_type must be one of {MESSAGE_TYPES}")
        instance.add_topic(Topic(name=topic["name"], message_type=message_type, remark=topic.get("remark", "")))
    for group in spec.get("groups", []) or []:
        instance.add_group(ConsumerGroup(id=group["id"], remark=group.get("remark", "")))
    return instance


def find_instance_owner(accounts: Iterable, instance_id: str) -> Optional[tuple]:
    """``(account, instance)`` for the account whose ``rocketmq`` backend holds ``instance_id``, else None.

    ``accounts`` are objects with a ``rocketmq`` attribute (``AccountState``); the 4.x data plane finds the
    owner from the instance id alone, as the real service does.
    """
    for account in accounts:
        backend = getattr(account, "rocketmq", None)
        if backend is not None and instance_id in backend.instances:
            return account, backend.instances[instance_id]
    return None


register_account_part(
    "rocketmq",
    from_seed=lambda uid, account_seed: RocketMQBackend.from_seed(uid, account_seed.get("rocketmq")),
    from_dict=lambda uid, data: RocketMQBackend.from_dict(data),
)
