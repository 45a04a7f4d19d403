"""The emulated cloud's state: accounts (each with its service models), STS sessions, the clock.

One ``State`` holds everything; a re-entrant lock serialises API calls so handlers see a consistent
world. Each account carries one object per service model ("account part": ``ram``, ``rocketmq``); the service
model that owns a part registers its type with ``register_account_part`` (``services/ram_model.py``,
``services/rocketmq_model.py``) so the seed and persistence can build it: this module imports no service. With a
state file the whole state is written to SQLite (one table per account part, JSON per account) after every
successful write call, and loaded at start instead of the seed.
"""

import json
import os
import secrets
import sqlite3
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Deque, Dict, Iterable, Optional, Tuple

DEFAULT_TIMESTAMP_WINDOW = 900
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PartType:
    """How to build one service model of an account from the seed and from its persisted dict."""

    name: str
    from_seed: Callable[[str, dict], Any]  # (account uid, account seed) -> part
    from_dict: Callable[[str, dict], Any]  # (account uid, persisted dict) -> part


PART_TYPES: Dict[str, PartType] = {}


def register_account_part(
    name: str, from_seed: Callable[[str, dict], Any], from_dict: Callable[[str, dict], Any]
) -> None:
    """Declare a service model kept per account (called by the service module that owns it)."""
    PART_TYPES[name] = PartType(name, from_seed, from_dict)


@dataclass
class AccountState:
    uid: str
    alias: str
    root_keys: Dict[str, str]  # AccessKeyId -> secret of the account's root keys
    ram: Any = None  # services.ram_model.RamBackend
    rocketmq: Any = None  # RocketMQ model (part 2)

    def part(self, name: str) -> Any:
        return getattr(self, name, None)


@dataclass
class StsSession:
    """A role session issued by AssumeRole; the token is an opaque random string mapped to it."""

    access_key_id: str
    secret: str
    token: str
    account_uid: str  # the role's account
    role_name: str
    role_id: str
    role_arn: str
    session_name: str
    expires: float  # epoch seconds (emulator clock)
    issued: float
    caller_arn: str = ""
    policy: Optional[dict] = None  # the session policy given to AssumeRole
    source_identity: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def new_sts_credentials() -> Dict[str, str]:
    """Fresh STS key material: AccessKeyId (prefix "STS."), secret and an opaque token (prefix "CAIS" like the real one)."""
    return {
        "access_key_id": "STS." + secrets.token_hex(12).upper(),
        "secret": secrets.token_urlsafe(30),
        "token": "CAIS" + secrets.token_urlsafe(96),
    }


class Clock:
    """The cloud's time: wall time plus an offset that tests move forward to expire tokens."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class NonceCache:
    """Signature nonces seen, per AccessKeyId, for as long as a request carrying them could still be accepted.

    A request signed at T passes the timestamp check while |now - T| <= window, so a nonce first seen at t
    (t >= T - window) must be kept until T + window <= t + 2 * window; the gateway is reported to refuse a repeated
    nonce for about 31 minutes with its 15-minute window (https://developer.aliyun.com/ask/561619). Entries are
    kept in arrival order and the expired ones dropped on every use, so memory is bounded by the request rate
    times 2 * window, whatever the number of keys.
    """

    def __init__(self):
        self._seen: Dict[tuple, float] = {}
        self._arrivals: Deque[Tuple[float, tuple]] = deque()
        self._lock = threading.Lock()

    def use(self, access_key_id: str, nonce: str, now: float, window: float) -> bool:
        """Remember ``nonce``; False when ``access_key_id`` already used it within ``2 * window`` seconds."""
        key = (access_key_id, nonce)
        with self._lock:
            self._expire(now - 2 * window)
            if key in self._seen:
                return False
            self._seen[key] = now
            self._arrivals.append((now, key))
            return True

    def _expire(self, horizon: float) -> None:
        while self._arrivals and self._arrivals[0][0] < horizon:
            seen_at, key = self._arrivals.popleft()
            if self._seen.get(key) == seen_at:
                del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._arrivals.clear()


@dataclass
class Settings:
    timestamp_window: int = DEFAULT_TIMESTAMP_WINDOW
    token_ttl_cap: Optional[int] = None  # seconds; caps the lifetime of issued STS tokens (tests)


@dataclass
class State:
    """Everything the emulated cloud knows. Take ``lock`` around any read-modify-write."""

    accounts: Dict[str, AccountState]
    build_accounts: Callable[[], Dict[str, AccountState]]  # the seed, for reset
    settings: Settings = field(default_factory=Settings)
    store: Optional["SqliteStore"] = None
    sessions: Dict[str, StsSession] = field(default_factory=dict)  # by AccessKeyId
    clock: Clock = field(default_factory=Clock)
    nonces: NonceCache = field(default_factory=NonceCache)
    lock: threading.RLock = field(default_factory=threading.RLock)
    dirty: bool = False

    @classmethod
    def start(
        cls, build_accounts: Callable[[], Dict[str, AccountState]], settings: Settings, state_file: Optional[str] = None
    ) -> "State":
        """The state from ``state_file`` when it exists, otherwise from the seed (and saved there)."""
        store = SqliteStore(state_file) if state_file else None
        if store is not None and store.exists():
            accounts, sessions, offset = store.load()
            state = cls(accounts, build_accounts, settings, store, sessions, Clock(offset))
        else:
            state = cls(build_accounts(), build_accounts, settings, store)
            state.save()
        return state

    # accounts ------------------------------------------------------------------------------------------
    def account(self, uid: str) -> Optional[AccountState]:
        return self.accounts.get(str(uid))

    def iter_accounts(self) -> Iterable[AccountState]:
        return self.accounts.values()

    # sessions ------------------------------------------------------------------------------------------
    def add_session(self, session: StsSession) -> None:
        self.drop_expired_sessions()
        self.sessions[session.access_key_id] = session
        self.dirty = True

    def session_by_token(self, token: str) -> Optional[StsSession]:
        return next((s for s in self.sessions.values() if secrets.compare_digest(s.token, token)), None)

    def drop_expired_sessions(self) -> None:
        """Forget sessions expired for a day (until then their tokens still answer "expired", not "malformed")."""
        now = self.clock.now()
        expired = [key for key, s in self.sessions.items() if s.expires <= now - 86400]
        for key in expired:
            del self.sessions[key]

    # lifecycle -----------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seed: accounts rebuilt, sessions, nonces and clock offset cleared."""
        with self.lock:
            self.accounts = self.build_accounts()
            self.sessions = {}
            self.clock = Clock()
            self.nonces.clear()
            self.save()

    def save(self) -> None:
        """Write the whole state to the state file (no-op without one)."""
        with self.lock:
            self.dirty = False
            if self.store is not None:
                self.store.save(self.accounts, self.sessions, self.clock.offset)

    def dump(self) -> dict:
        """A JSON-able picture of all accounts (for ``GET /_emulator/state``); secrets are not included."""
        with self.lock:
            return {
                "accounts": {uid: _account_dump(acc) for uid, acc in self.accounts.items()},
                "sessions": [_session_dump(s, self.clock.now()) for s in self.sessions.values()],
                "clock": self.clock_info(),
            }

    def clock_info(self) -> dict:
        return {"now": _iso(self.clock.now()), "offset": self.clock.offset}


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _part_dict(part: Any) -> Any:
    return part.to_dict() if hasattr(part, "to_dict") else part


def _account_dump(account: AccountState) -> dict:
    dump = {"uid": account.uid, "alias": account.alias, "root_access_key_ids": sorted(account.root_keys)}
    for name in PART_TYPES:
        part = account.part(name)
        if part is not None:
            dump[name] = _redact(_part_dict(part))
    return dump


def _session_dump(session: StsSession, now: float) -> dict:
    return {
        "access_key_id": session.access_key_id,
        "role_arn": session.role_arn,
        "session_name": session.session_name,
        "caller_arn": session.caller_arn,
        "expiration": _iso(session.expires),
        "expired": session.expires <= now,
    }


# Login profiles keep only password hashes, but a hash is still no business of a test log.
_SECRET_KEYS = {
    "secret",
    "accesskeysecret",
    "access_key_secret",
    "password",
    "token",
    "securitytoken",
    "password_hash",
    "password_history",
}


def _redact(value: Any) -> Any:
    """Drop secret-looking fields from a dump (admin output ends up in test logs)."""
    if isinstance(value, dict):
        return {k: ("***" if str(k).lower() in _SECRET_KEYS else _redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


class SqliteStore:
    """The state file: one table per account part (JSON per account), plus accounts, sessions and meta."""

    def __init__(self, path: str):
        self.path = path

    def exists(self) -> bool:
        if not os.path.exists(self.path):
            return False
        with self._connect() as db:
            return (
                db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='accounts'").fetchone() is not None
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    @staticmethod
    def _table(part: str) -> str:
        if not part.isidentifier():
            raise ValueError(f"bad account part name {part!r}")
        return f"part_{part}"

    def _create(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS accounts (uid TEXT PRIMARY KEY, alias TEXT, root_keys TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS sts_sessions (access_key_id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        for part in PART_TYPES:
            db.execute(f"CREATE TABLE IF NOT EXISTS {self._table(part)} (uid TEXT PRIMARY KEY, data TEXT NOT NULL)")

    def save(self, accounts: Dict[str, AccountState], sessions: Dict[str, StsSession], clock_offset: float) -> None:
        with self._connect() as db:  # one transaction: a crash never leaves half a state
            self._create(db)
            for table in ("meta", "accounts", "sts_sessions", *(self._table(p) for p in PART_TYPES)):
                db.execute(f"DELETE FROM {table}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema", json.dumps(SCHEMA_VERSION)), ("clock_offset", json.dumps(clock_offset))],
            )
            for account in accounts.values():
                db.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?)", (account.uid, account.alias, json.dumps(account.root_keys))
                )
                for part in PART_TYPES:
                    if account.part(part) is not None:
                        db.execute(
                            f"INSERT INTO {self._table(part)} VALUES (?, ?)",
                            (account.uid, json.dumps(_part_dict(account.part(part)))),
                        )
            db.executemany(
                "INSERT INTO sts_sessions VALUES (?, ?)", [(k, json.dumps(s.to_dict())) for k, s in sessions.items()]
            )
        # the file holds AccessKey secrets: keep it private to the user
        os.chmod(self.path, 0o600)

    def load(self):
        """(accounts, sessions, clock offset) as saved."""
        with self._connect() as db:
            self._create(db)
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            accounts = {
                uid: AccountState(uid, alias, json.loads(keys))
                for uid, alias, keys in db.execute("SELECT uid, alias, root_keys FROM accounts")
            }
            for name, part_type in PART_TYPES.items():
                for uid, data in db.execute(f"SELECT uid, data FROM {self._table(name)}"):
                    if uid in accounts:
                        setattr(accounts[uid], name, part_type.from_dict(uid, json.loads(data)))
            sessions = {
                k: StsSession(**json.loads(v)) for k, v in db.execute("SELECT access_key_id, data FROM sts_sessions")
            }
        return accounts, sessions, float(meta.get("clock_offset", 0.0))
