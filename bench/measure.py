"""One timed run of a controller: wall time, CPU of its whole process tree, and the peak memory of
that tree (sampled every 50 ms, never below the largest single process the kernel reports)."""

import os
import subprocess
import threading
import time

import procs



def tree_rss(root, keepers=None):
    """Resident bytes of a process and all its live descendants, and of the processes whose
    command line holds `keepers` (counted once when they are descendants too)."""
    found = dict(procs.tree([root]))
    if keepers:
        found.update(procs.matching(keepers))
    return sum(procs.rss_bytes(fields) for fields in found.values())


class Result:
    def __init__(self, code, output, wall, cpu, peak_rss):
        self.code, self.output, self.wall, self.cpu, self.peak_rss = code, output, wall, cpu, peak_rss


def run(argv, cwd, env=None, sample=tree_rss, on_sample=None):
    """Runs argv to the end. `on_sample(pid)` is called at each sample too (the scale run counts
    descriptors with it)."""
    out_path = os.path.join(cwd, "last-output.txt")
    with open(out_path, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak, done = [0], threading.Event()

        def sampler():
            while not done.is_set():
                peak[0] = max(peak[0], sample(child.pid))
                try:
                    if on_sample:
                        on_sample(child.pid)
                except FileNotFoundError:
                    pass  # the run ended since the last sample: its /proc entry is gone
                done.wait(0.05)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        thread.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    output = open(out_path, encoding="utf-8", errors="replace").read()
    return Result(child.returncode, output, wall, usage.ru_utime + usage.ru_stime, max(peak[0], usage.ru_maxrss * 1024))
