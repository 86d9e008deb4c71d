# The real-VM lab's plan: lab/vm-plan-real-vm.yaml with this lab's admin key written in (the key
# is made by `up`, so no file in the repository can carry it), at the path
# inventory/lab-real-vm.yaml names. Made in real-vm mode only; `down` removes it with the rest.

real_vm_plan() { echo "$LAB_DIR/vm-plan-real-vm.yaml"; }

real_vm_render() {
    local key
    key=$(cut -d' ' -f1,2 "$(client_key).pub")
    sed -e "s|@LAB_ADMIN_KEY@|$key|" -e "s|@LAB_IMAGES@|$(images_dir)|g" "$LAB_SRC/vm-plan-real-vm.yaml"
}

real_vm_up() {
    [ "$(cat "$(real_vm_plan)" 2>/dev/null)" = "$(real_vm_render)" ] && return 0
    changed
    real_vm_render >"$(real_vm_plan).tmp"
    mv "$(real_vm_plan).tmp" "$(real_vm_plan)"
}

real_vm_down() { rm -f "$(real_vm_plan)"; }
real_vm_status() { [ "$(cat "$(real_vm_plan)" 2>/dev/null)" = "$(real_vm_render)" ]; }
