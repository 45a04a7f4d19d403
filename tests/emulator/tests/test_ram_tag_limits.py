"""RAM tags over HTTP through the official SDK: the limits TagResources, UntagResources and the creates enforce
(20 tags per resource and per request, keys of 1-128 characters, values of at most 256, no reserved prefix and no URL
scheme), and that a refused call changes nothing. ``cloud`` comes from conftest.py."""

import pytest
from alibabacloud_ram20150501 import models as ram_models
from test_ram_sdk import TRUST_B, api_error, client, create_role


def tag(key, value=""):
    return ram_models.TagResourcesRequestTag(key=key, value=value)


def tag_role(ram, name, tags):
    return ram.tag_resources(ram_models.TagResourcesRequest(resource_type="role", resource_names=[name], tag=tags))


def role_tags(ram, name):
    rows = ram.list_tag_resources(
        ram_models.ListTagResourcesRequest(resource_type="role", resource_names=[name])
    ).body.tag_resources
    return {row.tag_key: row.tag_value for row in rows}


@pytest.mark.parametrize(
    "key, value, code",
    [
        ("a" * 129, "v", "InvalidParameter.Tag.Key"),
        ("", "v", "InvalidParameter.Tag.Key"),
        ("acs:owner", "v", "InvalidParameter.Tag.Key"),
        ("Aliyun-team", "v", "InvalidParameter.Tag.Key"),
        ("see-https://x", "v", "InvalidParameter.Tag.Key"),
        ("team", "v" * 257, "InvalidParameter.Tag.Value"),
        ("team", "acs:ram::1:root", "InvalidParameter.Tag.Value"),
        ("team", "http://example.com", "InvalidParameter.Tag.Value"),
    ],
    ids=["key-129", "key-empty", "key-acs", "key-aliyun", "key-url", "value-257", "value-acs", "value-url"],
)
def test_a_tag_outside_the_limits_is_refused_and_nothing_changes(cloud, key, value, code):
    ram = client(cloud)
    create_role(ram, "Tagged", tag=[ram_models.CreateRoleRequestTag(key="team", value="mq")])
    assert api_error(tag_role, ram, "Tagged", [tag("env", "prod"), tag(key, value)]).code == code
    assert role_tags(ram, "Tagged") == {"team": "mq"}, "a refused TagResources adds none of its tags"


def test_the_longest_key_and_value_are_accepted(cloud):
    ram = client(cloud)
    create_role(ram, "Tagged")
    tag_role(ram, "Tagged", [tag("k" * 128, "v" * 256), tag("empty")])
    assert role_tags(ram, "Tagged") == {"k" * 128: "v" * 256, "empty": ""}


def test_twenty_tags_per_resource_counting_those_it_has(cloud):
    ram = client(cloud)
    create_role(ram, "Tagged", tag=[ram_models.CreateRoleRequestTag(key=f"k{index}", value="v") for index in range(19)])
    tag_role(
        ram, "Tagged", [tag("k0", "changed"), tag("k19", "v")]
    )  # a new value for a key it has does not count twice
    assert len(role_tags(ram, "Tagged")) == 20
    assert api_error(tag_role, ram, "Tagged", [tag("k20", "v")]).code == "LimitExceeded.Tag"
    too_many = [ram_models.CreateRoleRequestTag(key=f"k{index}", value="v") for index in range(21)]
    error = api_error(
        ram.create_role,
        ram_models.CreateRoleRequest(role_name="Crowded", assume_role_policy_document=TRUST_B, tag=too_many),
    )
    assert error.code == "InvalidParameter.Tag"
    assert ram.list_roles(ram_models.ListRolesRequest()).body.roles.role[0].role_name == "Tagged", (
        "the refused create made no role"
    )


def test_untag_needs_keys_or_all_and_takes_at_most_twenty_keys(cloud):
    ram = client(cloud)
    create_role(ram, "Tagged", tag=[ram_models.CreateRoleRequestTag(key="team", value="mq")])
    untag = ram_models.UntagResourcesRequest(resource_type="role", resource_names=["Tagged"])
    assert api_error(ram.untag_resources, untag).code == "MissingParameter.TagKeys"
    untag.tag_keys = [f"k{index}" for index in range(21)]
    assert api_error(ram.untag_resources, untag).code == "InvalidParameter.TagKeys"
    assert role_tags(ram, "Tagged") == {"team": "mq"}
    untag.tag_keys = ["team", "absent"]  # a key the resource does not have is no error
    ram.untag_resources(untag)
    assert role_tags(ram, "Tagged") == {}
