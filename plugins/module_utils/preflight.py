# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the arguments of later tasks exactly as their modules will, before any of them calls an API.

    problems = check_tasks([
        {"module": "ram_role", "args": {"name": "bad/name"}, "names": {"name": "owner_setup_role_name"}},
    ])
    # ["owner_setup_role_name: 'bad/name' — may contain only letters, digits, '.' and '-'; found '/'"]

Each entry is validated the way its module validates its parameters: Ansible's ArgumentSpecValidator with the
module's argument spec merged with the common options and the module's rules (mutually_exclusive, required_if, ...),
the checks AlibabaCloudModule makes on the common options, then the module's own ``validated_request``.

A module stops at its first problem; preflight goes on, so that one run lists them all: after each problem the
offending value is set aside (a list element dropped, an option given a neutral valid value) and the checks run
again. Problems that setting aside causes (an option left empty) are not reported.

Each problem names the caller's variable for the option (``names``, keeping the list index), the offending value
unless it is a secret (no_log options and ExternalIds are never echoed), and the rule. Pure Python: no client is
built and no SDK is imported.
"""

from __future__ import annotations

import copy
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.apsaramq.cross_account.plugins.module_utils import (
    ram_group_args,
    ram_policy_args,
    ram_role_args,
    ram_user_grant_args,
    rocketmq_access,
    sts_assume_args,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.base import (
    common_argument_spec,
    common_option_problems,
    missing_endpoint,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import resolve_endpoint
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import PolicyError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

COLLECTION = "apsaramq.cross_account"
HEADLINE = "Invalid input, nothing was changed: "
# Options whose values are never echoed, besides those marked no_log in a spec (access_key_secret, security_token).
SECRET_OPTIONS = frozenset(("external_id",))
HIDDEN = "********"
# Secrets shorter than this are not scrubbed out of reasons (they would mangle words); no reason quotes a secret.
MIN_SCRUBBED_LENGTH = 4
MAX_SHOWN_LENGTH = 72
# AlibabaCloudModule's rule on top of each module's own.
COMMON_REQUIRED_TOGETHER = [["access_key_id", "access_key_secret"]]
RULE_KEYS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
# Valid stand-ins for a refused option that the module cannot do without (else its default, else None is used).
PLACEHOLDER_UID = "1000000000000000"
PLACEHOLDER_ROLE_ARN = f"acs:ram::{PLACEHOLDER_UID}:role/preflight"
PLACEHOLDERS = {
    "name": "preflight",
    "user_name": "preflight",
    "role_name": "preflight",
    "group_name": "preflight",
    "account_id": PLACEHOLDER_UID,
    "role_arn": PLACEHOLDER_ROLE_ARN,
    "role_arns": [PLACEHOLDER_ROLE_ARN],
    "trusted_accounts": [PLACEHOLDER_UID],
}
MAX_ROUNDS = 64
OMIT_PREFIX = "__omit_place_holder__"


class Target:
    """What preflight knows of one module: its argument spec, its rules, its check of the validated parameters, and
    ``later(params, check_mode)``: (option, reason) pairs the module would refuse after its first API call."""

    def __init__(self, spec, rules, validate, later=None):
        self.spec = spec
        self.rules = rules
        self.validate = validate
        self.later = later or (lambda params, check_mode: [])


def _ram_user_grant_request(params):
    # The directories of the AccessKey file and of the password file may be created by an earlier task of the same
    # play: not checked here.
    return ram_user_grant_args.validated_request(params, check_local_files=False)


def _rocketmq_access_later(params, check_mode):
    """rocketmq_access_check needs the 4.x HTTP endpoint before a publish or consume probe (skipped in check mode)."""
    entries = list(params.get("expect_allowed") or ()) + list(params.get("expect_denied") or ())
    if check_mode or not any(entry.get("operation") in rocketmq_access.MESSAGING_OPERATIONS for entry in entries):
        return []
    try:
        endpoint = resolve_endpoint("mq", params)
    except ValueError:
        return []  # reported with the common options
    return [missing_endpoint("mq")] if endpoint is None else []


TARGETS = {
    "ram_role": Target(ram_role_args.ARGUMENT_SPEC, ram_role_args.RULES, ram_role_args.validated_request),
    "ram_policy": Target(ram_policy_args.ARGUMENT_SPEC, {}, ram_policy_args.validated_request),
    "ram_user_grant": Target(ram_user_grant_args.ARGUMENT_SPEC, ram_user_grant_args.RULES, _ram_user_grant_request),
    "ram_group": Target(ram_group_args.ARGUMENT_SPEC, ram_group_args.RULES, ram_group_args.validated_request),
    "sts_assume": Target(sts_assume_args.ARGUMENT_SPEC, sts_assume_args.RULES, sts_assume_args.validated_request),
    "rocketmq_access_check": Target(
        rocketmq_access.ARGUMENT_SPEC, rocketmq_access.RULES, rocketmq_access.validated_request, _rocketmq_access_later
    ),
}
MODULE_NAMES = tuple(TARGETS)
MODULE_CHOICES = list(MODULE_NAMES) + [f"{COLLECTION}.{name}" for name in MODULE_NAMES]


def short_name(module):
    """``apsaramq.cross_account.ram_role`` -> ``ram_role``."""
    prefix = COLLECTION + "."
    return module[len(prefix) :] if module.startswith(prefix) else module


# ------------------------------------------------------------------------------------------------------------- fields

_MISSING = object()
_SEGMENT = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _segments(field):
    """``a[1].b`` -> ["a", 1, "b"]."""
    return [name if name else int(index) for name, index in _SEGMENT.findall(field)]


def _prefixes(field):
    """``a[1].b`` -> [("a[1].b", ""), ("a[1]", ".b"), ("a", "[1].b")]: where a label may be attached, longest first."""
    cuts = [match.end() for match in _SEGMENT.finditer(field)]
    return [(field[:cut], field[cut:]) for cut in reversed(cuts)]


def _split(text, separator=","):
    return [part.strip() for part in text.split(separator) if part.strip()]


class Problem:
    """One refused input: ``label`` (the caller's name for it), the offending value when shown, and the rule."""

    def __init__(self, label, reason, value=_MISSING, order=0):
        self.label = label
        self.reason = reason
        self.value = value
        self.order = order  # where its option comes in the module's spec: an entry's problems are listed in that order

    @property
    def key(self):
        return self.label, self.reason

    def __str__(self):
        if self.value is _MISSING:
            return f"{self.label}: {self.reason}"
        return f"{self.label}: {_show(self.value)} \u2014 {self.reason}"


def _show(value):
    if isinstance(value, str) and len(value) > MAX_SHOWN_LENGTH:
        return f"{value[: MAX_SHOWN_LENGTH - 24]!r}... ({len(value)} characters)"
    return repr(value)


class Entry:
    """One task to check: the module, the arguments as the task will pass them, and the caller's names for them."""

    def __init__(self, module, args=None, names=None, label=None, check_mode=False):
        self.module_name = short_name(module)
        if self.module_name not in TARGETS:
            raise ValueError(f"preflight cannot check the module {module!r}: choose one of {', '.join(MODULE_NAMES)}")
        self.target = TARGETS[self.module_name]
        self.spec = dict(common_argument_spec(), **self.target.spec)
        # Left out like the module would see it: null, and omit where Ansible leaves its placeholder in nested data.
        self.args = {
            option: value for option, value in (args or {}).items() if value is not None and not _omitted(value)
        }
        self.entry_label = label
        self.check_mode = check_mode
        self._aliases = {
            alias: option for option, option_spec in self.spec.items() for alias in option_spec.get("aliases", ())
        }
        self.names = {self.canonical(field): named for field, named in (names or {}).items()}
        self.secret_options = set(SECRET_OPTIONS) | _no_log_options(self.spec)
        self.secret_values = _secret_values(self.args, self.secret_options)
        # Indexes into the caller's lists of the elements still checked (elements set aside are gone).
        self.positions = {}
        # Options that were set aside as a whole or lost elements: their own emptiness is not the caller's fault.
        self.set_aside = set()

    # --- names -----------------------------------------------------------------------------------------------------

    def canonical(self, field):
        """The field with its option spelled as in the spec (not as an alias)."""
        head = re.match(r"[^.\[\]]+", field)
        if head is None:
            return field
        return self._aliases.get(head.group(0), head.group(0)) + field[head.end() :]

    def option_of(self, field):
        segments = _segments(self.canonical(field))
        return segments[0] if segments and isinstance(segments[0], str) else None

    def has_option(self, field):
        return self.option_of(field) in self.spec

    def label(self, field):
        """The caller's name for ``field`` (an option, maybe with an index and a sub-option), else <module>.<field>."""
        field = self.canonical(field)
        for prefix, rest in _prefixes(field):
            named = self.names.get(prefix)
            if isinstance(named, str):
                return named + rest
            if isinstance(named, list):
                index = re.match(r"\[(\d+)\]", rest)
                if index and int(index.group(1)) < len(named):
                    return str(named[int(index.group(1))]) + rest[index.end() :]
        return f"{self.module_name}.{field}" + (f" ({self.entry_label})" if self.entry_label else "")

    def _labels(self, fields, every_field=False):
        """Several fields in one problem: the named ones plus, unless ``every_field``, the unnamed ones that were given;
        all of them when that leaves none."""
        named = [field for field in fields if any(prefix in self.names for prefix, _rest in _prefixes(field))]
        given = (
            []
            if every_field
            else [
                field
                for field in fields
                if field not in named and self.value(field) not in (_MISSING, None, "", [], {})
            ]
        )
        return ", ".join(self.label(field) for field in (named + given or fields))

    # --- values ----------------------------------------------------------------------------------------------------

    def value(self, field):
        """The value the caller gave for ``field`` (``a[1].b`` walks lists and dicts), or _MISSING."""
        segments = _segments(self.canonical(field))
        if not segments:
            return _MISSING
        keys = [segments[0]] + [alias for alias, option in self._aliases.items() if option == segments[0]]
        current = next((self.args[key] for key in keys if key in self.args), _MISSING)
        for segment in segments[1:]:
            if isinstance(segment, int) and isinstance(current, list) and segment < len(current):
                current = current[segment]
            elif isinstance(segment, str) and isinstance(current, dict) and segment in current:
                current = current[segment]
            else:
                return _MISSING
        return current

    def is_secret(self, field):
        return any(
            isinstance(segment, str) and segment in self.secret_options for segment in _segments(self.canonical(field))
        )

    def original(self, field):
        """``field`` as the caller numbers it: ``trusted_accounts[0]`` after element 0 was set aside is ``[1]``."""
        field = self.canonical(field)
        segments = _segments(field)
        option = segments[0] if segments else None
        if (
            option in self.positions
            and len(segments) > 1
            and isinstance(segments[1], int)
            and segments[1] < len(self.positions[option])
        ):
            return re.sub(r"\[\d+\]", f"[{self.positions[option][segments[1]]}]", field, count=1)
        return field

    # --- problems --------------------------------------------------------------------------------------------------

    def problem(self, fields, reason, every_field=False):
        """A Problem about ``fields`` (the caller's numbering; a list, a comma-separated string or None: the entry).

        Of several fields only the named and the given ones are listed, unless ``every_field``."""
        reason = self.scrub(reason)
        if isinstance(fields, str):
            fields = _split(fields)
        fields = [self.canonical(field) for field in fields or ()]
        if not fields:
            return Problem(self.entry_label or self.module_name, _rename_options(self, reason), order=len(self.spec))
        order = min(self._order(field) for field in fields)
        if len(fields) > 1:
            return Problem(self._labels(fields, every_field), reason, order=order)
        value = self.value(fields[0])
        if not _showable(value) or self.is_secret(fields[0]) or repr(value) in reason:
            value = _MISSING  # a secret, not an identifier, or already quoted by the rule
        elif isinstance(value, str):
            value = self.scrub(value)  # an identifier that holds a secret given elsewhere
        return Problem(self.label(fields[0]), reason, value, order)

    def _order(self, field):
        options = list(self.target.spec) + [option for option in self.spec if option not in self.target.spec]
        option = self.option_of(field)
        return options.index(option) if option in options else len(options)

    def scrub(self, text):
        for secret in sorted(self.secret_values, key=len, reverse=True):
            if len(secret) >= MIN_SCRUBBED_LENGTH:
                text = text.replace(secret, HIDDEN)
        return text


def _omitted(value):
    return isinstance(value, str) and value.startswith(OMIT_PREFIX)


def _showable(value):
    return isinstance(value, (str, int, float, bool))


def _no_log_options(spec):
    found = set()
    for option, option_spec in spec.items():
        if option_spec.get("no_log"):
            found.add(option)
            found.update(option_spec.get("aliases", ()))
        found |= _no_log_options(option_spec.get("options") or {})
    return found


def _secret_values(args, secret_options):
    values = set()

    def collect(value, secret):
        if isinstance(value, dict):
            for key, item in value.items():
                collect(item, secret or key in secret_options)
        elif isinstance(value, list):
            for item in value:
                collect(item, secret)
        elif secret and isinstance(value, (str, int)) and not isinstance(value, bool):
            values.add(str(value))

    collect(args, False)
    return values


def _rename_options(entry, message):
    """Text that names options in passing: each named option is replaced by the caller's name for it."""
    for option in sorted(entry.names, key=len, reverse=True):
        if isinstance(entry.names[option], str) and re.fullmatch(r"\w+", option):
            message = re.sub(rf"(?<![\w.]){re.escape(option)}(?!\w)", entry.names[option], message)
    return message


# --------------------------------------------------------------------------------------- Ansible's argument validation

# Messages of ansible.module_utils.common (arg_spec, validation): pattern -> [(fields, reason), ...].
_FOUND_IN = r"(?: found in '?(?P<parent>[^'\s]+?)'?\.?)?"
# The type of a refused value: ``str`` (ansible-core 2.19 and later) or ``<class 'str'>`` (2.17 and 2.18).
_GOT_TYPE = r"(?P<got><class '[^']+'>|\S+)"


def _type_name(got):
    """``str`` of either spelling of _GOT_TYPE."""
    return re.sub(r"^<class '([^']+)'>$", r"\1", got)


_SPEC_MESSAGES = [
    (
        re.compile(
            r"argument '(?P<option>[^']+)' is of type "
            + _GOT_TYPE
            + _FOUND_IN
            + r" and we were unable to convert to (?P<want>\w+)"
        ),
        lambda m: [([m["option"]], f"must be of type {m['want']}, got {_type_name(m['got'])}")],
    ),
    (
        re.compile(
            r"[Ee]lements value for option '(?P<option>[^']+)'"
            + _FOUND_IN
            + r" is of type "
            + _GOT_TYPE
            + r" and we were unable to convert to (?P<want>\w+)"
        ),
        lambda m: [([m["option"]], f"every element must be of type {m['want']}, got {_type_name(m['got'])}")],
    ),
    (
        re.compile(r"value of (?P<option>\S+) must be one of: (?P<choices>.*?), got: .*?" + _FOUND_IN + "$", re.S),
        lambda m: [([m["option"]], f"must be one of: {m['choices']}")],
    ),
    (
        re.compile(
            r"value of (?P<option>\S+) must be one or more of: (?P<choices>.*?)\. Got no match for: .*?"
            + _FOUND_IN
            + "$",
            re.S,
        ),
        lambda m: [([m["option"]], f"every element must be one of: {m['choices']}")],
    ),
    (
        re.compile(r"missing required arguments: (?P<options>.*?)" + _FOUND_IN + "$"),
        lambda m: [([option], "is required") for option in _split(m["options"])],
    ),
    (
        re.compile(r"parameters are mutually exclusive: (?P<options>.*?)" + _FOUND_IN + "$"),
        lambda m: [(_split(group, "|"), "are mutually exclusive: give only one") for group in _split(m["options"])],
    ),
    (
        re.compile(r"parameters are required together: (?P<options>.*?)" + _FOUND_IN + "$"),
        lambda m: [(_split(m["options"]), "must be given together")],
    ),
    (
        re.compile(r"one of the following is required: (?P<options>.*?)" + _FOUND_IN + "$"),
        lambda m: [(_split(m["options"]), "one of them is required")],
    ),
    (
        re.compile(
            r"(?P<key>\S+) is (?P<value>.*) but (?P<scope>all|any) of the following are missing: (?P<options>.*?)"
            + _FOUND_IN
            + "$"
        ),
        lambda m: [(_split(m["options"]), _required_if_reason(m))],
    ),
    (
        re.compile(r"missing parameter\(s\) required by '(?P<key>[^']+)': (?P<options>.*?)" + _FOUND_IN + "$"),
        lambda m: [(_split(m["options"]), f"is required by {m['key']}")],
    ),
]


def _required_if_reason(match):
    options = _split(match["options"])
    needed = (
        "is required"
        if len(options) == 1
        else ("are required" if match["scope"] == "all" else "one of them is required")
    )
    return f"{needed} when {match['key']} is {match['value']}"


def _spec_problems(entry, error, prefix=""):
    """(fields, Problem) pairs of one ArgumentSpecValidator error; ``prefix`` places a sub-option (``expect_allowed[1].``)."""
    message = str(getattr(error, "error_message", None) or error)
    if type(error).__name__ == "UnsupportedError":
        unsupported = message.split(". Supported parameters include", 1)[0]
        return [
            ([prefix + field], entry.problem(prefix + field, f"is not an option of {entry.module_name}"))
            for field in _split(unsupported)
        ]
    for pattern, explain in _SPEC_MESSAGES:
        match = pattern.search(message)
        if match:
            parent = match.groupdict().get("parent")
            place = prefix + (f"{parent}." if parent else "")
            found = []
            for fields, reason in explain(match):
                fields = [place + field for field in fields]
                found.append((fields, entry.problem(fields, reason, every_field=True)))
            return found
    return [([prefix.rstrip(".")] if prefix else [], entry.problem(None, message))]


def _rules(option_spec):
    return {key: list(option_spec[key]) for key in RULE_KEYS if option_spec.get(key)}


def _validate_elements(entry, args):
    """List options of dicts with sub-options: each element on its own, so that a problem names its index.

    Elements with a problem are set aside. Returns (problems, args with the good elements converted, spec without
    those sub-options)."""
    problems = []
    spec = dict(entry.spec)
    args = dict(args)
    for option, option_spec in entry.spec.items():
        if not (
            option_spec.get("type") == "list" and option_spec.get("elements") == "dict" and option_spec.get("options")
        ):
            continue
        key = next((name for name in [option] + list(option_spec.get("aliases", ())) if name in args), None)
        if key is None or not isinstance(args[key], list):
            continue
        validator = ArgumentSpecValidator(option_spec["options"], **_rules(option_spec))
        kept, positions = [], []
        for index, element in enumerate(args[key]):
            place = f"{option}[{index}]"
            if not isinstance(element, dict):
                problems.append(entry.problem(place, f"must be a mapping of {', '.join(option_spec['options'])}"))
                continue
            result = validator.validate(element)
            entry.secret_values.update(str(value) for value in result._no_log_values)  # pylint: disable=protected-access
            errors = list(result.errors)
            if errors:
                problems.extend(
                    problem for error in errors for _fields, problem in _spec_problems(entry, error, prefix=place + ".")
                )
                continue
            kept.append(result.validated_parameters)
            positions.append(index)
        if len(kept) < len(args[key]):
            entry.positions[option] = positions
            entry.set_aside.add(option)
        spec[option] = {name: value for name, value in option_spec.items() if name not in ("options",) + RULE_KEYS}
        args[key] = kept
    return problems, args, spec


def _validate_arguments(entry):
    """Ansible's validation of the module's parameters: (problems, parameters with the refused ones set aside)."""
    problems, args, spec = _validate_elements(entry, entry.args)
    rules = {key: list(value) for key, value in entry.target.rules.items()}
    rules["required_together"] = list(rules.get("required_together", [])) + COMMON_REQUIRED_TOGETHER
    result = ArgumentSpecValidator(spec, **rules).validate(args)
    entry.secret_values.update(str(value) for value in result._no_log_values)  # pylint: disable=protected-access
    params = result.validated_parameters
    for error in result.errors:
        for fields, problem in _spec_problems(entry, error):
            problems.append(problem)
            for field in fields:
                _set_aside(entry, params, field)
    for option, option_spec in spec.items():  # what a refused option left unconverted
        params.setdefault(option, copy.deepcopy(option_spec.get("default")))
    return problems, params


def _neutral(entry, option):
    if option in PLACEHOLDERS:
        return copy.deepcopy(PLACEHOLDERS[option])
    return copy.deepcopy(entry.spec.get(option, {}).get("default"))


def _set_aside(entry, params, field):
    """Take the refused ``field`` (current numbering) out of ``params``; False when nothing could change."""
    segments = _segments(entry.canonical(field))
    if not segments or not isinstance(segments[0], str):
        return False
    option = segments[0]
    current = params.get(option)
    if len(segments) > 1 and isinstance(segments[1], int) and isinstance(current, list) and segments[1] < len(current):
        positions = entry.positions.setdefault(option, list(range(len(current))))
        del positions[segments[1]]
        params[option] = current[: segments[1]] + current[segments[1] + 1 :]
        entry.set_aside.add(option)
        return True
    if option not in entry.spec:
        params.pop(option, None)
        return False
    neutral = _neutral(entry, option)
    entry.set_aside.add(option)
    if current == neutral:
        return False
    params[option] = neutral
    return True


# ------------------------------------------------------------------------------------------------ the modules' checks

_FIELD_MESSAGE = re.compile(
    r"(?P<fields>[A-Za-z_][\w.\[\]]*(?:, [A-Za-z_][\w.\[\]]*)*)(?P<sep>:| is) (?P<reason>.+)", re.S
)


def _split_message(message):
    """``"<field>: <reason>"`` (or ``"<field> is <reason>"``) -> (field, reason); (None, message) otherwise."""
    match = _FIELD_MESSAGE.fullmatch(message)
    if not match:
        return None, message
    return match["fields"], match["reason"] if match["sep"] == ":" else "is " + match["reason"]


def _module_error(entry, error):
    """(fields, reason) of what a module's check raised; fields [] when it names no option."""
    if isinstance(error, ValidationError):
        fields, reason = error.field, error.reason
    elif isinstance(error, PolicyError):
        fields, reason = error.field, f"{error.path} {error.message}" if error.path else error.message
    else:
        fields, reason = _split_message(str(error))
        if fields is None or not all(entry.has_option(field) for field in _split(fields)):
            return [], str(error)
    return _split(fields or ""), reason


def _request_problems(entry, params):
    """The module's own checks, run again after each problem with the refused value set aside."""
    problems = [entry.problem([field] if field else [], reason) for field, reason in common_option_problems(params)]
    for _round in range(MAX_ROUNDS):
        error = _module_check(entry, params)
        if error is None:
            break
        fields, reason = error
        # An option emptied by setting aside its refused elements (or replaced) is not a further problem of the caller,
        # nor is a problem that names no option once something was set aside.
        artefact = (not fields and entry.set_aside) or any(
            _segments(entry.canonical(field)) == [entry.option_of(field)] and entry.option_of(field) in entry.set_aside
            for field in fields
        )
        if not artefact:
            problems.append(entry.problem([entry.original(field) for field in fields], reason))
        changed = False
        for field in fields:  # every one of them is set aside
            changed = _set_aside(entry, params, field) or changed
        if not changed:
            break
    return problems


def _module_check(entry, params):
    """(fields, reason) of the first problem the module's own check finds, or None."""
    try:
        entry.target.validate(params)
    except (ValidationError, PolicyError, ValueError, TypeError) as error:
        return _module_error(entry, error)
    return None


def check_entry(entry):
    """Every problem of one entry: Ansible's validation first, then the module's own checks."""
    problems, params = _validate_arguments(entry)
    problems += _request_problems(entry, params)
    problems += [entry.problem([field], reason) for field, reason in entry.target.later(params, entry.check_mode)]
    return sorted(problems, key=lambda problem: problem.order)  # stable: a list's elements stay in their order


def check_tasks(tasks, known=(), check_mode=False):
    """Every problem of every entry (dicts with module, args, names, label) after the ``known`` ones, as strings.

    ``check_mode``: the later tasks run in check mode (what a module skips there is not required)."""
    problems, seen = [], set()
    found = [Problem(*_split_known(text)) for text in known]
    for task in tasks:
        found.extend(
            check_entry(Entry(task["module"], task.get("args"), task.get("names"), task.get("label"), check_mode))
        )
    for problem in found:
        if problem.key not in seen:
            seen.add(problem.key)
            problems.append(str(problem))
    return problems


def _split_known(text):
    label, _sep, reason = str(text).partition(": ")
    return (label, reason) if reason else ("input", label)


def failure_message(problems):
    return HEADLINE + "; ".join(problems)
