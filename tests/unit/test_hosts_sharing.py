"""Which of the play's hosts share settings, and which migrates a shared database."""

from ansible_collections.superlists_ops.django.plugins.filter.hosts_sharing import hosts_sharing
from ansible_collections.superlists_ops.django.plugins.filter.migrates_database import (
    migrates_database,
)

URL_A = "postgres://lists:p@10.0.0.21/lists"
URL_B = "postgres://lists:p@10.0.0.21/lists_staging"
HOSTS = [
    {"inventory_hostname": "app1", "django_app_database_server": "db1",
     "site_secrets": {"DATABASE_URL": URL_A}, "site_load_balancer": "lb"},
    {"inventory_hostname": "app2", "django_app_database_server": "db1",
     "site_secrets": {"DATABASE_URL": URL_A}, "site_load_balancer": "lb"},
    {"inventory_hostname": "staging1", "django_app_database_server": "db1",
     "site_secrets": {"DATABASE_URL": URL_B}},
    {"inventory_hostname": "sqlite1", "django_app_database_server": "", "site_secrets": {}},
]  # fmt: skip


def test_the_hosts_holding_every_value_in_play_order():
    assert hosts_sharing(HOSTS, {"site_load_balancer": "lb"}) == ["app1", "app2"]
    assert hosts_sharing(HOSTS, {"site_secrets.DATABASE_URL": URL_B}) == ["staging1"]


def test_a_host_that_does_not_set_a_variable_does_not_share_it():
    assert hosts_sharing(HOSTS, {"site_load_balancer": ""}) == []
    assert hosts_sharing(HOSTS, {"site_secrets.DATABASE_URL": ""}) == []


def test_the_first_app_server_on_each_database_migrates_it():
    def migrates(name):
        [variables] = [host for host in HOSTS if host["inventory_hostname"] == name]
        return migrates_database(
            HOSTS, name, variables["django_app_database_server"],
            variables["site_secrets"].get("DATABASE_URL", ""),
        )  # fmt: skip

    assert {name: migrates(name) for name in ["app1", "app2", "staging1", "sqlite1"]} == {
        "app1": True,
        "app2": False,
        "staging1": True,
        "sqlite1": True,
    }


def test_a_host_sharing_its_database_with_none_of_the_play_migrates_it():
    assert migrates_database(HOSTS, "app9", "db2", URL_A)
