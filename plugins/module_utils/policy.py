# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM policy documents: load, validate, compare semantically, render, and build or edit trust policies.

Pure Python (no SDK), so modules validate and compare before their first API call.
Error paths use the document's own keys and zero-based statement indexes, e.g.
``Statement[0].Condition.IpAddress.acs:SourceIp[1]``.
Normalisation exists only for comparing: documents handed back to users keep their keys and spelling,
and no function here mutates its input.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import ipaddress
import json
import re

from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_account_uid,
    validate_external_id,
)

PERMISSION = "permission"
TRUST = "trust"
SESSION = "session"  # an AssumeRole session Policy: the grammar of a permission policy, STS's own length limit
# Length limits, counted on the compact JSON form that render_document() sends:
# - permission: 6,144 characters (RAM Limits page, "The number of characters that a custom policy can contain";
#   CreatePolicy: PolicyDocument 1 to 6,144 characters);
# - session: 2,048 characters (AssumeRole reference: Policy 1 to 2,048 characters, since the STS upgrade of
#   2022-09, alibabacloud.com/en/notice/ram20220919);
# - trust: 2,048 characters, an assumption: the CreateRole and UpdateRole references give no length for
#   AssumeRolePolicyDocument; the emulator uses the same limit and the emulator README's "Assumptions where the
#   documentation is silent" names it.
MAX_DOCUMENT_LENGTH = {PERMISSION: 6144, TRUST: 2048, SESSION: 2048}
_GRAMMAR = {PERMISSION: PERMISSION, TRUST: TRUST, SESSION: PERMISSION}
ASSUME_ROLE = "sts:AssumeRole"

_STATEMENT_KEYS = {
    PERMISSION: ("Effect", "Action", "NotAction", "Resource", "Condition"),
    TRUST: ("Effect", "Action", "Principal", "Condition"),
}
_MISPLACED_KEYS = {
    (
        PERMISSION,
        "Principal",
    ): "is only allowed in a trust policy (a permission policy applies to whoever it is attached to)",
    (TRUST, "Resource"): "is not allowed in a trust policy (the resource is the role itself)",
    (TRUST, "NotAction"): "is not allowed in a trust policy (use Action: sts:AssumeRole)",
}
_ACTION_PATTERN = re.compile(r"\*|[A-Za-z0-9][A-Za-z0-9_-]*:[A-Za-z0-9_.*?-]+")
_RAM_PRINCIPAL_PATTERN = re.compile(r"[0-9]{16}|acs:ram::[0-9]{16}:(root|(user|role)/[^\s/]+)")
_ROOT_PRINCIPAL_PATTERN = re.compile(r"([0-9]{16})|acs:ram::([0-9]{16}):root")
_ROLE_PRINCIPAL_PATTERN = re.compile(r"(acs:ram::[0-9]{16}:role/)(.+)")
_FEDERATED_PATTERN = re.compile(r"acs:ram::[0-9]{16}:(saml|oidc)-provider/[^\s/]+")
_SERVICE_PATTERN = re.compile(r"[A-Za-z0-9@_-]+(\.[A-Za-z0-9_-]+)+")


class PolicyError(ValueError):
    """A fault in a policy document: ``path`` locates it in the document, ``field`` names the module option."""

    def __init__(self, message, path="", field="policy_document"):
        self.message = message
        self.path = path
        self.field = field
        located = f"{path} {message}" if path else message
        super().__init__(f"{field}: {located}")


@contextlib.contextmanager
def _reported_as(field):
    """Errors raised inside name ``field``, the module option the document or input came from."""
    try:
        yield
    except PolicyError as fault:
        raise PolicyError(fault.message, fault.path, field) from None


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _type_name(value):
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


# ---------------------------------------------------------------------------------------------------------------- loading


def load_document(value, field="policy_document"):
    """A policy document from a dict (copied), a JSON string or a YAML string (when PyYAML is importable)."""
    if isinstance(value, dict):
        return copy.deepcopy(value)
    if not isinstance(value, str):
        raise PolicyError(f"must be a mapping, a JSON string or a YAML string, got {_type_name(value)}", field=field)
    text = value.strip()
    if not text:
        raise PolicyError("is empty; expected a JSON or YAML policy document", field=field)
    document = _parse(text, field)
    if not isinstance(document, dict):
        raise PolicyError(f"must be a mapping with Version and Statement, got {_type_name(document)}", field=field)
    return document


def _yaml():
    """PyYAML, loaded only when a document is not JSON (it costs every task's start-up otherwise); None without it.

    YAML input is a convenience: dicts and JSON work without PyYAML."""
    try:
        return importlib.import_module("yaml")
    except ImportError:
        return None


def _parse(text, field):
    try:
        return json.loads(text)
    except ValueError as json_error:
        yaml = _yaml()
        if yaml is None:
            raise PolicyError(f"is not valid JSON: {json_error}", field=field) from None
        problem = f"is not valid JSON: {json_error}"
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as yaml_error:
        if not text.startswith("{"):  # a document that does not look like JSON was meant as YAML
            problem = "is neither JSON nor valid YAML: " + " ".join(str(yaml_error).split())
        raise PolicyError(problem, field=field) from None


# ------------------------------------------------------------------------------------------------------------- validation


def validate_document(doc, kind=PERMISSION, field="policy_document"):
    """Check ``doc`` against the RAM policy grammar and size limit; raise PolicyError naming the faulty path."""
    if kind not in MAX_DOCUMENT_LENGTH:
        raise ValueError(f"kind must be {PERMISSION!r}, {TRUST!r} or {SESSION!r}, got {kind!r}")
    with _reported_as(field):
        _check_grammar(doc, _GRAMMAR[kind])
        _check_size(doc, kind)


def _check_size(doc, kind):
    length = len(render_document(doc))
    if length > MAX_DOCUMENT_LENGTH[kind]:
        service = "STS" if kind == SESSION else "RAM"
        raise PolicyError(
            f"is {length} characters as compact JSON; {service} allows at most {MAX_DOCUMENT_LENGTH[kind]} for a {kind} policy"
        )


def _check_grammar(doc, kind):
    if not isinstance(doc, dict):
        raise PolicyError(f"must be a mapping with Version and Statement, got {_type_name(doc)}")
    for key in doc:
        if key not in ("Version", "Statement"):
            raise PolicyError("is not a RAM policy element (expected Version and Statement)", str(key))
    if "Version" not in doc:
        raise PolicyError("is required and must be '1'", "Version")
    if doc["Version"] != "1":
        raise PolicyError(f"must be '1' (a string), got {doc['Version']!r}", "Version")
    statements = doc.get("Statement")
    if statements is None:
        raise PolicyError("is required: a list of statements", "Statement")
    if isinstance(statements, dict):
        raise PolicyError("must be a list of statements, got a single statement (wrap it in a list)", "Statement")
    if not isinstance(statements, list) or not statements:
        raise PolicyError(f"must be a non-empty list of statements, got {_type_name(statements)}", "Statement")
    for index, statement in enumerate(statements):
        _check_statement(statement, f"Statement[{index}]", kind)


def _check_statement(statement, path, kind):
    if not isinstance(statement, dict):
        raise PolicyError(f"must be a mapping, got {_type_name(statement)}", path)
    for key in statement:
        if key not in _STATEMENT_KEYS[kind]:
            default = f"is not a statement element of a {kind} policy (expected {', '.join(_STATEMENT_KEYS[kind])})"
            raise PolicyError(_MISPLACED_KEYS.get((kind, key), default), f"{path}.{key}")
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"must be 'Allow' or 'Deny', got {effect!r}", f"{path}.Effect")
    _check_actions(statement, path)
    if kind == PERMISSION:
        _check_resources(statement, path)
    else:
        _check_principal(statement.get("Principal"), f"{path}.Principal")
    if "Condition" in statement:
        _check_condition(statement["Condition"], f"{path}.Condition")


def _elements(value, path):
    """(path, item) pairs of an element that RAM accepts as one value or a non-empty list of values."""
    if not isinstance(value, list):
        return [(path, value)]
    if not value:
        raise PolicyError("must not be an empty list", path)
    return [(f"{path}[{index}]", item) for index, item in enumerate(value)]


def _strings(value, path):
    pairs = _elements(value, path)
    for item_path, item in pairs:
        if not isinstance(item, str) or not item.strip():
            raise PolicyError(f"must be a non-empty string, got {_type_name(item)}", item_path)
    return pairs


def _check_each(value, path, pattern, expected):
    for item_path, item in _strings(value, path):
        if not pattern.fullmatch(item):
            raise PolicyError(f"must be {expected}, got {item!r}", item_path)


def _check_actions(statement, path):
    present = [key for key in ("Action", "NotAction") if key in statement]
    if not present:
        raise PolicyError("is required", f"{path}.Action")
    if len(present) > 1:
        raise PolicyError("must not be combined with Action", f"{path}.NotAction")
    key = present[0]
    _check_each(statement[key], f"{path}.{key}", _ACTION_PATTERN, "'*' or '<product>:<action>' such as 'mq:PUB'")


def _check_resources(statement, path):
    if "Resource" not in statement:
        raise PolicyError("is required in a permission policy", f"{path}.Resource")
    for item_path, item in _strings(statement["Resource"], f"{path}.Resource"):
        if item != "*" and not item.startswith("acs:"):
            raise PolicyError(f"must be '*' or a resource name starting with 'acs:', got {item!r}", item_path)


_PRINCIPAL_FORMS = {
    "RAM": (_RAM_PRINCIPAL_PATTERN, "an account UID or acs:ram::<uid>:root, :user/<name> or :role/<name>"),
    "Service": (_SERVICE_PATTERN, "a service name such as 'ecs.aliyuncs.com'"),
    "Federated": (_FEDERATED_PATTERN, "acs:ram::<uid>:saml-provider/<name> or acs:ram::<uid>:oidc-provider/<name>"),
}


def _principal_fault(kind, name):
    """Why ``name`` cannot be a ``kind`` principal of a trust policy, or None.

    Wildcards are refused: the trust-policy documentation names accounts, users, roles, services and identity
    providers one by one and documents no wildcard, and ``*`` or ``acs:ram::<uid>:user/*`` would let identities
    nobody named assume the role (the stricter reading; the emulator refuses them too)."""
    if "*" in name or "?" in name:
        return f"must name one principal; wildcards (* and ?) are not accepted in a trust policy, got {name!r}"
    pattern, expected = _PRINCIPAL_FORMS[kind]
    if not pattern.fullmatch(name):
        return f"must be {expected}, got {name!r}"
    return None


def _check_principal(principal, path):
    if principal is None:
        raise PolicyError("is required in a trust policy", path)
    if not isinstance(principal, dict) or not principal:
        raise PolicyError(
            f"must be a mapping of RAM, Service or Federated to principals, got {_type_name(principal)}", path
        )
    for kind, value in principal.items():
        if kind not in _PRINCIPAL_FORMS:
            raise PolicyError("is not a principal type (expected RAM, Service or Federated)", f"{path}.{kind}")
        for item_path, item in _strings(value, f"{path}.{kind}"):
            fault = _principal_fault(kind, item)
            if fault:
                raise PolicyError(fault, item_path)


def _any_string(value):
    return None if isinstance(value, str) else "a string"


def _number(value):
    if isinstance(value, bool):
        return "a number"
    try:
        float(value)
        return None
    except (TypeError, ValueError):
        return "a number"


def _boolean(value):
    return None if isinstance(value, bool) or str(value).lower() in ("true", "false") else "'true' or 'false'"


def _ip_range(value):
    try:
        ipaddress.ip_network(value, strict=False)
        return None
    except (TypeError, ValueError):
        return "an IP address or CIDR block such as '203.0.113.0/24'"


_CONDITION_VALUE_CHECKS = {
    "StringEquals": _any_string,
    "StringNotEquals": _any_string,
    "StringEqualsIgnoreCase": _any_string,
    "StringNotEqualsIgnoreCase": _any_string,
    "StringLike": _any_string,
    "StringNotLike": _any_string,
    "NumericEquals": _number,
    "NumericNotEquals": _number,
    "NumericLessThan": _number,
    "NumericLessThanEquals": _number,
    "NumericGreaterThan": _number,
    "NumericGreaterThanEquals": _number,
    "DateEquals": _any_string,
    "DateNotEquals": _any_string,
    "DateLessThan": _any_string,
    "DateLessThanEquals": _any_string,
    "DateGreaterThan": _any_string,
    "DateGreaterThanEquals": _any_string,
    "Bool": _boolean,
    "IpAddress": _ip_range,
    "NotIpAddress": _ip_range,
}


def _check_condition(condition, path):
    if not isinstance(condition, dict) or not condition:
        raise PolicyError(f"must be a mapping of operators to {{key: value}}, got {_type_name(condition)}", path)
    for operator, keys in condition.items():
        operator_path = f"{path}.{operator}"
        if operator not in _CONDITION_VALUE_CHECKS:
            raise PolicyError("is not a RAM condition operator", operator_path)
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(f"must be a mapping of condition keys to values, got {_type_name(keys)}", operator_path)
        for key, value in keys.items():
            _check_condition_values(value, f"{operator_path}.{key}", _CONDITION_VALUE_CHECKS[operator])


def _check_condition_values(value, path, check):
    for item_path, item in _elements(value, path):
        expected = (
            check(item) if isinstance(item, (str, int, float)) else "a string, number or boolean (quote dates in YAML)"
        )
        if expected:
            raise PolicyError(f"must be {expected}, got {_type_name(item)} {item!r}", item_path)


# --------------------------------------------------------------------------------------------------- comparing, rendering


def render_document(doc):
    """Canonical compact JSON (sorted keys, no spaces): what the API receives and what the size limits count."""
    document = load_document(doc) if isinstance(doc, str) else doc
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def documents_equal(a, b):
    """Whether two documents (dicts or JSON/YAML strings) grant the same thing in RAM's eyes; None equals only None.

    A string that is not a document raises PolicyError."""
    if a is None or b is None:
        return a is b
    return normalize_document(a) == normalize_document(b)


def normalize_document(doc):
    """A hashable canonical form of ``doc`` for comparing only; never send or return it.

    Equal forms: a string and a one-item list, any order of statements or list items, duplicates, key order,
    JSON whitespace, ``<uid>`` and ``acs:ram::<uid>:root``, action names and role names in any case (RAM matches
    both case-insensitively), service names in any case, ``true`` and ``"true"``. Effects, resources, condition
    keys and values stay exact (except for the IgnoreCase, Bool and IP operators, compared as RAM evaluates them).
    """
    document = load_document(doc) if isinstance(doc, str) else doc
    if not isinstance(document, dict):
        raise PolicyError(f"must be a mapping with Version and Statement, got {_type_name(document)}")
    statements = _sorted_set(_normalize_statement(statement) for statement in _as_list(document.get("Statement", [])))
    rest = tuple(sorted((str(key), _canonical(value)) for key, value in document.items() if key != "Statement"))
    return rest + (("Statement", statements),)


def _sorted_set(items):
    return tuple(sorted(set(items), key=repr))


def _scalar(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _lower(value):
    return _scalar(value).lower()


def _values(value, form=_scalar):
    """A string-or-list element as a sorted set, so "a", ["a"] and ["a", "a"] are the same."""
    return _sorted_set(_canonical(item) if isinstance(item, (dict, list)) else form(item) for item in _as_list(value))


def _canonical(value):
    if isinstance(value, dict):
        return tuple(sorted((str(key), _canonical(item)) for key, item in value.items()))
    return _values(value)


def _canonical_ram_principal(value):
    uid = _root_account(value)
    if uid:
        return f"acs:ram::{uid}:root"
    role = _ROLE_PRINCIPAL_PATTERN.fullmatch(_scalar(value))
    return role.group(1) + role.group(2).lower() if role else _scalar(value)


_PRINCIPAL_CANONICAL = {"RAM": _canonical_ram_principal, "Service": _lower, "Federated": _scalar}


def _canonical_ip(value):
    try:
        return str(ipaddress.ip_network(_scalar(value), strict=False))
    except ValueError:
        return _scalar(value)


def _condition_value_form(operator):
    if operator == "Bool" or operator.endswith("IgnoreCase"):
        return _lower
    if operator in ("IpAddress", "NotIpAddress"):
        return _canonical_ip
    return _scalar


def _normalize_condition(condition):
    if not isinstance(condition, dict):
        return _canonical(condition)
    operators = []
    for operator, keys in condition.items():
        if isinstance(keys, dict):
            form = _condition_value_form(operator)
            operators.append((operator, tuple(sorted((str(key), _values(value, form)) for key, value in keys.items()))))
        else:
            operators.append((operator, _canonical(keys)))
    return tuple(sorted(operators))


def _normalize_element(key, value):
    if key in ("Action", "NotAction"):
        return _values(value, _lower)
    if key == "Principal" and isinstance(value, dict):
        return tuple(
            sorted((kind, _values(names, _PRINCIPAL_CANONICAL.get(kind, _scalar))) for kind, names in value.items())
        )
    if key == "Condition":
        return _normalize_condition(value)
    return _canonical(value)


def _normalize_statement(statement):
    if not isinstance(statement, dict):
        return _canonical(statement)
    return tuple(sorted((str(key), _normalize_element(key, value)) for key, value in statement.items()))


# ------------------------------------------------------------------------------------------------------- trust policies


def _checked_uid(value, path):
    try:
        return validate_account_uid(value, path)
    except ValidationError as error:
        raise PolicyError(error.reason, path) from None


def _checked_principal(value, path, kind):
    if not isinstance(value, str):
        raise PolicyError(f"must be {_PRINCIPAL_FORMS[kind][1]}, got {value!r}", path)
    fault = _principal_fault(kind, value)
    if fault:
        raise PolicyError(fault, path)
    return value


def _requested_principals(accounts, ram_arns, services, federated):
    """(principal type, spelling) pairs from friendly input, each checked and named by its argument and index."""
    requested = [("RAM", f"acs:ram::{_checked_uid(uid, f'accounts[{i}]')}:root") for i, uid in enumerate(accounts)]
    for argument, kind, values in (
        ("ram_arns", "RAM", ram_arns),
        ("services", "Service", services),
        ("federated", "Federated", federated),
    ):
        requested.extend((kind, _checked_principal(value, f"{argument}[{i}]", kind)) for i, value in enumerate(values))
    return requested


def _assume_role_statement(kind, principals, condition=None):
    statement = {"Action": ASSUME_ROLE, "Effect": "Allow", "Principal": {kind: sorted(set(principals))}}
    if condition:
        statement["Condition"] = condition
    return statement


def _ram_condition(external_id, source_ips, mfa_required):
    """Hardening that applies to RAM principals (a cloud service neither has an ExternalId nor an MFA device)."""
    condition = {}
    if external_id is not None:
        try:
            condition["StringEquals"] = {"sts:ExternalId": validate_external_id(external_id, "external_id")}
        except ValidationError as error:
            raise PolicyError(error.reason, "external_id") from None
    if source_ips:
        for index, source_ip in enumerate(source_ips):
            expected = _ip_range(source_ip)
            if expected:
                raise PolicyError(f"must be {expected}, got {source_ip!r}", f"source_ips[{index}]")
        condition["IpAddress"] = {"acs:SourceIp": sorted(set(source_ips))}
    if mfa_required:
        condition["Bool"] = {"acs:MFAPresent": "true"}
    return condition


def build_trust_document(
    accounts=(),
    ram_arns=(),
    services=(),
    federated=(),
    external_id=None,
    source_ips=(),
    mfa_required=False,
    field="trust_policy",
):
    """A trust policy from friendly input.

    Trusted accounts (as ``acs:ram::<uid>:root``) and RAM user or role ARNs share one sts:AssumeRole statement that
    carries the ExternalId, source IP and MFA conditions; services and identity providers get statements of their own
    without them. Errors name the argument and index, e.g. ``trust_policy: accounts[1] must be ...``.
    """
    with _reported_as(field):
        requested = _requested_principals(accounts, ram_arns, services, federated)
        condition = _ram_condition(external_id, source_ips, mfa_required)
        by_kind = {kind: [name for found, name in requested if found == kind] for kind in _PRINCIPAL_FORMS}
        if condition and not by_kind["RAM"]:
            raise PolicyError(
                "external_id, source_ips and mfa_required apply to trusted accounts and RAM ARNs; name at least one"
            )
        statements = [_assume_role_statement("RAM", by_kind["RAM"], condition)] if by_kind["RAM"] else []
        statements.extend(
            _assume_role_statement(kind, by_kind[kind]) for kind in ("Service", "Federated") if by_kind[kind]
        )
        if not statements:
            raise PolicyError("needs at least one trusted account, RAM ARN, service or identity provider")
    return {"Version": "1", "Statement": statements}


def _grants_assume_role(statement):
    """An Allow statement with a Principal whose actions cover sts:AssumeRole."""
    if (
        not isinstance(statement, dict)
        or statement.get("Effect") != "Allow"
        or not isinstance(statement.get("Principal"), dict)
    ):
        return False
    return any(
        _lower(action) in ("*", "sts:*", ASSUME_ROLE.lower()) for action in _as_list(statement.get("Action", []))
    )


def _assume_role_grants(doc):
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    return [statement for statement in _as_list(statements) if _grants_assume_role(statement)]


def _canonical_principal(kind, name):
    return kind, _PRINCIPAL_CANONICAL.get(kind, _scalar)(name)


def _root_account(name):
    """The account UID when ``name`` trusts a whole account (``<uid>`` or ``acs:ram::<uid>:root``), else None."""
    match = _ROOT_PRINCIPAL_PATTERN.fullmatch(_scalar(name))
    return match and (match.group(1) or match.group(2))


_PRINCIPAL_GROUPS = {"RAM": "ram_arns", "Service": "services", "Federated": "federated"}


def trusted_principals(doc):
    """Who may assume the role: account UIDs (from ``<uid>`` or ``acs:ram::<uid>:root``), RAM ARNs, services, IdPs."""
    found = {"accounts": set(), "ram_arns": set(), "services": set(), "federated": set()}
    for statement in _assume_role_grants(load_document(doc, "trust_policy")):
        for kind, names in statement["Principal"].items():
            for name in _as_list(names):
                uid = _root_account(name) if kind == "RAM" else None
                if uid:
                    found["accounts"].add(uid)
                elif kind in _PRINCIPAL_GROUPS:
                    found[_PRINCIPAL_GROUPS[kind]].add(_scalar(name))
    return {group: sorted(names) for group, names in found.items()}


def _trusted_set(grants):
    return {
        _canonical_principal(kind, name)
        for grant in grants
        for kind, names in grant["Principal"].items()
        for name in _as_list(names)
    }


def add_trusted_principals(doc, accounts=(), ram_arns=(), services=(), federated=(), field="trust_policy"):
    """A copy of ``doc`` that also trusts the given principals.

    A new principal joins the first sts:AssumeRole grant of its type, so it is bound by that statement's conditions
    (an ExternalId stays enforced); without one, a new unconditional statement is appended. Principals already
    trusted in any spelling are left alone.
    """
    document = load_document(doc, field)
    with _reported_as(field):
        requested = _requested_principals(accounts, ram_arns, services, federated)
    for kind, name in requested:
        grants = _assume_role_grants(document)
        if _canonical_principal(kind, name) in _trusted_set(grants):
            continue
        target = next((grant for grant in grants if kind in grant["Principal"]), None)
        if target is None:
            document.setdefault("Statement", []).append(_assume_role_statement(kind, [name]))
        else:
            target["Principal"][kind] = _as_list(target["Principal"][kind]) + [name]
    return document


def remove_trusted_principals(doc, accounts=(), ram_arns=(), services=(), federated=(), field="trust_policy"):
    """A copy of ``doc`` that no longer trusts the given principals (in any spelling).

    Other principals and all conditions stay as they were; a grant left without principals is dropped. Removing an
    account removes its root principal only, not ARNs of its users or roles.
    """
    document = load_document(doc, field)
    with _reported_as(field):
        unwanted = {
            _canonical_principal(kind, name)
            for kind, name in _requested_principals(accounts, ram_arns, services, federated)
        }
    kept = []
    for statement in _as_list(document.get("Statement", [])):
        if _grants_assume_role(statement):
            _drop_principals(statement["Principal"], unwanted)
            if not statement["Principal"]:
                continue
        kept.append(statement)
    document["Statement"] = kept
    return document


def _drop_principals(principal, unwanted):
    for kind in list(principal):
        names = principal[kind]
        remaining = [name for name in _as_list(names) if _canonical_principal(kind, name) not in unwanted]
        if not remaining:
            del principal[kind]
        elif len(remaining) < len(_as_list(names)):
            principal[kind] = remaining


# ------------------------------------------------------------------------------------------------------------- expiry

EXPIRY_OPERATOR = "DateLessThan"
EXPIRY_KEY = "acs:CurrentTime"


def with_expiry(doc, expires_at, field="policy_document"):
    """A copy of ``doc`` in which every Allow statement holds only while ``acs:CurrentTime`` is before ``expires_at``
    (canonical ISO 8601 UTC text, see module_utils/ownership.py).

    The condition is ANDed with the statement's other conditions; an earlier ``DateLessThan acs:CurrentTime`` is
    replaced, so moving the date is an edit, not a second condition. Deny statements are left as they are (a deny
    that expired would widen access). The cloud evaluates the condition on every request, so once the date has passed
    neither a new AssumeRole nor a session issued before is allowed, whether or not anything runs."""
    document = load_document(doc, field)
    for statement in _as_list(document.get("Statement", [])):
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
            dates = {
                key: value
                for key, value in (condition.get(EXPIRY_OPERATOR) or {}).items()
                if key.lower() != EXPIRY_KEY.lower()
            }
            statement["Condition"] = {**condition, EXPIRY_OPERATOR: {**dates, EXPIRY_KEY: expires_at}}
    return document


def expiry_of_document(doc):
    """The ``DateLessThan acs:CurrentTime`` value every Allow statement of ``doc`` carries, or None when one lacks it
    (or they differ): the moment the document stops granting anything."""
    document = load_document(doc, "policy_document")
    found = set()
    for statement in _as_list(document.get("Statement", [])):
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            dates = (
                ((statement.get("Condition") or {}).get(EXPIRY_OPERATOR) or {})
                if isinstance(statement.get("Condition"), dict)
                else {}
            )
            values = [value for key, value in dates.items() if key.lower() == EXPIRY_KEY.lower()]
            if len(values) != 1 or not isinstance(values[0], str):
                return None
            found.add(values[0])
    return found.pop() if len(found) == 1 else None
