"""The policy-document toolkit: loading, RAM grammar, semantic comparison, rendering, trust documents."""

import copy
import datetime
import json

import pytest

from ansible_collections.apsaramq.cross_account.plugins.module_utils import policy
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    PolicyError,
    add_trusted_principals,
    build_trust_document,
    documents_equal,
    load_document,
    normalize_document,
    remove_trusted_principals,
    render_document,
    trusted_principals,
    validate_document,
)

A, B, C = "1000000000000001", "2000000000000002", "3000000000000003"
INSTANCE = "acs:mq:*:*:MQ_INST_x"


def permission(*statements):
    return {"Version": "1", "Statement": list(statements)}


PUBLISH = {"Effect": "Allow", "Action": ["mq:PUB"], "Resource": [f"{INSTANCE}%orders"]}
QUERY = {"Effect": "Allow", "Action": "mq:QueryInstanceBaseInfo", "Resource": INSTANCE}
TRUST_B = {
    "Version": "1",
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [f"acs:ram::{B}:root"]}}],
}


# ------------------------------------------------------------------------------------------------------------- loading


def test_load_accepts_dict_json_and_yaml_alike():
    as_dict = permission(PUBLISH)
    as_json = json.dumps(as_dict, indent=4)
    as_yaml = "Version: '1'\nStatement:\n  - Effect: Allow\n    Action: [mq:PUB]\n    Resource:\n      - acs:mq:*:*:MQ_INST_x%orders\n"
    assert load_document(as_dict) == load_document(as_json) == load_document(as_yaml) == as_dict


def test_load_returns_a_copy_of_a_dict():
    original = permission(PUBLISH)
    loaded = load_document(original)
    loaded["Statement"][0]["Action"].append("mq:SUB")
    assert original["Statement"][0]["Action"] == ["mq:PUB"]


@pytest.mark.parametrize(
    "value, fragment",
    [
        (42, "must be a mapping, a JSON string or a YAML string, got int"),
        ("   ", "is empty"),
        ('{"Version": "1",', "is not valid JSON"),
        ("Version: [1", "is neither JSON nor valid YAML"),
        ("[1, 2]", "must be a mapping with Version and Statement, got a list"),
        ("just words", "must be a mapping with Version and Statement, got a string"),
    ],
)
def test_load_rejects_what_is_not_a_document_naming_the_field(value, fragment):
    with pytest.raises(PolicyError) as error:
        load_document(value, field="trust_policy")
    assert str(error.value).startswith("trust_policy: ")
    assert fragment in str(error.value)
    assert error.value.field == "trust_policy"


def test_load_without_pyyaml_still_reads_json_and_explains_the_json_error(monkeypatch):
    monkeypatch.setattr(policy, "_yaml", lambda: None)
    assert load_document(json.dumps(TRUST_B)) == TRUST_B
    with pytest.raises(PolicyError, match="is not valid JSON"):
        load_document("Version: '1'")


# ---------------------------------------------------------------------------------------------------------- validation


def test_valid_permission_and_trust_documents_pass():
    validate_document(permission(PUBLISH, QUERY))
    validate_document(permission({"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}))
    validate_document(
        permission(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "NotIpAddress": {"acs:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
                    "Bool": {"acs:SecureTransport": True},
                    "NumericLessThan": {"acs:MaxSessionDuration": 3600},
                    "DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"},
                    "StringLike": {"acs:ResourceTag/team": ["dev*"]},
                },
            }
        )
    )
    validate_document(TRUST_B, kind="trust")
    validate_document(
        {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {
                        "RAM": [B, f"acs:ram::{C}:user/carol", f"acs:ram::{C}:role/Ops.Admin"],
                        "Service": "ecs.aliyuncs.com",
                        "Federated": [f"acs:ram::{A}:saml-provider/corp-idp"],
                    },
                }
            ],
        },
        kind="trust",
    )


def _set(path, value):
    """A change to a deep copy of a valid document: set ``value`` at ``path`` (keys and list indexes)."""

    def change(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return doc

    return change


_DELETE = object()
BASE_PERMISSION = permission(dict(QUERY), dict(PUBLISH, Condition={"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}))

PERMISSION_FAULTS = [
    (_set(["Version"], _DELETE), "Version", "is required"),
    (_set(["Version"], 1), "Version", "must be '1' (a string), got 1"),
    (_set(["Version"], "2012-10-17"), "Version", "must be '1'"),
    (_set(["Id"], "x"), "Id", "is not a RAM policy element"),
    (_set(["Statement"], _DELETE), "Statement", "is required"),
    (_set(["Statement"], dict(QUERY)), "Statement", "got a single statement (wrap it in a list)"),
    (_set(["Statement"], []), "Statement", "must be a non-empty list of statements"),
    (_set(["Statement", 1], "Allow everything"), "Statement[1]", "must be a mapping, got a string"),
    (_set(["Statement", 1, "Effect"], "allow"), "Statement[1].Effect", "must be 'Allow' or 'Deny', got 'allow'"),
    (_set(["Statement", 0, "Effect"], _DELETE), "Statement[0].Effect", "must be 'Allow' or 'Deny', got None"),
    (_set(["Statement", 0, "Sid"], "publish"), "Statement[0].Sid", "is not a statement element of a permission policy"),
    (_set(["Statement", 0, "NotResource"], "*"), "Statement[0].NotResource", "is not a statement element"),
    (_set(["Statement", 0, "Action"], _DELETE), "Statement[0].Action", "is required"),
    (_set(["Statement", 0, "Action"], []), "Statement[0].Action", "must not be an empty list"),
    (
        _set(["Statement", 0, "Action"], {"mq": "PUB"}),
        "Statement[0].Action",
        "must be a non-empty string, got a mapping",
    ),
    (_set(["Statement", 1, "Action"], ["mq:SUB", 7]), "Statement[1].Action[1]", "must be a non-empty string, got int"),
    (
        _set(["Statement", 1, "Action"], ["mq:SUB", "PUB"]),
        "Statement[1].Action[1]",
        "must be '*' or '<product>:<action>'",
    ),
    (_set(["Statement", 1, "NotAction"], "mq:SUB"), "Statement[1].NotAction", "must not be combined with Action"),
    (_set(["Statement", 0, "Resource"], _DELETE), "Statement[0].Resource", "is required in a permission policy"),
    (
        _set(["Statement", 1, "Resource"], ["orders"]),
        "Statement[1].Resource[0]",
        "must be '*' or a resource name starting with 'acs:'",
    ),
    (_set(["Statement", 0, "Principal"], {"RAM": B}), "Statement[0].Principal", "is only allowed in a trust policy"),
    (_set(["Statement", 1, "Condition"], {}), "Statement[1].Condition", "must be a mapping of operators"),
    (
        _set(["Statement", 1, "Condition", "StringEqual"], {"k": "v"}),
        "Statement[1].Condition.StringEqual",
        "is not a RAM condition operator",
    ),
    (
        _set(["Statement", 1, "Condition", "IpAddress"], ["203.0.113.0/24"]),
        "Statement[1].Condition.IpAddress",
        "must be a mapping of condition keys to values",
    ),
    (
        _set(["Statement", 1, "Condition", "IpAddress", "acs:SourceIp"], ["203.0.113.0/24", "203.0.113.300"]),
        "Statement[1].Condition.IpAddress.acs:SourceIp[1]",
        "must be an IP address or CIDR block",
    ),
    (
        _set(["Statement", 1, "Condition", "IpAddress", "acs:SourceIp"], []),
        "Statement[1].Condition.IpAddress.acs:SourceIp",
        "must not be an empty list",
    ),
    (
        _set(["Statement", 1, "Condition", "Bool"], {"acs:MFAPresent": "yes"}),
        "Statement[1].Condition.Bool.acs:MFAPresent",
        "must be 'true' or 'false'",
    ),
    (
        _set(["Statement", 1, "Condition", "NumericLessThan"], {"acs:Age": "ten"}),
        "Statement[1].Condition.NumericLessThan.acs:Age",
        "must be a number",
    ),
    (
        _set(["Statement", 1, "Condition", "StringEquals"], {"acs:Tag": True}),
        "Statement[1].Condition.StringEquals.acs:Tag",
        "must be a string",
    ),
    (
        _set(["Statement", 1, "Condition", "DateLessThan"], {"acs:CurrentTime": datetime.datetime(2030, 1, 1)}),
        "Statement[1].Condition.DateLessThan.acs:CurrentTime",
        "quote dates in YAML",
    ),
]


@pytest.mark.parametrize(
    "change, path, fragment", PERMISSION_FAULTS, ids=[case[1] + ":" + case[2][:24] for case in PERMISSION_FAULTS]
)
def test_each_permission_grammar_fault_is_rejected_with_its_path(change, path, fragment):
    document = change(copy.deepcopy(BASE_PERMISSION))
    with pytest.raises(PolicyError) as error:
        validate_document(document, kind="permission", field="policy_document")
    assert error.value.path == path
    assert str(error.value).startswith(f"policy_document: {path} ")
    assert fragment in error.value.message


TRUST_FAULTS = [
    (_set(["Statement", 0, "Principal"], _DELETE), "Statement[0].Principal", "is required in a trust policy"),
    (
        _set(["Statement", 0, "Principal"], {}),
        "Statement[0].Principal",
        "must be a mapping of RAM, Service or Federated",
    ),
    (_set(["Statement", 0, "Resource"], "*"), "Statement[0].Resource", "is not allowed in a trust policy"),
    (
        _set(["Statement", 0, "NotAction"], "sts:AssumeRole"),
        "Statement[0].NotAction",
        "is not allowed in a trust policy",
    ),
    (_set(["Statement", 0, "Principal", "AWS"], "*"), "Statement[0].Principal.AWS", "is not a principal type"),
    (
        _set(["Statement", 0, "Principal", "RAM"], [f"acs:ram::{B}:root", "acs:ram::123:root"]),
        "Statement[0].Principal.RAM[1]",
        "must be an account UID or acs:ram::<uid>:root",
    ),
    (
        _set(["Statement", 0, "Principal", "Service"], "ecs aliyuncs com"),
        "Statement[0].Principal.Service",
        "must be a service name",
    ),
    (
        _set(["Statement", 0, "Principal", "Federated"], [f"acs:ram::{A}:user/bob"]),
        "Statement[0].Principal.Federated[0]",
        "saml-provider",
    ),
    # Wildcard principals would admit identities nobody named: refused, naming the field (issue 10).
    (
        _set(["Statement", 0, "Principal", "RAM"], "*"),
        "Statement[0].Principal.RAM",
        "wildcards (* and ?) are not accepted",
    ),
    (
        _set(["Statement", 0, "Principal", "RAM"], [f"acs:ram::{B}:root", "acs:ram::*:user/*"]),
        "Statement[0].Principal.RAM[1]",
        "wildcards (* and ?) are not accepted",
    ),
    (
        _set(["Statement", 0, "Principal", "RAM"], [f"acs:ram::{B}:user/*"]),
        "Statement[0].Principal.RAM[0]",
        "wildcards (* and ?) are not accepted",
    ),
    (
        _set(["Statement", 0, "Principal", "RAM"], [f"acs:ram::{B}:role/ops-?"]),
        "Statement[0].Principal.RAM[0]",
        "wildcards (* and ?) are not accepted",
    ),
    (
        _set(["Statement", 0, "Principal", "Federated"], [f"acs:ram::{B}:saml-provider/*"]),
        "Statement[0].Principal.Federated[0]",
        "wildcards (* and ?) are not accepted",
    ),
]


@pytest.mark.parametrize("change, path, fragment", TRUST_FAULTS, ids=[case[1] for case in TRUST_FAULTS])
def test_each_trust_grammar_fault_is_rejected_with_its_path(change, path, fragment):
    document = change(copy.deepcopy(TRUST_B))
    with pytest.raises(PolicyError) as error:
        validate_document(document, kind="trust", field="trust_policy")
    assert error.value.path == path
    assert error.value.field == "trust_policy"
    assert str(error.value).startswith(f"trust_policy: {path} ")
    assert fragment in error.value.message


def test_permission_and_trust_policies_are_not_interchangeable():
    with pytest.raises(PolicyError, match=r"Statement\[0\].Resource is not allowed in a trust policy"):
        validate_document(permission(PUBLISH), kind="trust")
    with pytest.raises(PolicyError, match=r"Statement\[0\].Principal is only allowed in a trust policy"):
        validate_document(TRUST_B, kind="permission")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="kind must be"):
        validate_document(TRUST_B, kind="bucket")


def test_a_session_policy_has_the_grammar_of_a_permission_policy():
    validate_document(permission(PUBLISH), kind="session")
    with pytest.raises(PolicyError, match=r"Statement\[0\].Principal is only allowed in a trust policy"):
        validate_document(TRUST_B, kind="session")


def _with_padding(kind, pad):
    if kind in ("permission", "session"):
        return permission({"Effect": "Allow", "Action": "mq:PUB", "Resource": INSTANCE + "x" * pad})
    return build_trust_document(ram_arns=[f"acs:ram::{B}:user/u" + "x" * pad])


def _padded(limit, kind):
    """A valid document whose compact JSON is exactly ``limit`` characters long."""
    return _with_padding(kind, limit - len(render_document(_with_padding(kind, 0))))


# permission: RAM's documented 6,144; session: AssumeRole's documented 2,048 (not the 6,144 of a permission policy);
# trust: 2,048, the limit the collection and its emulator assume (the RAM reference gives none; was 4,096 here).
@pytest.mark.parametrize(
    "kind, limit, service", [("permission", 6144, "RAM"), ("trust", 2048, "RAM"), ("session", 2048, "STS")]
)
def test_size_limit_counts_the_compact_json(kind, limit, service):
    at_limit = _padded(limit, kind)
    assert len(render_document(at_limit)) == limit
    validate_document(at_limit, kind=kind)
    too_long = _padded(limit + 1, kind)
    with pytest.raises(PolicyError) as error:
        validate_document(too_long, kind=kind)
    assert (
        str(error.value)
        == f"policy_document: is {limit + 1} characters as compact JSON; {service} allows at most {limit} for a {kind} policy"
    )


def test_size_is_measured_without_the_users_whitespace():
    pretty = json.dumps(_padded(6144, "permission"), indent=8)
    assert len(pretty) > 6144
    validate_document(load_document(pretty))


# ------------------------------------------------------------------------------------------------- comparison, rendering

EQUAL_PAIRS = {
    "string vs one-item list": (
        permission(dict(PUBLISH, Action="mq:PUB", Resource=f"{INSTANCE}%orders")),
        permission(PUBLISH),
    ),
    "statement order": (permission(PUBLISH, QUERY), permission(QUERY, PUBLISH)),
    "list item order": (
        permission(dict(PUBLISH, Action=["mq:PUB", "mq:SUB"])),
        permission(dict(PUBLISH, Action=["mq:SUB", "mq:PUB"])),
    ),
    "duplicates": (permission(PUBLISH, PUBLISH), permission(dict(PUBLISH, Action=["mq:PUB", "mq:PUB"]))),
    "key order": (
        permission({"Resource": INSTANCE, "Action": "mq:QueryInstanceBaseInfo", "Effect": "Allow"}),
        permission(QUERY),
    ),
    "whitespace": (
        '{ "Version" : "1",\n  "Statement" : [ {"Effect": "Allow", "Action": "mq:PUB",\n\t"Resource": "acs:mq:*:*:MQ_INST_x%orders"} ] }',
        permission(PUBLISH),
    ),
    "json vs yaml": (
        "Version: '1'\nStatement: [{Effect: Allow, Action: mq:PUB, Resource: 'acs:mq:*:*:MQ_INST_x%orders'}]",
        permission(PUBLISH),
    ),
    "action case": (permission(dict(PUBLISH, Action="MQ:pub")), permission(PUBLISH)),
    "root principal spellings": (
        {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": B}}]},
        TRUST_B,
    ),
    "role name case in a role principal": (
        build_trust_document(ram_arns=[f"acs:ram::{B}:role/OpsAdmin"]),
        build_trust_document(ram_arns=[f"acs:ram::{B}:role/opsadmin"]),
    ),
    "service name case": (
        build_trust_document(services=["ECS.aliyuncs.com"]),
        build_trust_document(services=["ecs.aliyuncs.com"]),
    ),
    "boolean spelling": (
        build_trust_document(accounts=[B], mfa_required=True),
        load_document(render_document(build_trust_document(accounts=[B], mfa_required=True)).replace('"true"', "true")),
    ),
    "ip address as a /32": (
        permission(dict(QUERY, Condition={"IpAddress": {"acs:SourceIp": "203.0.113.7"}})),
        permission(dict(QUERY, Condition={"IpAddress": {"acs:SourceIp": ["203.0.113.7/32"]}})),
    ),
}


@pytest.mark.parametrize("left, right", EQUAL_PAIRS.values(), ids=EQUAL_PAIRS.keys())
def test_semantically_equal_documents_compare_equal(left, right):
    assert documents_equal(left, right)
    assert documents_equal(right, left)
    assert normalize_document(left) == normalize_document(right)
    assert hash(normalize_document(left)) == hash(normalize_document(right))


DIFFERENT_PAIRS = {
    "Deny vs Allow": (permission(dict(PUBLISH, Effect="Deny")), permission(PUBLISH)),
    "added Condition": (
        permission(dict(PUBLISH, Condition={"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}})),
        permission(PUBLISH),
    ),
    "changed Resource": (permission(dict(PUBLISH, Resource=f"{INSTANCE}%payments")), permission(PUBLISH)),
    "Resource case": (permission(dict(PUBLISH, Resource=f"{INSTANCE}%Orders")), permission(PUBLISH)),
    "extra action": (permission(dict(PUBLISH, Action=["mq:PUB", "mq:SUB"])), permission(PUBLISH)),
    "NotAction vs Action": (
        permission({"Effect": "Allow", "NotAction": "mq:PUB", "Resource": "*"}),
        permission({"Effect": "Allow", "Action": "mq:PUB", "Resource": "*"}),
    ),
    "ExternalId value": (
        build_trust_document(accounts=[B], external_id="ext-1"),
        build_trust_document(accounts=[B], external_id="ext-2"),
    ),
    "ExternalId case": (
        build_trust_document(accounts=[B], external_id="ext-a"),
        build_trust_document(accounts=[B], external_id="EXT-A"),
    ),
    "another trusted account": (build_trust_document(accounts=[B, C]), build_trust_document(accounts=[B])),
    "user vs its account": (
        build_trust_document(ram_arns=[f"acs:ram::{B}:user/alice"]),
        build_trust_document(accounts=[B]),
    ),
    "one statement missing": (permission(PUBLISH, QUERY), permission(PUBLISH)),
}


@pytest.mark.parametrize("left, right", DIFFERENT_PAIRS.values(), ids=DIFFERENT_PAIRS.keys())
def test_documents_that_grant_differently_compare_different(left, right):
    assert not documents_equal(left, right)
    assert not documents_equal(right, left)


def test_none_equals_only_none():
    assert documents_equal(None, None)
    assert not documents_equal(None, TRUST_B)
    assert not documents_equal(TRUST_B, None)


def test_comparing_and_rendering_never_touch_the_inputs():
    a = permission(dict(PUBLISH, Action=["MQ:SUB", "mq:PUB"]), QUERY)
    b = {"Statement": [QUERY, dict(PUBLISH, Action=["mq:pub", "mq:sub"])], "Version": "1"}
    snapshot = copy.deepcopy((a, b))
    assert documents_equal(a, b)
    render_document(a)
    normalize_document(b)
    assert (a, b) == snapshot
    assert list(a) == ["Version", "Statement"] and a["Statement"][0]["Action"] == ["MQ:SUB", "mq:PUB"]


def test_render_is_canonical_compact_json():
    rendered = render_document(
        {"Version": "1", "Statement": [{"Resource": "*", "Effect": "Allow", "Action": "mq:PUB"}]}
    )
    assert rendered == '{"Statement":[{"Action":"mq:PUB","Effect":"Allow","Resource":"*"}],"Version":"1"}'
    assert render_document(json.dumps(json.loads(rendered), indent=2)) == rendered
    assert (
        render_document(permission(dict(QUERY, Condition={"StringEquals": {"acs:ResourceTag/owner": "Zoë"}}))).count(
            "Zoë"
        )
        == 1
    )


# ------------------------------------------------------------------------------------------------------ trust documents


def _statement(kind, names, condition=None):
    statement = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {kind: names}}
    if condition:
        statement["Condition"] = condition
    return statement


BUILT = {
    "accounts": (dict(accounts=[C, B, B]), [_statement("RAM", [f"acs:ram::{B}:root", f"acs:ram::{C}:root"])]),
    "unquoted YAML uid": (dict(accounts=[int(B)]), [_statement("RAM", [f"acs:ram::{B}:root"])]),
    "ram user and role ARNs": (
        dict(ram_arns=[f"acs:ram::{B}:user/alice", f"acs:ram::{C}:role/ops"]),
        [_statement("RAM", [f"acs:ram::{B}:user/alice", f"acs:ram::{C}:role/ops"])],
    ),
    "services": (
        dict(services=["fc.aliyuncs.com", "ecs.aliyuncs.com"]),
        [_statement("Service", ["ecs.aliyuncs.com", "fc.aliyuncs.com"])],
    ),
    "federated": (
        dict(federated=[f"acs:ram::{A}:saml-provider/corp"]),
        [_statement("Federated", [f"acs:ram::{A}:saml-provider/corp"])],
    ),
    "external_id": (
        dict(accounts=[B], external_id="partner-b-7f3a"),
        [_statement("RAM", [f"acs:ram::{B}:root"], {"StringEquals": {"sts:ExternalId": "partner-b-7f3a"}})],
    ),
    "source_ips": (
        dict(accounts=[B], source_ips=["203.0.113.0/24", "198.51.100.7"]),
        [
            _statement(
                "RAM", [f"acs:ram::{B}:root"], {"IpAddress": {"acs:SourceIp": ["198.51.100.7", "203.0.113.0/24"]}}
            )
        ],
    ),
    "mfa_required": (
        dict(accounts=[B], mfa_required=True),
        [_statement("RAM", [f"acs:ram::{B}:root"], {"Bool": {"acs:MFAPresent": "true"}})],
    ),
    "services do not carry the RAM conditions": (
        dict(
            accounts=[B],
            services=["ecs.aliyuncs.com"],
            external_id="partner-b-7f3a",
            source_ips=["203.0.113.0/24"],
            mfa_required=True,
        ),
        [
            _statement(
                "RAM",
                [f"acs:ram::{B}:root"],
                {
                    "StringEquals": {"sts:ExternalId": "partner-b-7f3a"},
                    "IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]},
                    "Bool": {"acs:MFAPresent": "true"},
                },
            ),
            _statement("Service", ["ecs.aliyuncs.com"]),
        ],
    ),
}


@pytest.mark.parametrize("friendly, statements", BUILT.values(), ids=BUILT.keys())
def test_trust_documents_are_built_from_friendly_input(friendly, statements):
    document = build_trust_document(**friendly)
    assert document == {"Version": "1", "Statement": statements}
    validate_document(document, kind="trust")


BUILD_FAULTS = [
    (dict(accounts=[B, "12345"]), "accounts[1]", "must be an Alibaba Cloud account UID of exactly 16 digits"),
    (dict(ram_arns=[f"acs:ram::{B}:group/dev"]), "ram_arns[0]", "must be an account UID or acs:ram::<uid>:root"),
    (
        dict(ram_arns=[f"acs:ram::{B}:user/alice", f"acs:ram::{B}:user/*"]),
        "ram_arns[1]",
        "wildcards (* and ?) are not accepted",
    ),
    (dict(ram_arns=["*"]), "ram_arns[0]", "wildcards (* and ?) are not accepted"),
    (dict(services=["ecs"]), "services[0]", "must be a service name"),
    (dict(federated=[f"acs:ram::{B}:root"]), "federated[0]", "saml-provider"),
    (dict(accounts=[B], external_id="x"), "external_id", "must be 2 to 1224 characters long"),
    (dict(accounts=[B], external_id="has space"), "external_id", "may contain only"),
    (
        dict(accounts=[B], source_ips=["203.0.113.0/24", "office"]),
        "source_ips[1]",
        "must be an IP address or CIDR block",
    ),
    (dict(services=["ecs.aliyuncs.com"], external_id="partner-b"), "", "apply to trusted accounts and RAM ARNs"),
    (dict(), "", "needs at least one trusted account"),
]


@pytest.mark.parametrize(
    "friendly, path, fragment", BUILD_FAULTS, ids=[case[1] or case[2][:20] for case in BUILD_FAULTS]
)
def test_bad_friendly_input_is_rejected_naming_the_argument(friendly, path, fragment):
    with pytest.raises(PolicyError) as error:
        build_trust_document(field="trust", **friendly)
    assert error.value.path == path
    assert str(error.value).startswith(f"trust: {path}".rstrip() + " ")
    assert fragment in error.value.message


MIXED_TRUST = {
    "Version": "1",
    "Statement": [
        _statement(
            "RAM", [B, f"acs:ram::{C}:root", f"acs:ram::{A}:user/alice"], {"StringEquals": {"sts:ExternalId": "ext-1"}}
        ),
        _statement("Service", "ecs.aliyuncs.com"),
        _statement("Federated", [f"acs:ram::{A}:saml-provider/corp"]),
        {"Action": "sts:AssumeRole", "Effect": "Deny", "Principal": {"RAM": [f"acs:ram::{A}:root"]}},
        {"Action": "sts:GetCallerIdentity", "Effect": "Allow", "Principal": {"RAM": [f"acs:ram::{A}:user/bob"]}},
    ],
}


def test_trusted_principals_reports_accounts_in_either_spelling_and_only_allowed_assume_role():
    assert trusted_principals(MIXED_TRUST) == {
        "accounts": [B, C],
        "ram_arns": [f"acs:ram::{A}:user/alice"],
        "services": ["ecs.aliyuncs.com"],
        "federated": [f"acs:ram::{A}:saml-provider/corp"],
    }
    assert trusted_principals(json.dumps(TRUST_B))["accounts"] == [B]


def test_adding_an_account_keeps_the_others_and_binds_it_to_the_existing_conditions():
    before = copy.deepcopy(MIXED_TRUST)
    after = add_trusted_principals(MIXED_TRUST, accounts=[A])
    assert MIXED_TRUST == before
    assert after["Statement"][0] == _statement(
        "RAM",
        [B, f"acs:ram::{C}:root", f"acs:ram::{A}:user/alice", f"acs:ram::{A}:root"],
        {"StringEquals": {"sts:ExternalId": "ext-1"}},
    )
    assert after["Statement"][1:] == MIXED_TRUST["Statement"][1:]
    assert trusted_principals(after)["accounts"] == [A, B, C]


def test_adding_what_is_already_trusted_in_another_spelling_changes_nothing():
    after = add_trusted_principals(
        MIXED_TRUST, accounts=[C], ram_arns=[f"acs:ram::{B}:root"], services=["ECS.aliyuncs.com"]
    )
    assert after == MIXED_TRUST


def test_adding_a_principal_type_without_a_grant_appends_a_statement_and_lists_a_string_principal():
    after = add_trusted_principals(build_trust_document(services=["ecs.aliyuncs.com"]), accounts=[B])
    assert after["Statement"][-1] == _statement("RAM", [f"acs:ram::{B}:root"])
    after = add_trusted_principals(MIXED_TRUST, services=["fc.aliyuncs.com"])
    assert after["Statement"][1]["Principal"] == {"Service": ["ecs.aliyuncs.com", "fc.aliyuncs.com"]}
    validate_document(after, kind="trust")


def test_removing_an_account_keeps_the_others_and_the_conditions():
    before = copy.deepcopy(MIXED_TRUST)
    after = remove_trusted_principals(MIXED_TRUST, accounts=[B])
    assert MIXED_TRUST == before
    assert after["Statement"][0] == _statement(
        "RAM", [f"acs:ram::{C}:root", f"acs:ram::{A}:user/alice"], {"StringEquals": {"sts:ExternalId": "ext-1"}}
    )
    assert after["Statement"][1:] == MIXED_TRUST["Statement"][1:]


def test_removing_every_principal_of_a_grant_drops_the_grant_only():
    after = remove_trusted_principals(
        MIXED_TRUST, accounts=[B, C], ram_arns=[f"acs:ram::{A}:user/alice"], services=["ECS.aliyuncs.com"]
    )
    assert after["Statement"] == MIXED_TRUST["Statement"][2:]
    assert trusted_principals(after) == {
        "accounts": [],
        "ram_arns": [],
        "services": [],
        "federated": [f"acs:ram::{A}:saml-provider/corp"],
    }


def test_removing_an_account_leaves_its_users_and_a_role_is_matched_in_any_case():
    document = build_trust_document(accounts=[B], ram_arns=[f"acs:ram::{B}:user/alice", f"acs:ram::{C}:role/OpsAdmin"])
    after = remove_trusted_principals(document, accounts=[B], ram_arns=[f"acs:ram::{C}:role/opsadmin"])
    assert trusted_principals(after) == {
        "accounts": [],
        "ram_arns": [f"acs:ram::{B}:user/alice"],
        "services": [],
        "federated": [],
    }


def test_editing_rejects_bad_principals_with_their_argument():
    with pytest.raises(PolicyError, match=r"^trust_policy: accounts\[0\] must be an Alibaba Cloud account UID"):
        add_trusted_principals(TRUST_B, accounts=["acs:ram::2000000000000002:root"])
    with pytest.raises(PolicyError, match=r"^role_trust: ram_arns\[0\] must be"):
        remove_trusted_principals(TRUST_B, ram_arns=["alice"], field="role_trust")
