"""The batches of a roll behind a load balancer: the django_app role's arithmetic."""

import pytest
from ansible_collections.superlists_ops.django.plugins.filter.roll_plan import (
    batch_size,
    roll_plan,
)
from ansible_collections.superlists_ops.django.plugins.filter.stopped_batch import stopped_batch

APP_SERVERS = ["app1", "app2", "app3", "app4"]


@pytest.mark.parametrize(
    ("serial", "count", "size"),
    [
        (1, 4, 1),
        ("2", 4, 2),
        ("50%", 4, 2),
        ("50%", 5, 2),  # rounded down, as Ansible's serial
        ("10%", 4, 1),  # at least one
        ("100%", 4, 4),
        # Refused by the role's checks (batch_size): a batch of one meanwhile.
        (0, 4, 1),
        ("many", 4, 1),
        ("many%", 4, 1),
    ],
)
def test_a_batch_holds_serial_app_servers_or_that_share_of_them(serial, count, size):
    assert batch_size(serial, count) == size


@pytest.mark.parametrize(
    ("host", "batches"),
    [
        ("app1", [["app1", "app2"]]),
        ("app2", [["app1", "app2"]]),
        ("app3", [["app1", "app2"], ["app3", "app4"]]),
        ("app4", [["app1", "app2"], ["app3", "app4"]]),
    ],
)
def test_each_app_server_goes_through_every_batch_up_to_its_own(host, batches):
    plan = roll_plan(APP_SERVERS, "50%", host, "lb")

    assert plan == {"rolls": True, "batch_size": 2, "batch_count": 2, "batches": batches}


def test_an_odd_count_leaves_a_smaller_last_batch():
    plan = roll_plan(["app1", "app2", "app3"], 2, "app3", "lb")

    assert plan["batches"] == [["app1", "app2"], ["app3"]]
    assert plan["batch_count"] == 2


@pytest.mark.parametrize(
    ("peers", "serial", "load_balancer"),
    [
        (APP_SERVERS, 1, ""),  # no load balancer: the play's sites at once
        (APP_SERVERS, 4, "lb"),  # a batch holds them all
        (APP_SERVERS, "100%", "lb"),
        (["app1"], 1, "lb"),
        ([], 1, ""),  # the host's load balancer is not in the inventory
    ],
)
def test_sites_that_do_not_roll_switch_at_once_in_one_batch(peers, serial, load_balancer):
    assert roll_plan(peers, serial, "app1", load_balancer) == {
        "rolls": False,
        "batch_size": batch_size(serial, len(peers)),
        "batch_count": 1,
        "batches": [[]],
    }


@pytest.mark.parametrize(
    ("not_serving", "batch"),
    [
        (["app1"], 1),
        (["app2"], 1),
        (["app3"], 2),
        (["app4", "app3"], 2),
        (["app4", "app1"], 1),
        ([], 0),
    ],
)
def test_a_roll_stopped_at_the_first_batch_with_an_app_server_that_did_not_serve(
    not_serving, batch
):
    assert stopped_batch(APP_SERVERS, 2, not_serving) == batch
