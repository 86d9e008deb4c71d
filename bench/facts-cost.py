#!/usr/bin/env python3
"""What gathering facts costs per host: numarun runs a one-step play on N loopback sshd hosts
(bench/fleet.py: a daemon, a host key and a root each), with `gather_facts: false` and with
`true`, each with a connection of the run's own (no keeper), several times; medians of wall time.
Usage, as root: python3 bench/facts-cost.py NUMARUN [HOSTS=30] [RUNS=5] (a release build)."""

import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet import Fleet, prepare_user  # noqa: E402

NUMARUN = os.path.abspath(sys.argv[1])
HOSTS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 5


def wall(work, gather):
    with open(os.path.join(work, "play.yaml"), "w") as f:
        f.write(f"- hosts: all\n  gather_facts: {str(gather).lower()}\n  tasks:\n"
                "    - command: 'true'\n      changed_when: false\n")
    started = time.perf_counter()
    run = subprocess.run([NUMARUN, "play", "play.yaml", "-i", "inventory.yaml", "-f", str(HOSTS),
                          "-e", "ansible_ssh_args="], cwd=work, stdout=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit(f"numarun failed:\n{run.stdout}")
    return time.perf_counter() - started


prepare_user()
with tempfile.TemporaryDirectory(prefix="numarun-facts-cost-") as work:
    os.chmod(work, 0o755)  # sshd reads the client's public key here as the login user
    fleet = Fleet(work, HOSTS)
    try:
        fleet.ansible_inventory(os.path.join(work, "inventory.yaml"))
        times = {False: [], True: []}
        for _ in range(RUNS):
            for gather in (False, True):
                times[gather].append(wall(work, gather))
        without, with_facts = statistics.median(times[False]), statistics.median(times[True])
        print(f"{HOSTS} hosts, {RUNS} runs each: without facts {without:.3f} s, with facts "
              f"{with_facts:.3f} s (median); facts cost {(with_facts - without) * 1000 / HOSTS:.1f} ms "
              f"of wall time per host at -f {HOSTS}")
    finally:
        fleet.stop()
