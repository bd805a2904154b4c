"""make bench: how long deploys take, and what visitors see meanwhile, on the testbed.

Prints one table of timings (the median of several runs, and each as a ratio to
the floor: an Ansible ping of the same hosts) and one of requests under steady
load (hey, fixed concurrency) before and during a deploy, a `--tags restart`
and plain restarts. On the scale testbed (make testbed-scale), a code-only
rolling deploy to 1, 2 and 4 app servers, and requests through the load
balancer during a rolling deploy and a rolling restart, with the CPU time
each rolling deploy took (the control node's and the servers'). Adds all to
docs/performance-results.md as well, at the top, with when, on which machine and
of which revision(s) (the results are the docs' numbers: commit them).

Timings are measurements, not tests: nothing here passes or fails.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Beside this file (Python puts a script's own directory on its path).
from testbed import (
    LIVE,
    PROJECT,
    SCALE_APP_SERVERS,
    SCALE_GROUPS,
    SCALE_INVENTORY,
    SCALE_SITE,
    SITES,
    Load,
    inventory_variable,
    output,
    scratch_repo,
    testbed_answers,
)

# The docs' page of results: each run goes below its marker, newest first.
RESULTS = PROJECT / "docs" / "performance-results.md"
RESULTS_MARKER = "<!-- tests/bench.py writes each run below this line, newest first -->"
REQUIREMENTS = "superlists/requirements.txt"
LOAD_CONNECTIONS = 2
LOAD_BASELINE_SECONDS = 10
# The measurements the targets compare.
FLOOR = "floor: ansible -m ping, both servers"
NO_OP = "no-op deploy, both sites"
CODE_ONLY = "code-only deploy, both sites"
DEPLOY_UNDER_LOAD = "our code-only deploy"
RESTART_UNDER_LOAD = "our --tags restart"
# The scale testbed's live site: a deploy limited to its first N app servers.
SCALE_DEPLOY = (
    "playbooks/deploy.yml",
    "--inventory",
    str(SCALE_INVENTORY.relative_to(PROJECT)),
    "-e",
    "target=live",
)
ROLLS = {
    count: f"code-only rolling deploy, {count} app server{'s' * (count > 1)}" for count in (1, 2, 4)
}
ROLL_UNDER_LOAD = "our rolling deploy, 4 app servers"
# Whose CPU time a rolling deploy is counted in: the scale testbed's servers (a
# container each, by inventory group), and the control node.
SCALE_ROLES = {
    "live": "app servers",
    "load_balancers": "load balancer",
    "database_servers": "database",
}
CONTROL_NODE = "control node"
ROLLING_RESTART_UNDER_LOAD = "our rolling --tags restart, 4 app servers"


def container_cgroup(container):
    """The file where the kernel counts the CPU time of a container's processes,
    and the unit it counts in (seconds per count): cgroup v1 or v2."""
    found = subprocess.run(
        ["docker", "inspect", "--format", "{{.Id}}", container], capture_output=True, text=True
    )
    if found.returncode != 0:
        raise SystemExit(f"no container {container}: run `make testbed-scale`\n{found.stderr}")
    full_id = found.stdout.strip()
    candidates = [
        (Path(f"/sys/fs/cgroup/cpuacct/docker/{full_id}/cpuacct.usage"), 1e-9),
        (Path(f"/sys/fs/cgroup/system.slice/docker-{full_id}.scope/cpu.stat"), 1e-6),
        (Path(f"/sys/fs/cgroup/docker/{full_id}/cpu.stat"), 1e-6),
    ]
    for path, unit in candidates:
        if path.exists():
            return path, unit
    raise SystemExit(
        f"the CPU time of container {container} is in none of: "
        + ", ".join(str(path) for path, _ in candidates)
    )


def cgroup_seconds(path, unit):
    text = path.read_text()
    # cgroup v2's cpu.stat: "usage_usec N" among others; v1's cpuacct.usage: N.
    count = text.split("usage_usec ", 1)[1].split()[0] if "usage_usec" in text else text
    return int(count) * unit


def cpu_used(cgroups):
    """CPU seconds used so far, by role: the control node (this process's finished
    children: ansible-playbook, its workers and SSH clients, but not the SSH
    connections' shared masters, which outlive the run) and each role's containers
    (`cgroups`: role -> their cgroup files)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {CONTROL_NODE: children.ru_utime + children.ru_stime}
    for role, files in cgroups.items():
        used[role] = sum(cgroup_seconds(path, unit) for path, unit in files)
    return used


def timed(run):
    """Seconds `run` took; it must succeed."""
    start = time.monotonic()
    process = run()
    elapsed = time.monotonic() - start
    if process.returncode != 0:
        raise SystemExit(f"a measured run failed:\n{output(process)}")
    return elapsed


def ansible(*args):
    return subprocess.run(["ansible", *args], cwd=PROJECT, capture_output=True, text=True)


def playbook(repo, *args):
    return repo.playbook(*args)


class Bench:
    def __init__(self, repo, runs):
        self.repo, self.runs = repo, runs
        self.timings = {}
        self.loads = {}
        # name -> one {role: CPU seconds} per run, for the runs measured with cpu=.
        self.cpu = {}

    def measure(self, name, run, prepare=lambda index: None, cpu=None):
        """Time `run` self.runs times; with `cpu` (returning CPU seconds used so far,
        by role), also the CPU time each run took."""
        samples = []
        for index in range(self.runs):
            prepare(index)
            before = cpu() if cpu else {}
            samples.append(timed(run))
            if cpu:
                after = cpu()
                self.cpu.setdefault(name, []).append(
                    {role: after[role] - before[role] for role in after}
                )
        self.timings[name] = samples
        print(f"  {name}: {', '.join(f'{sample:.1f}' for sample in samples)} s", flush=True)

    def fresh_servers(self):
        """New containers, as new cloud servers would be; the keys and the remote stay."""
        for site in SITES.values():
            container = inventory_variable(site.name, "testbed_container")
            subprocess.run(["docker", "rm", "--force", container], capture_output=True, check=True)
        process = playbook(self.repo, "playbooks/testbed.yml")
        if process.returncode != 0:
            raise SystemExit(f"could not rebuild the testbed:\n{output(process)}")

    def measure_from_scratch(self):
        """Provision new servers, then the first deploy, as two timings of each run."""
        provision, first_deploy = [], []
        for _ in range(self.runs):
            self.fresh_servers()
            provision.append(timed(lambda: playbook(self.repo, "playbooks/provision.yml")))
            first_deploy.append(timed(lambda: playbook(self.repo, "playbooks/deploy.yml")))
        self.timings["provision from scratch, both servers"] = provision
        self.timings["first deploy, both sites"] = first_deploy
        print(f"  provision: {provision} s; first deploy: {first_deploy} s", flush=True)

    def new_commit(self, index):
        self.repo.commit(f"Bench: a code-only change {index}")

    def new_requirements(self, index):
        requirements = (self.repo.path / REQUIREMENTS).read_text().split("# bench")[0]
        self.repo.commit(
            f"Bench: new requirements {index}",
            {REQUIREMENTS: f"{requirements}# bench {time.time_ns()}\nsix==1.16.0\n"},
        )

    def under_load(self, name, run=None, site=LIVE):
        with Load(site, connections=LOAD_CONNECTIONS) as load:
            if run is None:
                time.sleep(LOAD_BASELINE_SECONDS)
            else:
                process = run()
                if process.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{output(process)}")
        self.loads[name] = site, load.report
        print(f"  {name}: {load.report}", flush=True)


def measure_all(bench):
    repo = bench.repo
    deploy = ("playbooks/deploy.yml",)
    print("timings (seconds):", flush=True)
    bench.measure(FLOOR, lambda: ansible("staging:live", "-m", "ping"))
    bench.measure_from_scratch()
    bench.measure(NO_OP, lambda: playbook(repo, *deploy))
    bench.measure(CODE_ONLY, lambda: playbook(repo, *deploy), prepare=bench.new_commit)
    bench.measure(
        "deploy with changed requirements, both sites",
        lambda: playbook(repo, *deploy),
        prepare=bench.new_requirements,
    )
    bench.measure(
        "--tags restart, both sites", lambda: playbook(repo, *deploy, "--tags", "restart")
    )
    bench.measure(
        "full release: staging, tests, live, tags", lambda: repo.release(), prepare=bench.new_commit
    )

    print(f"under load ({LOAD_CONNECTIONS} connections on {LIVE.name}):", flush=True)
    unit = LIVE.service
    bench.under_load("no deploy (baseline)")
    bench.new_commit(0)
    bench.under_load(DEPLOY_UNDER_LOAD, lambda: playbook(repo, *deploy, "--limit", "live"))
    bench.under_load(
        RESTART_UNDER_LOAD,
        lambda: playbook(repo, *deploy, "--limit", "live", "--tags", "restart"),
    )
    bench.under_load(
        "plain systemctl restart of the service",
        lambda: ansible(
            LIVE.name, "--become", "-m", "command", "-a", f"systemctl restart {unit}.service"
        ),
    )
    bench.under_load(
        "restart of socket and service (gunicorn owning its socket, as in the book)",
        lambda: ansible(
            LIVE.name,
            "--become",
            "-m",
            "command",
            "-a",
            f"systemctl restart {unit}.socket {unit}.service",
        ),
    )
    print("the scale testbed:", flush=True)
    measure_scale(bench)


def measure_scale(bench):
    """Rolling deploys on the scale testbed: to its first 1, 2 and 4 app servers (each
    alone in the play, as a site of that many would be), then under load through its
    load balancer, to all of them, and their rolling restart."""
    repo = bench.repo
    timed(lambda: playbook(repo, *SCALE_DEPLOY))
    cgroups = {
        role: [
            container_cgroup(values["testbed_container"])
            for values in SCALE_GROUPS[group]["hosts"].values()
        ]
        for group, role in SCALE_ROLES.items()
    }
    for count, name in ROLLS.items():
        limit = ",".join(SCALE_APP_SERVERS[:count])
        bench.measure(
            name,
            lambda limit=limit: playbook(repo, *SCALE_DEPLOY, "--limit", limit),
            prepare=bench.new_commit,
            cpu=lambda: cpu_used(cgroups),
        )
    bench.new_commit("rolling, under load")
    bench.under_load(ROLL_UNDER_LOAD, lambda: playbook(repo, *SCALE_DEPLOY), SCALE_SITE)
    bench.under_load(
        ROLLING_RESTART_UNDER_LOAD,
        lambda: playbook(repo, *SCALE_DEPLOY, "--tags", "restart"),
        SCALE_SITE,
    )


def revision():
    """The checkout's commit, and whether its working tree (which the bench's scratch
    repositories hold) differs from it."""

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, check=True
        ).stdout.strip()

    changed = " with uncommitted changes" if git("status", "--porcelain") else ""
    return f"commit {git('rev-parse', '--short', 'HEAD')}{changed}"


def machine():
    """What the numbers were measured on: the testbeds share this machine."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = platform.freedesktop_os_release().get("PRETTY_NAME", "Linux")
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {system}, Linux {platform.release()}"


def table(bench, measured):
    median = {name: statistics.median(samples) for name, samples in bench.timings.items()}
    floor = median[FLOOR]
    lines = [
        f"Measured {measured:%Y-%m-%d %H:%M} UTC on the testbeds ({revision()}; the sites on"
        f" HTTPS), median of {bench.runs} runs.",
        "",
        "| What | Median (s) | × floor | Runs (s) |",
        "|---|---:|---:|---|",
    ]
    for name, samples in bench.timings.items():
        runs = ", ".join(f"{sample:.1f}" for sample in samples)
        lines.append(f"| {name} | {median[name]:.1f} | {median[name] / floor:.1f} | {runs} |")
    lines += [
        "",
        f"Under steady load: hey, {LOAD_CONNECTIONS} connections, on a live site (the"
        " two-server testbed's, or the scale testbed's through its load balancer),"
        " for the whole run.",
        "",
        "| During | Site | Requests | Failed | p50 (ms) | p99 (ms) | max (ms) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, (site, report) in bench.loads.items():
        latency = f"{report.p50_ms:.1f} | {report.p99_ms:.1f} | {report.max_ms:.1f}"
        lines.append(f"| {name} | {site.name} | {report.requests} | {report.failed} | {latency} |")
    return "\n".join(lines + cpu_table(bench) + targets(median, bench.loads)) + "\n"


def cpu_table(bench):
    """The CPU time of the rolling deploys, by role (medians). The testbed's servers
    are containers sharing this machine's cores, so a deploy takes at least its
    CPU time divided by them."""
    cores = os.cpu_count()
    roles = [CONTROL_NODE, *SCALE_ROLES.values()]
    lines = [
        "",
        "CPU time of the code-only rolling deploys (median, seconds): the scale testbed's"
        f" servers and the control node share this machine's {cores} cores, so a deploy"
        f" takes at least its total CPU time ÷ {cores}.",
        "",
        f"| Deploy | Took | {' | '.join(roles)} | Total | Total ÷ {cores} |",
        f"|---|---:|{'---:|' * (len(roles) + 2)}",
    ]
    for name, runs in bench.cpu.items():
        used = [statistics.median(run[role] for run in runs) for role in roles]
        total = statistics.median(sum(run.values()) for run in runs)
        took = statistics.median(bench.timings[name])
        columns = " | ".join(f"{seconds:.1f}" for seconds in used)
        lines.append(f"| {name} | {took:.1f} | {columns} | {total:.1f} | {total / cores:.1f} |")
    return lines


def targets(median, loads):
    """The issue's first targets, each with what was measured."""
    floor, no_op, code_only = median[FLOOR], median[NO_OP], median[CODE_ONLY]
    failed = loads[DEPLOY_UNDER_LOAD][1].failed + loads[RESTART_UNDER_LOAD][1].failed
    rolling_failed = loads[ROLL_UNDER_LOAD][1].failed + loads[ROLLING_RESTART_UNDER_LOAD][1].failed
    one, four = median[ROLLS[1]], median[ROLLS[4]]
    rows = [
        ("failed requests during our deploy and restart: 0", f"{failed}", failed == 0),
        (
            "failed requests through the load balancer during our rolling deploy and restart: 0",
            f"{rolling_failed}",
            rolling_failed == 0,
        ),
        (
            "code-only rolling deploy, 4 app servers: at most 2 × 1 app server",
            f"{four / one:.1f} ×",
            four <= 2 * one,
        ),
        ("no-op deploy: at most 3 × floor", f"{no_op / floor:.1f} ×", no_op <= 3 * floor),
        (
            "code-only deploy: at most 3 × no-op",
            f"{code_only / no_op:.1f} ×",
            code_only <= 3 * no_op,
        ),
    ]
    return [
        "",
        "| Target | Measured | Met |",
        "|---|---:|---|",
        *(
            f"| {target} | {measured} | {'yes' if met else 'no'} |"
            for target, measured, met in rows
        ),
    ]


# The comparison runs both on plain HTTP: a baseline from before HTTPS (1.1.0 and
# earlier) health-checks its sites over HTTP on port 80, which an HTTPS site
# answers with a redirect. What the deploy itself costs is compared; the HTTPS
# numbers are the table above. Without HTTPS, Django's deploy checks for it warn:
# silenced here, as a site behind another TLS terminator would.
PLAIN_HTTP = [
    "-e",
    "site_https=false",
    "-e",
    json.dumps(
        {
            "django_app_silenced_checks": [
                "security.W004",
                "security.W008",
                "security.W016",
                "security.W021",
            ]
        }
    ),
    # A baseline from before 2.0.0 ran every site as one shared user: both trees
    # deploy as the site's own user that provisioning made (the testbed's names
    # need no more than site_user_name's dots made underscores).
    "-e",
    json.dumps({"site_user": "{{ site_name | replace('.', '_') }}"}),
]


def compare(repos, runs, this_tree):
    """The no-op and the code-only deploy of each repository (a baseline revision and
    this tree), taking turns, run by run, so that both meet the same load of the
    machine; their medians, side by side. The sites serve plain HTTP meanwhile
    (PLAIN_HTTP), and HTTPS again at the end."""
    deploy = ("playbooks/deploy.yml", *PLAIN_HTTP)
    timed(lambda: playbook(this_tree, "playbooks/provision.yml", *PLAIN_HTTP))
    samples = {(what, label): [] for what in (NO_OP, CODE_ONLY) for label in repos}
    for index in range(runs):
        for label, repo in repos.items():
            # The sites must serve this repository's commit for its no-op deploy.
            timed(lambda repo=repo: playbook(repo, *deploy))
            samples[NO_OP, label].append(timed(lambda repo=repo: playbook(repo, *deploy)))
            repo.commit(f"Bench: a code-only change {index}")
            samples[CODE_ONLY, label].append(timed(lambda repo=repo: playbook(repo, *deploy)))
            print(
                f"  {label}: no-op {samples[NO_OP, label][-1]:.1f} s, code-only"
                f" {samples[CODE_ONLY, label][-1]:.1f} s",
                flush=True,
            )
    timed(lambda: playbook(this_tree, "playbooks/provision.yml"))
    timed(lambda: playbook(this_tree, "playbooks/deploy.yml"))
    labels = list(repos)
    by_run = "; ".join(
        f"{what.split(' deploy', maxsplit=1)[0]} "
        + ", ".join(
            "/".join(f"{samples[what, label][index]:.1f}" for label in labels)
            for index in range(runs)
        )
        + " s"
        for what in (NO_OP, CODE_ONLY)
    )
    lines = [
        "",
        f"{' against '.join(reversed(labels))}, taking turns in one run, on plain HTTP"
        " (`site_https: false`, the deploy checks for HTTPS silenced), as a baseline from"
        f" before HTTPS (1.1.0) health-checks over plain HTTP; median of {runs}, seconds."
        f" Run by run: {by_run} ({labels[0]} first).",
        "",
        f"| What | {' | '.join(labels)} |",
        f"|---|{'---:|' * len(labels)}",
    ]
    for what in (NO_OP, CODE_ONLY):
        medians = (statistics.median(samples[what, label]) for label in labels)
        lines.append(f"| {what} | {' | '.join(f'{median:.1f}' for median in medians)} |")
    return "\n".join(lines) + "\n"


def record(result, started, baseline):
    """Add this run's results to the top of the docs' page of results."""
    head, marker, earlier = RESULTS.read_text().partition(RESULTS_MARKER)
    if not marker:
        raise SystemExit(f"{RESULTS} lost its line {RESULTS_MARKER!r}")
    title = f"## {started:%Y-%m-%d %H:%M} UTC, {revision()}"
    if baseline:
        title += f", against {baseline}"
    command = " ".join(["tests/bench.py", *sys.argv[1:]])
    section = f"{title}\n\n`{command}`, on {machine()}.\n\n{result.strip()}\n"
    earlier = f"\n{earlier.strip()}\n" if earlier.strip() else ""
    RESULTS.write_text(f"{head}{marker}\n\n{section}{earlier}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each timing (default 3)")
    parser.add_argument(
        "--baseline",
        metavar="REVISION",
        help="also compare the no-op and code-only deploys with this revision's, taking turns",
    )
    parser.add_argument(
        "--compare-only", action="store_true", help="with --baseline: only the comparison"
    )
    arguments = parser.parse_args()
    problem = testbed_answers()
    if problem:
        raise SystemExit(f"the testbed does not answer; run `make testbed` first:\n{problem}")
    problem = None if arguments.compare_only else testbed_answers(SCALE_INVENTORY)
    if problem:
        raise SystemExit(f"the scale testbed does not answer; run `make testbed-scale`:\n{problem}")
    result = ""
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="superlists-bench.") as scratch:
        repo = scratch_repo(Path(scratch) / "tree")
        if not arguments.compare_only:
            bench = Bench(repo, arguments.runs)
            measure_all(bench)
            result = table(bench, started)
        if arguments.baseline:
            baseline = scratch_repo(Path(scratch) / "baseline", arguments.baseline)
            repos = {arguments.baseline: baseline, "this tree": repo}
            result += compare(repos, arguments.runs, repo)
    print("\n" + result)
    record(result, started, arguments.baseline)
    print(f"added to {RESULTS.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
