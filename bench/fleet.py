"""N sshd hosts on loopback, each its own daemon, port, host key and scratch root; and the
inventory each tool reads."""

import os
import socket
import subprocess
import time


USER = "nrtest"


def prepare_user():
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", USER], check=True)
    subprocess.run(["usermod", "-p", "*", USER], check=True)
    os.makedirs("/run/sshd", exist_ok=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    def __init__(self, work, count):
        self.work, self.hosts, self.daemons = work, [], []
        self.client_key = os.path.join(work, "client")
        if not os.path.exists(self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.client_key], check=True)
            os.chmod(self.client_key + ".pub", 0o644)
        self.known_hosts = os.path.join(work, "known_hosts")
        lines = []
        for i in range(count):
            name, port = f"h{i}", free_port()
            home = os.path.join(work, "hosts", name)
            os.makedirs(home, exist_ok=True)
            key = os.path.join(home, "host_key")
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
            config = os.path.join(home, "sshd_config")
            with open(config, "w") as f:
                f.write(
                    f"Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nAuthorizedKeysFile {self.client_key}.pub\n"
                    f"PidFile {home}/pid\nUsePAM no\nStrictModes no\nPasswordAuthentication no\nLogLevel ERROR\n"
                    "MaxStartups 100\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
                )
            self.daemons.append(subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", config]))
            self.hosts.append((name, port, os.path.join(home, "root")))
            lines.append(f"[127.0.0.1]:{port} {' '.join(open(key + '.pub').read().split()[:2])}\n")
        with open(self.known_hosts, "w") as f:
            f.writelines(lines)
        for _, port, _ in self.hosts:
            self._wait_for(port)
        self.reset()

    @staticmethod
    def _wait_for(port):
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def reset(self):
        """Empty scratch roots, owned by the login user: the first-run state."""
        for _, _, root in self.hosts:
            subprocess.run(["rm", "-rf", root], check=True)
            os.makedirs(root)
            os.chmod(os.path.dirname(root), 0o755)
            subprocess.run(["chown", USER, root], check=True)

    def ansible_inventory(self, path):
        """An Ansible YAML inventory; numarun reads the same file."""
        with open(path, "w") as f:
            f.write("all:\n  vars:\n")
            f.write(f"    ansible_user: {USER}\n    ansible_ssh_private_key_file: {self.client_key}\n")
            f.write(f"    ansible_ssh_common_args: '-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes'\n")
            f.write("    ansible_ssh_args: '-o ControlMaster=auto -o ControlPersist=60s'\n")
            f.write("    ansible_python_interpreter: /usr/bin/python3\n  hosts:\n")
            for name, port, root in self.hosts:
                f.write(f"    {name}: {{ ansible_host: 127.0.0.1, ansible_port: {port}, root: {root} }}\n")

    def pyinfra_inventory(self, path):
        with open(path, "w") as f:
            f.write("hosts = [\n")
            for name, port, root in self.hosts:
                data = dict(
                    ssh_hostname="127.0.0.1", ssh_port=port, ssh_user=USER, ssh_key=self.client_key,
                    ssh_known_hosts_file=self.known_hosts, ssh_strict_host_key_checking="yes", root=root,
                )
                f.write(f"    ({name!r}, {data!r}),\n")
            f.write("]\n")

    def stop(self):
        for daemon in self.daemons:
            subprocess.run(["pkill", "-KILL", "-P", str(daemon.pid)])
            daemon.kill()
            daemon.wait()

