"""What the django_app role concludes from the play's hosts' registered results:
whether every site serves, which did not, whether a roll stopped."""

from ansible_collections.superlists_ops.django.plugins.filter.group_serves import group_serves
from ansible_collections.superlists_ops.django.plugins.filter.not_healthy import not_healthy
from ansible_collections.superlists_ops.django.plugins.filter.roll_stopped import roll_stopped

CHANGES = {"changes_needed": True}
NO_CHANGES = {"changes_needed": False}
SERVED = {"health": "200 from abc", "healthy": True}
NOT_SERVED = {"health": "502", "healthy": False}
SKIPPED = {"skipped": True, "changed": False}


def host(name, state=None, switched=None, restarted=None):
    variables = {"inventory_hostname": name}
    for key, value in [
        ("__django_app_state", state),
        ("__django_app_switched", switched),
        ("__django_app_restarted", restarted),
    ]:
        if value is not None:
            variables[key] = value
    return variables


def test_the_group_serves_when_every_switch_served():
    assert group_serves([host("a", CHANGES, SERVED), host("b", CHANGES, SERVED)])


def test_a_site_with_nothing_to_change_needs_no_switch():
    assert group_serves([host("a", CHANGES, SERVED), host("b", NO_CHANGES)])
    assert group_serves([host("a", NO_CHANGES, SKIPPED)])


def test_the_group_does_not_serve_when_a_switch_did_not():
    assert not group_serves([host("a", CHANGES, SERVED), host("b", CHANGES, NOT_SERVED)])


def test_the_group_does_not_serve_when_a_site_never_read_its_state():
    assert not group_serves([host("a", CHANGES, SERVED), host("b")])


def test_the_group_does_not_serve_when_a_site_to_change_did_not_switch():
    # A later batch the roll stopped before: its switch skipped.
    assert not group_serves([host("a", CHANGES, SERVED), host("b", CHANGES, SKIPPED)])
    assert not group_serves([host("a", CHANGES, SERVED), host("b", CHANGES)])


def test_not_healthy_names_the_hosts_whose_check_failed_only():
    hosts = [
        host("a", CHANGES, SERVED),
        host("b", CHANGES, NOT_SERVED),
        host("c", CHANGES, SKIPPED),
        host("d", CHANGES),
        host("e", CHANGES, restarted=NOT_SERVED),
    ]

    assert not_healthy(hosts, "__django_app_switched") == ["b"]
    assert not_healthy(hosts, "__django_app_restarted") == ["e"]


def test_a_roll_stops_before_a_batch_after_one_that_did_not_serve():
    hosts = [host("app1", CHANGES, NOT_SERVED), host("app2", CHANGES, SERVED), host("app3")]

    assert roll_stopped(hosts, ["app3"])
    # The failing app server's own batch goes on (its others are put back).
    assert not roll_stopped(hosts, ["app1", "app2"])


def test_a_rolling_restart_stops_after_an_app_server_that_did_not_answer():
    hosts = [host("app1", restarted=NOT_SERVED), host("app2")]

    assert roll_stopped(hosts, ["app2"])
    assert not roll_stopped([host("app1", restarted=SERVED), host("app2")], ["app2"])
