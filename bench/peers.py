"""numarun against ansible-core and pyinfra on the same sshd hosts, and numarun alone at scale.
Run through bench/peers.sh, which builds numarun and makes the venv; see bench/README.md."""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import measure
import procs
import workload
from fleet import Fleet, prepare_user

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = ["first", "no-op", "check"]
OWN_CONNECTIONS = "numarun-no-persist"
PACKAGING = ["plain"]  # what the cells measured: set once from --packaging


class Tool:
    """`keepers`: what the command line of the tool's connection keepers holds. They detach from
    its process tree and outlive a run, but their CPU and memory are the controller's."""

    def __init__(self, name, argv, check_flag, env=None, keepers=None):
        self.name, self.argv, self.check_flag, self.env, self.keepers = name, argv, check_flag, env, keepers

    def command(self, forks, check):
        argv = [a.replace("{forks}", str(forks)) for a in self.argv]
        return argv + ([self.check_flag] if check else [])


def tools(work, venv, numarun, packaging="plain"):
    """`packaging`: `plain`, the steps in the play; `role`, the same steps as a role, facts
    gathered first (pyinfra: a `@deploy` that reads facts first)."""
    with open(os.path.join(work, "site.yaml"), "w") as f:
        f.write(workload.ansible_role(work) if packaging == "role" else workload.ansible_playbook())
    with open(os.path.join(work, "deploy.py"), "w") as f:
        f.write(workload.pyinfra_deploy(packaged=packaging == "role"))
    with open(os.path.join(work, "ansible.cfg"), "w") as f:
        f.write(
            "[defaults]\nhost_key_checking = True\nretry_files_enabled = False\n"
            f"local_tmp = {work}/ansible-tmp\n"
            "[ssh_connection]\npipelining = True\n"
            f"ssh_args = -o ControlMaster=auto -o ControlPersist=60s\ncontrol_path_dir = {work}/cp\n"
        )
    ansible_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(work, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    # numarun's keeper: the benchmark's own, in a runtime directory of its own.
    runtime = os.path.join(work, "run")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    numarun_env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    numarun_argv = [numarun, "play", "site.yaml", "-i", "inventory.yaml", "-f", "{forks}"]
    return [
        # The inventory's ControlPersist, as Ansible's.
        Tool("numarun", numarun_argv, "--check", numarun_env, keepers=f"numarun-keeper --socket {runtime}/"),
        # The same without it: a connection of the run's own to every host.
        Tool(OWN_CONNECTIONS, numarun_argv + ["-e", "ansible_ssh_args="], "--check", numarun_env),
        Tool("ansible-core", [f"{venv}/bin/ansible-playbook", "-i", "inventory.yaml", "site.yaml", "-f", "{forks}"], "--check", ansible_env,
             keepers=f"{work}/cp/"),
        Tool("pyinfra", [f"{venv}/bin/pyinfra", "-y", "--parallel", "{forks}", "inventory.py", "deploy.py"], "--dry"),
    ]


def stop_keepers(all_tools):
    for tool in all_tools:
        for pid, _ in procs.matching(tool.keepers) if tool.keepers else []:
            # numarun's keeper would leave once idle, Ansible's masters once their hosts are gone.
            os.kill(pid, signal.SIGTERM)


class Mismatch(Exception):
    pass


def verify(fleet, expected_for, label):
    for name, _, root in fleet.hosts:
        problems = workload.differences(expected_for(name, root), workload.actual_state(root))
        if problems:
            raise Mismatch(f"{label}: host {name} is not as it must be:\n  " + "\n  ".join(problems[:10]))


def converge(fleet, work, numarun_tool, forks):
    """Brings the hosts to the end state between measured runs, with numarun, verified."""
    result = measure.run(numarun_tool.command(forks, False), work, env=numarun_tool.env)
    if result.code != 0:
        raise Mismatch(f"converging failed:\n{result.output}")
    verify(fleet, lambda name, _: workload.expected_state(name), "converge")


def one(tool, fleet, work, n, scenario):
    """One measured run of one tool in one scenario, verified."""
    expected = lambda name, _: workload.expected_state(name)
    if scenario == "first":
        fleet.reset()
    elif scenario == "check":
        drifted = {}
        for name, _, root in fleet.hosts:
            workload.drift(root)
            drifted[name] = workload.actual_state(root)
        expected = lambda name, _: drifted[name]
    keepers_cpu = lambda: {pid: procs.cpu_seconds(fields) for pid, fields in procs.matching(tool.keepers)} if tool.keepers else {}
    keepers_before = keepers_cpu()
    busy_before = procs.machine_busy_seconds() - procs.own_cpu_seconds()
    result = measure.run(tool.command(n, scenario == "check"), work, env=tool.env, sample=lambda pid: measure.tree_rss(pid, tool.keepers))
    # The host side is the rest of the machine's CPU. Counting the daemons' process trees missed
    # a session's shell, and all it started, when it outlived its connection and init reaped it.
    time.sleep(0.3)  # sessions whose connection just closed finish
    controller_cpu = result.cpu + sum(cpu - keepers_before.get(pid, 0.0) for pid, cpu in keepers_cpu().items())
    host_cpu = max(0.0, procs.machine_busy_seconds() - procs.own_cpu_seconds() - busy_before - controller_cpu)
    if result.code != 0:
        raise Mismatch(f"{tool.name} {scenario} on {n} hosts exited {result.code}:\n{result.output[-4000:]}")
    verify(fleet, expected, f"{tool.name} {scenario} on {n} hosts")
    return dict(wall=result.wall, controller_cpu=controller_cpu, host_cpu=host_cpu, peak_rss_mb=result.peak_rss / 2**20)


def compare(args, work, numarun, venv):
    cells = []
    all_tools = [t for t in tools(work, venv, numarun, args.packaging) if t.name in args.tools]
    numarun_tool = all_tools[0]
    for n in args.hosts:
        fleet = Fleet(work, n)
        try:
            fleet.ansible_inventory(os.path.join(work, "inventory.yaml"))
            fleet.pyinfra_inventory(os.path.join(work, "inventory.py"))
            for scenario in SCENARIOS:
                runs = {t.name: [] for t in all_tools}
                for rep in range(args.repeat):
                    # Tools take turns within a repetition, so a slow spell of the machine
                    # falls on all of them.
                    for tool in all_tools:
                        if rep > 0 and runs[tool.name][0]["wall"] > args.budget:
                            continue
                        if scenario != "first":
                            converge(fleet, work, numarun_tool, n)
                        runs[tool.name].append(one(tool, fleet, work, n, scenario))
                        print(f"  {n:>3} hosts  {scenario:<6} {tool.name:<13} run {rep + 1}: {runs[tool.name][-1]['wall']:.2f} s", file=sys.stderr)
                for tool in all_tools:
                    cells.append(summarise(tool.name, n, scenario, runs[tool.name]))
        finally:
            stop_keepers(all_tools)
            fleet.stop()
            shutil.rmtree(os.path.join(work, "hosts"), ignore_errors=True)
    return cells


def summarise(tool, hosts, scenario, runs):
    walls = [r["wall"] for r in runs]
    return dict(
        tool=tool, hosts=hosts, scenario=scenario, runs=len(runs), packaging=PACKAGING[0],
        wall_median=statistics.median(walls), wall_min=min(walls), wall_max=max(walls),
        controller_cpu_median=statistics.median(r["controller_cpu"] for r in runs),
        host_cpu_median=statistics.median(r["host_cpu"] for r in runs),
        peak_rss_mb_max=max(r["peak_rss_mb"] for r in runs),
    )


def ratios(cells):
    ours = [c for c in cells if c["tool"].startswith("numarun")]
    out = []
    for c in cells:
        for mine in ours:
            if not c["tool"].startswith("numarun") and (c["hosts"], c["scenario"]) == (mine["hosts"], mine["scenario"]):
                out.append(dict(numarun=mine["tool"], peer=c["tool"], hosts=c["hosts"], scenario=c["scenario"],
                                times_faster=c["wall_median"] / mine["wall_median"]))
    return out


def scale(args, work, numarun):
    """numarun alone on many hosts with a short no-op play: wall time, descriptors, memory, for two
    play lengths and two fork counts, so growth per step or per host shows."""
    rows = []
    fleet = Fleet(work, args.scale_hosts)
    try:
        fleet.ansible_inventory(os.path.join(work, "inventory.yaml"))
        for steps in (10, 20):
            with open(os.path.join(work, "scale.yaml"), "w") as f:
                f.write("- hosts: all\n  gather_facts: false\n  tasks:\n")
                for i in range(steps):
                    f.write(f"    - file: {{ path: '{{{{ root }}}}/s{i}', state: directory, mode: '0755' }}\n")
            # Connections of the run's own: what grows is the run's, not a keeper's.
            argv = lambda forks: [numarun, "play", "scale.yaml", "-i", "inventory.yaml", "-f", str(forks), "-e", "ansible_ssh_args="]
            for forks in (10, 50):
                first = measure.run(argv(forks), work)
                if first.code != 0:
                    raise Mismatch(f"scale run failed:\n{first.output[-4000:]}")
                fds = [0]
                count_fds = lambda pid: fds.__setitem__(0, max(fds[0], len(os.listdir(f"/proc/{pid}/fd"))))
                noop = measure.run(argv(forks), work, on_sample=count_fds)
                if noop.code != 0 or "changed=0" not in noop.output or "changed=1" in noop.output:
                    raise Mismatch(f"the scale no-op changed something or failed:\n{noop.output[-4000:]}")
                rows.append(dict(hosts=args.scale_hosts, steps=steps, forks=forks, wall=noop.wall, peak_fds=fds[0], peak_rss_mb=noop.peak_rss / 2**20))
                print(f"  scale {args.scale_hosts} hosts x {steps} steps, -f {forks}: {noop.wall:.2f} s", file=sys.stderr)
    finally:
        fleet.stop()
        shutil.rmtree(os.path.join(work, "hosts"), ignore_errors=True)
    return rows


def markdown(report):
    lines = [f"Measured {report['date']} on {report['machine']}, with `{report['command']}`"
             f" (workload packaged: {report['packaging']}).", ""]
    if report["cells"]:
        lines += ["| hosts | scenario | tool | runs | wall median (s) | min | max | controller CPU (s) | host CPU (s) | peak RSS (MB) |",
                  "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for c in report["cells"]:
            lines.append(f"| {c['hosts']} | {c['scenario']} | {c['tool']} | {c['runs']} | {c['wall_median']:.2f} | {c['wall_min']:.2f} | {c['wall_max']:.2f} "
                         f"| {c['controller_cpu_median']:.2f} | {c['host_cpu_median']:.2f} | {c['peak_rss_mb_max']:.1f} |")
        lines += ["", "| hosts | scenario | numarun | is faster than | by |", "|---:|---|---|---|---:|"]
        for r in report["ratios"]:
            lines.append(f"| {r['hosts']} | {r['scenario']} | {r['numarun']} | {r['peer']} | {r['times_faster']:.1f}× |")
    if report["scale"]:
        lines += ["", "| hosts | steps | forks | no-op wall (s) | peak open fds | peak RSS (MB) |", "|---:|---:|---:|---:|---:|---:|"]
        for s in report["scale"]:
            lines.append(f"| {s['hosts']} | {s['steps']} | {s['forks']} | {s['wall']:.2f} | {s['peak_fds']} | {s['peak_rss_mb']:.1f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--numarun", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--hosts", type=int, nargs="*", default=[1, 10, 30])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools", nargs="*", default=["numarun", OWN_CONNECTIONS, "ansible-core", "pyinfra"])
    parser.add_argument("--budget", type=float, default=float("inf"), help="a cell whose first run took longer is not repeated")
    parser.add_argument("--scale-hosts", type=int, default=300, help="0 skips the scale run")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--command", default="bash bench/peers.sh")
    parser.add_argument("--packaging", choices=["plain", "role"], default="plain",
                        help="role: the same steps as a role, with facts gathered first")
    args = parser.parse_args()
    PACKAGING[0] = args.packaging
    prepare_user()
    work = tempfile.mkdtemp(prefix="numarun-bench-")
    os.chmod(work, 0o755)
    try:
        cells = compare(args, work, args.numarun, args.venv) if args.hosts else []
        scale_rows = scale(args, work, args.numarun) if args.scale_hosts else []
    except Mismatch as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    versions = subprocess.run([f"{args.venv}/bin/pip", "freeze"], capture_output=True, text=True).stdout.split()
    report = dict(
        date=datetime.date.today().isoformat(),
        machine=f"{os.cpu_count()} CPUs, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, {platform.platform()}",
        command=args.command, steps_per_host=workload.STEPS, packaging=args.packaging,
        peers=[v for v in versions if v.split("==")[0] in ("ansible-core", "pyinfra")],
        cells=cells, ratios=ratios(cells), scale=scale_rows,
    )
    os.makedirs(args.out, exist_ok=True)
    name = "peers" if args.packaging == "plain" else f"peers-{args.packaging}"
    with open(os.path.join(args.out, f"{name}.json"), "w") as f:
        json.dump(report, f, indent=2)
    table = markdown(report)
    with open(os.path.join(args.out, f"{name}.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
