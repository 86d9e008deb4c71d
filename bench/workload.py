"""The benchmark's workload, written once: 32 everyday steps per host, rendered as an Ansible
playbook (which numarun runs unchanged) and as a pyinfra deploy, plus the end state every host
must reach, which the verifier compares byte for byte."""

import os
import stat

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "templates", "app.conf.j2")

DIRS = [("d1", 0o755), ("d2", 0o750), ("d3", 0o700), ("d4", 0o755), ("d5", 0o711), ("d6", 0o775)]
TEMPLATES = [(i, f"d1/app{i}.conf") for i in range(1, 6)]
COPIES = [(i, f"d6/copy{i}.txt") for i in range(1, 6)]
SETTINGS = "d2/settings.conf"
LINES = [(f"key{i}", f"key{i} = value{i}") for i in range(1, 6)]
BLOCKS = [("d3/hosts.txt", "10.0.0.1 alpha\n10.0.0.2 beta"), ("d3/motd", "managed by the benchmark\nsecond line")]
BUILDS = [i for i in range(1, 4)]
LINKS = [(f"d5/link{i}", f"../d1/app{i}.conf") for i in range(1, 5)]
TRIVIAL = 2

STEPS = len(DIRS) + len(TEMPLATES) + len(COPIES) + len(LINES) + len(BLOCKS) + len(BUILDS) + len(LINKS) + TRIVIAL


def copy_content(i, host):
    return f"copy {i} of {host}\n"


def build_command(root, i):
    return f"echo built {i} > {root}/d4/built{i}"


def ansible_playbook():
    """The Ansible playbook; `root` is each host's scratch directory, from the inventory."""
    return "- hosts: all\n  gather_facts: false\n  tasks:\n" + "\n".join(ansible_tasks(TEMPLATE)) + "\n"


def ansible_role(work):
    """The same steps packaged as published roles are: `roles/bench` with its template in its
    own `templates/`, run by a play that gathers facts first (Ansible's default). Writes the role
    under `work` and returns the playbook."""
    role = os.path.join(work, "roles", "bench")
    os.makedirs(os.path.join(role, "tasks"), exist_ok=True)
    os.makedirs(os.path.join(role, "templates"), exist_ok=True)
    with open(os.path.join(role, "templates", "app.conf.j2"), "w") as f:
        f.write(open(TEMPLATE).read())
    # A task file is a top-level list: every line four columns less indented than in a play.
    tasks = ["\n".join(line[4:] for line in t.split("\n")) for t in ansible_tasks("app.conf.j2")]
    with open(os.path.join(role, "tasks", "main.yml"), "w") as f:
        f.write("\n".join(tasks) + "\n")
    return "- hosts: all\n  gather_facts: true\n  roles: [bench]\n"


def ansible_tasks(template):
    """The steps as Ansible tasks, indented for a play's `tasks:`."""
    tasks = []
    for d, mode in DIRS:
        tasks.append(f"    - file: {{ path: '{{{{ root }}}}/{d}', state: directory, mode: '{mode:04o}' }}")
    for i, dest in TEMPLATES:
        tasks.append(f"    - template: {{ src: '{template}', dest: '{{{{ root }}}}/{dest}', mode: '0644' }}\n      vars: {{ index: {i} }}")
    for i, dest in COPIES:
        content = copy_content(i, "{{ inventory_hostname }}").replace("\n", "\\n")
        tasks.append(f"    - copy: {{ dest: '{{{{ root }}}}/{dest}', content: \"{content}\", mode: '0640' }}")
    for key, line in LINES:
        tasks.append(f"    - lineinfile: {{ path: '{{{{ root }}}}/{SETTINGS}', regexp: '^{key} = ', line: '{line}', create: true }}")
    for path, block in BLOCKS:
        escaped = block.replace("\n", "\\n")
        tasks.append(f"    - blockinfile: {{ path: '{{{{ root }}}}/{path}', block: \"{escaped}\", create: true, mode: '0644' }}")
    for i in BUILDS:
        command = build_command("{{ root }}", i)
        tasks.append(f"    - shell: '{command}'\n      args: {{ creates: '{{{{ root }}}}/d4/built{i}' }}")
    for path, target in LINKS:
        tasks.append(f"    - file: {{ path: '{{{{ root }}}}/{path}', src: '{target}', state: link }}")
    for _ in range(TRIVIAL):
        tasks.append("    - command: /bin/true\n      changed_when: false")
    return tasks


def pyinfra_deploy(packaged=False):
    """The same steps in pyinfra's idiom: `host.data.root`, a fact for the `creates` guard.
    `packaged`: pyinfra's nearest to a role with facts, the operations in a `@deploy` function
    that first reads the facts a role would branch on (pyinfra gathers none up front)."""
    out = [
        "from io import StringIO",
        "from pyinfra import host",
        "from pyinfra.facts.files import File",
        "from pyinfra.operations import files, server",
        "root = host.data.root",
        "name = host.name",
        "TRIM = {'trim_blocks': True}  # as Ansible's template module",
    ]
    for d, mode in DIRS:
        out.append(f"files.directory(path=f'{{root}}/{d}', mode='{mode:04o}')")
    for i, dest in TEMPLATES:
        out.append(f"files.template(src={TEMPLATE!r}, dest=f'{{root}}/{dest}', mode='0644', index={i}, inventory_hostname=name, jinja_env_kwargs=TRIM)")
    for i, dest in COPIES:
        out.append(f"files.put(src=StringIO(f'copy {i} of {{name}}\\n'), dest=f'{{root}}/{dest}', mode='0640')")
    for key, line in LINES:
        out.append(f"files.line(path=f'{{root}}/{SETTINGS}', line='^{key} = .*$', replace='{line}')")
    for path, block in BLOCKS:
        out.append(f"files.block(path=f'{{root}}/{path}', content={block!r}, marker='# {{mark}} ANSIBLE MANAGED BLOCK')")
        # pyinfra's block creates a file 0600 and takes no mode: one more operation sets it.
        out.append(f"files.file(path=f'{{root}}/{path}', mode='0644')")
    for i in BUILDS:
        out.append(f"if not host.get_fact(File, path=f'{{root}}/d4/built{i}'):")
        command = build_command("{root}", i)
        out.append(f"    server.shell(commands=[f'{command}'])")
    for path, target in LINKS:
        out.append(f"files.link(path=f'{{root}}/{path}', target='{target}')")
    for _ in range(TRIVIAL):
        out.append("server.shell(commands=['/bin/true'])")
    if not packaged:
        return "\n".join(out) + "\n"
    header, body = out[:7], out[7:]
    facts = ["host.get_fact(LinuxDistribution)", "host.get_fact(Hostname)", "host.get_fact(Kernel)",
             "host.get_fact(Arch)", "host.get_fact(Date)", "host.get_fact(Mounts)"]
    lines = header + [
        "from pyinfra.api import deploy",
        "from pyinfra.facts.server import Arch, Date, Hostname, Kernel, LinuxDistribution, Mounts",
        "@deploy('bench')",
        "def bench():",
    ] + ["    " + fact for fact in facts] + ["    " + line for line in "\n".join(body).split("\n")] + ["bench()"]
    return "\n".join(lines) + "\n"


def expected_state(host):
    """Every path under a host's root: (kind, mode, bytes or link target)."""
    env = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(open(TEMPLATE).read())
    state = {d: ("dir", mode, None) for d, mode in DIRS}
    for i, dest in TEMPLATES:
        state[dest] = ("file", 0o644, template.render(index=i, inventory_hostname=host).encode())
    for i, dest in COPIES:
        state[dest] = ("file", 0o640, copy_content(i, host).encode())
    state[SETTINGS] = ("file", 0o644, "".join(line + "\n" for _, line in LINES).encode())
    for path, block in BLOCKS:
        text = f"# BEGIN ANSIBLE MANAGED BLOCK\n{block}\n# END ANSIBLE MANAGED BLOCK\n"
        state[path] = ("file", 0o644, text.encode())
    for i in BUILDS:
        state[f"d4/built{i}"] = ("file", 0o644, f"built {i}\n".encode())
    for path, target in LINKS:
        state[path] = ("link", None, target)
    return state


def actual_state(root):
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                state[rel] = ("link", None, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                state[rel] = ("dir", stat.S_IMODE(st.st_mode), None)
            else:
                state[rel] = ("file", stat.S_IMODE(st.st_mode), open(path, "rb").read())
    return state


def differences(expected, actual):
    """What differs, in words; empty when the host is exactly as expected."""
    out = []
    for path in sorted(set(expected) | set(actual)):
        want, got = expected.get(path), actual.get(path)
        if want != got:
            show = lambda v: "missing" if v is None else f"{v[0]} {oct(v[1]) if v[1] is not None else ''} {v[2]!r:.80}"
            out.append(f"{path}: expected {show(want)}, found {show(got)}")
    return out


def drift(root):
    """Changes a converged host the way an admin might: the check-mode scenario must report them
    and leave them as they are."""
    with open(os.path.join(root, COPIES[0][1]), "w") as f:
        f.write("edited by hand\n")
    settings = os.path.join(root, SETTINGS)
    text = open(settings).read().replace(LINES[2][1], f"{LINES[2][0]} = edited")
    with open(settings, "w") as f:
        f.write(text)
    os.unlink(os.path.join(root, LINKS[1][0]))
    os.chmod(os.path.join(root, DIRS[1][0]), 0o777)
