"""Reading the process table from /proc (this kernel has no /proc/PID/task/TID/children)."""

import os


def stat(pid):
    """/proc/PID/stat from the state field on (a name may hold spaces), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def tree(roots):
    """The roots and all their live descendants, each with its stat fields."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat(entry)
            if fields:
                children.setdefault(int(fields[1]), []).append((int(entry), fields))
    found, stack = [], [(pid, stat(pid)) for pid in roots]
    while stack:
        pid, fields = stack.pop()
        if fields:
            found.append((pid, fields))
            stack.extend(children.get(pid, []))
    return found


def machine_busy_seconds():
    """CPU the whole machine has spent busy (user, nice, system, irq, softirq, steal): /proc/stat."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """CPU of this process (all its threads: the memory sampler), not of its children."""
    times = os.times()
    return times.user + times.system


def rss_bytes(fields):
    """Resident set (stat field 24) in bytes."""
    return int(fields[21]) * os.sysconf("SC_PAGE_SIZE")


def matching(pattern):
    """Live processes whose command line holds `pattern` (arguments joined by spaces), with
    their stat fields: a tool's connection keepers, which leave its process tree."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            except (FileNotFoundError, ProcessLookupError):
                continue
            fields = stat(entry) if pattern in cmdline else None
            if fields:
                found.append((int(entry), fields))
    return found


def cpu_seconds(fields):
    """User and system time (stat fields 14 and 15) in seconds."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
