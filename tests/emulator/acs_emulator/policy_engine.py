"""RAM policy evaluation: permission policies and role trust policies.

Semantics follow the RAM policy language: a request is allowed only when some statement allows it and no
statement denies it (explicit Deny wins); ``*`` and ``?`` are wildcards in Action (case-insensitive) and
Resource; every condition operator of a statement must hold, each key of an operator must hold, and a key
holds when any of its listed values matches. A key missing from the request context makes a positive
operator false and a negated one (``StringNotEquals``, ``NotIpAddress``...) true.
"""

import datetime
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

NamedPolicy = Tuple[str, dict]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy: Optional[str] = None  # name of the deciding policy
    statement: Optional[int] = None  # index of the deciding statement in that policy
    reason: str = ""

    @property
    def explicit_deny(self) -> bool:
        """Refused by a Deny statement (an implicit deny names no statement)."""
        return not self.allowed and self.policy is not None

    @property
    def statement_ref(self) -> Optional[str]:
        """``policy#Statement[i]``, the form the admin decision log shows."""
        if self.policy is None:
            return None
        return f"{self.policy}#Statement[{self.statement}]"


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str, ignore_case: bool) -> "re.Pattern":
    # RAM knows only * and ? (no [...] classes as in fnmatch).
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return bool(_wildcard_regex(str(pattern), ignore_case).match(value))


def action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(wildcard_match(p, action, ignore_case=True) for p in patterns)


def resource_matches(patterns: Iterable[str], resource: str) -> bool:
    # RAM entity names (users, roles, policies) are case-insensitive, so their ARNs are compared that way.
    ignore_case = resource.lower().startswith("acs:ram:")
    return any(wildcard_match(p, resource, ignore_case=ignore_case) for p in patterns)


# ---- conditions -------------------------------------------------------------------------------------------


def _parse_date(value: Any) -> Optional[datetime.datetime]:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    text = str(value).strip()
    if text.isdigit():
        return datetime.datetime.fromtimestamp(int(text), datetime.timezone.utc)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _parse_number(value: Any) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ip_in(network: Any, address: Any) -> bool:
    try:
        return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(network), strict=False)
    except ValueError:
        return False


def _bool_text(value: Any) -> str:
    return str(value).strip().lower()


def _compare(parse: Callable[[Any], Any], test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """A matcher(expected, actual) that parses both sides and never matches an unparsable value."""

    def matcher(expected, actual):
        left, right = parse(actual), parse(expected)
        return left is not None and right is not None and test(left, right)

    return matcher


# The operators NumericX and DateX share: suffix (lower-case) -> (test(actual, expected), negated)
_ORDER_TESTS: Dict[str, Tuple[Callable[[Any, Any], bool], bool]] = {
    "equals": (lambda a, e: a == e, False),
    "notequals": (lambda a, e: a == e, True),
    "lessthan": (lambda a, e: a < e, False),
    "lessthanequals": (lambda a, e: a <= e, False),
    "greaterthan": (lambda a, e: a > e, False),
    "greaterthanequals": (lambda a, e: a >= e, False),
}


def _ordered_operators(family: str, parse: Callable[[Any], Any]) -> Dict[str, Tuple[Callable[[Any, Any], bool], bool]]:
    """``<family>Equals``, ``NotEquals``, ``LessThan[Equals]`` and ``GreaterThan[Equals]`` on the values ``parse`` reads."""
    return {family + suffix: (_compare(parse, test), negated) for suffix, (test, negated) in _ORDER_TESTS.items()}


# operator name (lower-case) -> (matcher(expected, actual), negated)
_OPERATORS: Dict[str, Tuple[Callable[[Any, Any], bool], bool]] = {
    "stringequals": (lambda e, a: str(a) == str(e), False),
    "stringnotequals": (lambda e, a: str(a) == str(e), True),
    "stringequalsignorecase": (lambda e, a: str(a).lower() == str(e).lower(), False),
    "stringnotequalsignorecase": (lambda e, a: str(a).lower() == str(e).lower(), True),
    "stringlike": (lambda e, a: wildcard_match(str(e), str(a)), False),
    "stringnotlike": (lambda e, a: wildcard_match(str(e), str(a)), True),
    **_ordered_operators("numeric", _parse_number),
    **_ordered_operators("date", _parse_date),
    "bool": (lambda e, a: _bool_text(a) == _bool_text(e), False),
    "ipaddress": (_ip_in, False),
    "notipaddress": (_ip_in, True),
}

SUPPORTED_OPERATORS = frozenset(_OPERATORS)


def _context_value(context: Dict[str, Any], key: str) -> Any:
    wanted = key.lower()
    for name, value in context.items():
        if name.lower() == wanted:
            return value
    return None


def _key_holds(operator: str, expected: Any, actual: Any) -> bool:
    matcher, negated = _OPERATORS[operator]
    if actual is None:
        return negated
    hit = any(matcher(value, item) for value in as_list(expected) for item in as_list(actual))
    return not hit if negated else hit


def conditions_hold(conditions: Optional[dict], context: Dict[str, Any]) -> bool:
    """True when every operator and key of a statement's Condition block holds for ``context``.

    An operator the engine does not know makes the statement inapplicable (never silently true).
    """
    for operator, keys in (conditions or {}).items():
        name = operator.lower()
        if name not in _OPERATORS or not isinstance(keys, dict):
            return False
        for key, expected in keys.items():
            if not _key_holds(name, expected, _context_value(context, key)):
                return False
    return True


# ---- permission policies --------------------------------------------------------------------------------


def _statements(document: dict) -> List[dict]:
    return [s for s in as_list((document or {}).get("Statement")) if isinstance(s, dict)]


def _statement_applies(statement: dict, action: str, resource: str, context: Dict[str, Any]) -> bool:
    if "NotAction" in statement:
        if action_matches(as_list(statement["NotAction"]), action):
            return False
    elif not action_matches(as_list(statement.get("Action")), action):
        return False
    if "NotResource" in statement:
        if resource_matches(as_list(statement["NotResource"]), resource):
            return False
    elif not resource_matches(as_list(statement.get("Resource")), resource):
        return False
    return conditions_hold(statement.get("Condition"), context)


def evaluate(
    policies: Sequence[NamedPolicy], action: str, resource: str, context: Optional[Dict[str, Any]] = None
) -> Decision:
    """Decide ``action`` on ``resource`` under ``policies`` (a list of ``(name, document)``)."""
    context = context or {}
    allow: Optional[Decision] = None
    for name, document in policies:
        for index, statement in enumerate(_statements(document)):
            if not _statement_applies(statement, action, resource, context):
                continue
            effect = str(statement.get("Effect", "")).lower()
            if effect == "deny":
                return Decision(False, name, index, f"explicit Deny in {name}#Statement[{index}]")
            if effect == "allow" and allow is None:
                allow = Decision(True, name, index, f"allowed by {name}#Statement[{index}]")
    return allow or Decision(False, reason="no statement allows it (implicit deny)")


def evaluate_all(
    policy_sets: Sequence[Tuple[str, Sequence[NamedPolicy]]],
    action: str,
    resource: str,
    context: Optional[Dict[str, Any]] = None,
) -> Decision:
    """Allowed only when every named set allows (a role's policies intersected with a session policy)."""
    decision = Decision(False, reason="no policy set")
    for label, policies in policy_sets:
        decision = evaluate(policies, action, resource, context)
        if not decision.allowed:
            return Decision(False, decision.policy, decision.statement, f"{label}: {decision.reason}")
    return decision


# ---- trust policies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who asks to assume a role, as the trust policy sees it."""

    account_uid: str
    arns: Tuple[str, ...] = ()  # acs:ram::<uid>:user/<name> or acs:ram::<uid>:role/<name> (lower-case name)
    service: Optional[str] = None  # e.g. ecs.aliyuncs.com for a cloud service


def _ram_principal_admits(entry: str, principal: Principal) -> bool:
    entry = str(entry).strip()
    if entry == "*":
        return True
    root = re.fullmatch(r"acs:ram::(\d+):root|(\d+)", entry)
    if root:
        # The account root admits every identity of that account; its own policies decide the rest.
        return (root.group(1) or root.group(2)) == principal.account_uid
    return any(wildcard_match(entry, arn, ignore_case=True) for arn in principal.arns)


def _principal_admits(block: Any, principal: Principal) -> bool:
    if block == "*":
        return True
    if not isinstance(block, dict):
        return False
    for kind, entries in block.items():
        kind = kind.lower()
        if kind == "ram" and any(_ram_principal_admits(e, principal) for e in as_list(entries)):
            return True
        if (
            kind == "service"
            and principal.service
            and any(str(e).lower() == principal.service.lower() for e in as_list(entries))
        ):
            return True
    return False


def evaluate_trust(
    document: dict, principal: Principal, context: Optional[Dict[str, Any]] = None, action: str = "sts:AssumeRole"
) -> Decision:
    """Decide whether a role's trust policy lets ``principal`` assume it (explicit Deny wins here too)."""
    context = context or {}
    allow: Optional[Decision] = None
    for index, statement in enumerate(_statements(document)):
        if not action_matches(as_list(statement.get("Action")), action):
            continue
        if not _principal_admits(statement.get("Principal"), principal):
            continue
        if not conditions_hold(statement.get("Condition"), context):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return Decision(False, "trust policy", index, f"explicit Deny in trust policy Statement[{index}]")
        if effect == "allow" and allow is None:
            allow = Decision(True, "trust policy", index, f"trust policy Statement[{index}] admits the caller")
    return allow or Decision(False, reason="the trust policy admits no such principal with these conditions")


def document_errors(document: Any) -> List[str]:
    """Grammar problems of a permission policy document (empty when it is acceptable)."""
    if not isinstance(document, dict):
        return ["the document is not a JSON object"]
    statements = document.get("Statement")
    if not isinstance(statements, (list, dict)) or not as_list(statements):
        return ["Statement is missing or empty"]
    errors = []
    for index, statement in enumerate(as_list(statements)):
        if not isinstance(statement, dict):
            errors.append(f"Statement[{index}] is not an object")
            continue
        if str(statement.get("Effect", "")).lower() not in ("allow", "deny"):
            errors.append(f"Statement[{index}].Effect must be Allow or Deny")
        if "Action" not in statement and "NotAction" not in statement:
            errors.append(f"Statement[{index}] has no Action")
        if "Resource" not in statement and "NotResource" not in statement:
            errors.append(f"Statement[{index}] has no Resource")
        for operator in statement.get("Condition") or {}:
            if operator.lower() not in SUPPORTED_OPERATORS:
                errors.append(f"Statement[{index}].Condition uses unknown operator {operator}")
    return errors
