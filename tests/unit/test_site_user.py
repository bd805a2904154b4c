"""Each site runs as its own user, named from the site (audit point 8)."""

import re

from ansible_collections.superlists_ops.django.plugins.filter.site_user_name import (
    site_user_name,
)

USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")


def test_a_sites_user_is_its_name_with_dots_made_underscores():
    assert site_user_name("superlists.localhost") == "superlists_localhost"
    assert site_user_name("staging.superlists.localhost") == "staging_superlists_localhost"


def test_two_sites_get_two_users():
    assert site_user_name("superlists.localhost") != site_user_name("staging.superlists.localhost")


def test_a_name_starting_with_a_digit_gets_a_leading_underscore():
    assert site_user_name("1st.example.com") == "_1st_example_com"


def test_a_long_name_is_cut_and_keeps_a_hash_of_the_whole_so_two_stay_apart():
    first = site_user_name("staging.a-rather-long-project-name.example.com")
    second = site_user_name("live.a-rather-long-project-name.example.com")
    longer = site_user_name("staging.a-rather-long-project-name.example.org")

    assert len({first, second, longer}) == 3
    assert all(len(name) == 32 and USER_NAME.fullmatch(name) for name in (first, second, longer))
    assert first.startswith("staging_a-rather-long-p-")


def test_every_name_is_a_user_name():
    for site in ("a", "x.y", "0", "a" * 64, "xn--bcher-kva.example"):
        assert USER_NAME.fullmatch(site_user_name(site)), site
