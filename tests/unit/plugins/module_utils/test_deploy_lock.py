"""A site's deploy lock: taken once with its holder, released only by it, taken over only
from a holder found dead."""

import os

from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
)
from scratch_site import (
    holder,
)


def test_lock_is_taken_once_with_its_holder_and_says_by_whom(site):
    lock = str(site / "deploy.lock")

    first = deploy_lock.take(lock, holder("alice"))
    second = deploy_lock.take(lock, holder("bob", since="10:01"))

    assert first["acquired"] and not second["acquired"]
    assert second["holder"] == holder("alice")
    # Made in one step: no moment when the lock is there without its holder.
    assert os.listdir(lock) == ["holder.json"]
    assert not [name for name in os.listdir(site) if name.startswith(".deploy.lock.")]


def test_lock_is_released_only_by_its_holder(site):
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, holder("alice"))

    assert deploy_lock.release(lock, "token-of-bob").startswith("alice@laptop")
    assert os.path.isdir(lock)
    deploy_lock.release(lock, "token-of-alice")
    assert not os.path.exists(lock)


def test_lock_is_taken_over_only_from_the_holder_found_dead(site):
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, holder("alice"))

    stale = deploy_lock.take(lock, holder("carol"), take_over="token-of-someone-else")
    taken = deploy_lock.take(lock, holder("bob"), take_over="token-of-alice")

    assert not stale["acquired"]
    assert taken["acquired"] and taken["replaced"].startswith("alice@laptop")
    assert deploy_lock.read(lock)["token"] == "token-of-bob"


def test_a_lock_with_no_holder_is_taken_and_a_broken_one_names_its_holder(site):
    lock = site / "deploy.lock"
    lock.mkdir()  # what a crash between mkdir and writing the holder left, before

    empty = deploy_lock.take(str(lock), holder("alice"))
    broken = deploy_lock.take(str(lock), holder("bob"), break_lock=True)

    assert empty["acquired"] and empty["replaced"].startswith("nobody")
    assert broken["acquired"] and broken["replaced"].startswith("alice@laptop")
