"""No request fails while a deploy, or a restart, runs on a site under load."""

import re

from testbed import LIVE, Load, on_server, output

REQUIREMENTS = "superlists/requirements.txt"


def test_a_deploy_with_new_requirements_and_a_restart_under_load_fail_no_request(repo):
    requirements = (repo.path / REQUIREMENTS).read_text()
    commit = repo.commit(
        "New requirements, deployed under load", {REQUIREMENTS: requirements + "six==1.16.0\n"}
    )

    with Load(LIVE) as load:
        deploy = repo.playbook("playbooks/deploy.yml", "--limit", "live")
        restart = repo.playbook("playbooks/deploy.yml", "--limit", "live", "--tags", "restart")

    assert deploy.returncode == 0, output(deploy)
    assert restart.returncode == 0, output(restart)
    # A restart restarts the app server and reloads nginx, and changes nothing else.
    assert re.search(
        rf"^{re.escape(LIVE.name)}\s+: ok=\d+\s+changed=2\s", restart.stdout, re.MULTILINE
    )
    assert load.report.requests > 100, load.report
    assert load.report.failed == 0, load.report
    assert LIVE.serving() == commit
    # The app server is a new process (the header says it runs the new release),
    # started from the new virtualenv, which has the new requirement.
    unit = LIVE.service
    main_pid = on_server(LIVE.name, f"systemctl show --value --property MainPID {unit}", "root")
    interpreter = on_server(LIVE.name, f"tr '\\0' '\\n' < /proc/{main_pid}/cmdline | head -n 1")
    on_server(LIVE.name, f"{interpreter} -c 'import six'")
