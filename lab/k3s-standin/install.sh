#!/bin/sh
# STAND-IN for the k3s installer (https://get.k3s.io), for the numarun lab only.
#
# It takes the same inputs as the real script's airgap path and leaves the same things behind:
#   INSTALL_K3S_SKIP_DOWNLOAD=true   the k3s binary is already at /usr/local/bin/k3s (here: the
#                                    lab's k3s stand-in); nothing is downloaded, ever
#   K3S_URL, K3S_TOKEN               set: join as an agent (k3s-agent.service); unset: a server
#                                    (k3s.service), whose node token lands in
#                                    /var/lib/rancher/k3s/server/node-token
# The token goes into the service's env file (mode 600), as the real installer writes it; it is
# read from the environment, never from the command line.
set -eu

fail() { echo "[k3s installer stand-in] $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root"
[ "${INSTALL_K3S_SKIP_DOWNLOAD:-}" = true ] ||
    fail "downloads are impossible offline: put k3s in /usr/local/bin and set INSTALL_K3S_SKIP_DOWNLOAD=true"
[ -x /usr/local/bin/k3s ] || fail "/usr/local/bin/k3s is missing"

if [ -n "${K3S_URL:-}" ]; then
    [ -n "${K3S_TOKEN:-}" ] || fail "K3S_URL is set but K3S_TOKEN is not"
    service=k3s-agent command=agent
else
    service=k3s command=server
fi
unit=/etc/systemd/system/$service.service

umask 077
env_file=$unit.env
: > "$env_file.tmp"
for name in K3S_URL K3S_TOKEN; do
    eval "value=\${$name:-}"
    [ -z "$value" ] || printf '%s=%s\n' "$name" "$value" >> "$env_file.tmp"
done
mv "$env_file.tmp" "$env_file"

umask 022
cat > "$unit.tmp" <<UNIT
[Unit]
Description=Lightweight Kubernetes (numarun lab stand-in)
After=network-online.target

[Service]
Type=simple
EnvironmentFile=-$env_file
ExecStart=/usr/local/bin/k3s $command
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
UNIT
mv "$unit.tmp" "$unit"

# As the real installer: kubectl links to k3s unless the system already has one.
command -v kubectl >/dev/null 2>&1 || ln -sf k3s /usr/local/bin/kubectl

uninstall=/usr/local/bin/$service-uninstall.sh
cat > "$uninstall.tmp" <<UNINSTALL
#!/bin/sh
set -e
systemctl disable --now $service.service || true
rm -f $unit $env_file
rm -rf /var/lib/rancher/k3s /etc/rancher/k3s
systemctl daemon-reload
rm -f $uninstall
UNINSTALL
chmod 755 "$uninstall.tmp"
mv "$uninstall.tmp" "$uninstall"

systemctl daemon-reload
systemctl enable "$service.service" >/dev/null 2>&1
systemctl restart "$service.service"
echo "[k3s installer stand-in] $service started"
