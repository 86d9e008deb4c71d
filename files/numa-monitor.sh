#!/bin/sh
# NUMA locality and pinning of the numarun VMs (managed by numarun).
# Only the VMs numarun created are inspected: their names carry the k3s-worker- prefix.
set -u
echo "=== $(date -Is) NUMA statistics (QEMU processes) ==="
numastat -p qemu-system-x86_64 2>/dev/null || numastat -c 2>/dev/null || echo "numastat not installed"
for vm in $(virsh list --name 2>/dev/null | grep '^k3s-worker-'); do
    echo "=== $vm ==="
    virsh vcpupin "$vm"
    virsh emulatorpin "$vm"
    virsh domstats --vcpu "$vm" | grep 'vcpu\..*\.time'
done
