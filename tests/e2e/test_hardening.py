"""The hardening that only a server reached over SSH can show."""

from testbed import LIVE, on_server, output


def test_a_firewall_that_would_shut_ssh_out_is_refused(repo):
    rules = "nft list ruleset"
    before = on_server(LIVE.name, rules, "root")
    assert "22" in before, before

    run = repo.playbook(
        "playbooks/provision.yml",
        "--limit",
        "live",
        "--tags",
        "server",
        "-e",
        '{"server_firewall_open_ports": [80, 443]}',
    )

    assert run.returncode != 0
    assert "sshd listens on port(s) 22, which server_firewall_open_ports" in output(run)
    # Nothing changed, and SSH still lets Ansible in.
    assert on_server(LIVE.name, rules, "root") == before
