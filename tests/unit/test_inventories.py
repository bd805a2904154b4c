"""Each inventory reads its own group_vars, ansible-vault-encrypted ones included."""

import shutil
import subprocess

from testbed import PROJECT

INVENTORIES = PROJECT / "inventories"


def variable(inventory, host, name, *options):
    """A variable of an inventory's host, rendered by Ansible (debug runs on this
    machine: the host is never contacted)."""
    run = subprocess.run(
        [
            "ansible",
            "-i",
            str(inventory),
            host,
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={{{{ {name} }}}}",
            *options,
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.split('"msg": ', 1)[1].split("\n", 1)[0].strip('"')


def test_each_inventory_reads_its_own_environments_group_vars():
    for inventory, staging, live in [
        ("testbed", "staging.superlists.localhost", "superlists.localhost"),
        ("testbed-scale", "staging.superlists.localhost", "app1.scale.superlists.localhost"),
        ("production", "superlists-staging.ottg.eu", "superlists.ottg.eu"),
    ]:
        assert variable(INVENTORIES / inventory, staging, "site_environment") == "staging"
        assert variable(INVENTORIES / inventory, live, "site_environment") == "live"


def test_an_inventory_holds_its_own_vault_encrypted_secrets(tmp_path):
    production = tmp_path / "production"
    shutil.copytree(INVENTORIES / "production", production)
    password = tmp_path / "vault-password"
    password.write_text("a test password\n")
    vault = production / "group_vars" / "live" / "vault.yml"
    vault.write_text("vault_django_app_secret_key: a-key-from-the-vault\n")
    subprocess.run(
        ["ansible-vault", "encrypt", "--vault-password-file", str(password), str(vault)],
        check=True,
        capture_output=True,
    )
    assert "a-key-from-the-vault" not in vault.read_text()
    opened = ["--vault-password-file", str(password)]

    assert variable(production, "superlists.ottg.eu", "django_app_secret_key", *opened) == (
        "a-key-from-the-vault"
    )
    # Not the other environment's.
    assert variable(production, "superlists-staging.ottg.eu", "django_app_secret_key") == ""


def test_no_two_inventories_share_their_group_vars_but_the_testbeds_profiles():
    # A secret put in one inventory's group_vars must not reach another's hosts. The
    # testbed's two profiles share theirs on purpose: they share the staging server.
    users = {}
    for inventory in INVENTORIES.iterdir():
        users.setdefault((inventory / "group_vars").resolve(), []).append(inventory.name)
    shared = [sorted(names) for names in users.values() if len(names) > 1]
    assert shared == [["testbed", "testbed-scale"]]
