//! The plan drawn as a map: a row per NUMA node, a cell per CPU with a core's threads side by
//! side, marked with the VM whose vCPU runs there, emulator threads, or free; and each node's
//! memory, bound against free. As text (coloured on a terminal) and as SVG.

use std::fmt::Write;

use console::Style;

use super::placement::Placement;
use super::plan::VmPlan;
use super::topology::Topology;

/// What one host CPU does under the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Vm(usize),
    Emulator,
    /// Two VMs, or a vCPU and emulator threads: the validator has said why.
    Conflict,
    Free,
}

const COLOURS: [(u8, &str); 6] = [
    (33, "#4e79a7"),
    (172, "#f28e2b"),
    (35, "#59a14f"),
    (161, "#e15759"),
    (97, "#b07aa1"),
    (37, "#76b7b2"),
];

fn cell(placement: &Placement, cpu: u32) -> Cell {
    let vms: Vec<usize> = placement
        .vcpus
        .get(&cpu)
        .map(|u| u.iter().map(|(vm, _)| *vm).collect())
        .unwrap_or_default();
    let emulator = placement.emulators.contains_key(&cpu);
    match (vms.as_slice(), emulator) {
        ([], false) => Cell::Free,
        ([], true) => Cell::Emulator,
        ([first, rest @ ..], false) if rest.iter().all(|vm| vm == first) => Cell::Vm(*first),
        _ => Cell::Conflict,
    }
}

fn letter(cell: Cell) -> char {
    match cell {
        Cell::Vm(index) => (b'A' + (index % 26) as u8) as char,
        Cell::Emulator => 'e',
        Cell::Conflict => '!',
        Cell::Free => '.',
    }
}

fn bound_mb(plan: &VmPlan, node: u32) -> u64 {
    plan.virtual_machines
        .iter()
        .filter(|vm| vm.tuning.numa_memory.nodeset.contains(node))
        .map(|vm| vm.memory_mb / vm.tuning.numa_memory.nodeset.len().max(1) as u64)
        .sum()
}

fn gib(mb: u64) -> String {
    format!("{:.1}", mb as f64 / 1024.0)
}

/// The map as lines of text; `console` drops the colours where the output is no terminal.
pub fn text(plan: &VmPlan, topology: &Topology) -> String {
    let placement = Placement::of(plan);
    let style = |cell: Cell| match cell {
        Cell::Vm(index) => Style::new().color256(COLOURS[index % COLOURS.len()].0).bold(),
        Cell::Emulator => Style::new().dim(),
        Cell::Conflict => Style::new().red().bold().reverse(),
        Cell::Free => Style::new().dim(),
    };
    let mut out = String::new();
    for node in &topology.nodes {
        let _ = write!(out, "node {:<2} ", node.id);
        for core in topology.cores(node.id) {
            out.push(' ');
            for cpu in core {
                let cell = cell(&placement, cpu);
                let _ = write!(out, "{}", style(cell).apply_to(letter(cell)));
            }
        }
        let bound = bound_mb(plan, node.id);
        let width = 20;
        let filled = ((bound as f64 / node.memory_mb.max(1) as f64) * width as f64)
            .round()
            .min(width as f64) as usize;
        let _ = writeln!(
            out,
            "   memory [{}{}] {} / {} GiB bound",
            "#".repeat(filled),
            ".".repeat(width - filled),
            gib(bound),
            gib(node.memory_mb)
        );
    }
    out.push_str("legend: ");
    for (index, vm) in plan.virtual_machines.iter().enumerate() {
        let cell = Cell::Vm(index);
        let _ = write!(
            out,
            "{} {} ({} vCPUs)  ",
            style(cell).apply_to(letter(cell)),
            vm.name,
            vm.vcpu_count
        );
    }
    out.push_str("e emulator  . free  ! conflict\n");
    out
}

/// The same map as a standalone SVG document.
pub fn svg(plan: &VmPlan, topology: &Topology) -> String {
    let placement = Placement::of(plan);
    const CELL: u32 = 18;
    const GAP: u32 = 4;
    const LEFT: u32 = 70;
    const ROW: u32 = 56;
    let fill = |cell: Cell| match cell {
        Cell::Vm(index) => COLOURS[index % COLOURS.len()].1,
        Cell::Emulator => "#bab0ac",
        Cell::Conflict => "#d62728",
        Cell::Free => "#ffffff",
    };
    let widest =
        topology.nodes.iter().map(|n| topology.cores(n.id).len()).max().unwrap_or(0) as u32;
    let threads = topology.threads_per_core() as u32;
    // Wide enough for the cells and for the legend's longest label (12 px monospace: about 8 px
    // a character), so a small host's map does not cut its legend.
    let longest_label =
        plan.virtual_machines.iter().map(|vm| vm.name.len() + 12).max().unwrap_or(0);
    let width =
        (LEFT + widest * (threads * CELL + GAP) + 20).max(40 + 8 * longest_label.max(16) as u32);
    let height =
        40 + topology.nodes.len() as u32 * ROW + 24 * (plan.virtual_machines.len() as u32 + 2);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"9\">\n"
    );
    let _ = writeln!(out, "<title>numarun VM placement</title>");
    for (row, node) in topology.nodes.iter().enumerate() {
        let y = 20 + row as u32 * ROW;
        let _ = writeln!(
            out,
            "<text x=\"4\" y=\"{}\" font-size=\"12\">node {}</text>",
            y + 13,
            node.id
        );
        for (column, core) in topology.cores(node.id).iter().enumerate() {
            for (thread, cpu) in core.iter().enumerate() {
                let x = LEFT + column as u32 * (threads * CELL + GAP) + thread as u32 * CELL;
                let cell = cell(&placement, *cpu);
                let _ = writeln!(
                    out,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"{}\" stroke=\"#555\"><title>CPU {cpu}</title></rect>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{cpu}</text>",
                    fill(cell),
                    x + CELL / 2,
                    y + 12
                );
            }
        }
        let bound = bound_mb(plan, node.id);
        let bar = widest * (threads * CELL + GAP);
        let used =
            (bar as f64 * (bound as f64 / node.memory_mb.max(1) as f64)).min(bar as f64) as u32;
        let _ = writeln!(
            out,
            "<rect x=\"{LEFT}\" y=\"{}\" width=\"{bar}\" height=\"8\" fill=\"#eee\"/><rect x=\"{LEFT}\" y=\"{}\" width=\"{used}\" \
             height=\"8\" fill=\"#888\"/><text x=\"{LEFT}\" y=\"{}\">memory {} / {} GiB bound</text>",
            y + 24,
            y + 24,
            y + 44,
            gib(bound),
            gib(node.memory_mb)
        );
    }
    let legend_y = 30 + topology.nodes.len() as u32 * ROW;
    let entries = plan
        .virtual_machines
        .iter()
        .enumerate()
        .map(|(i, vm)| (fill(Cell::Vm(i)), format!("{} ({} vCPUs)", vm.name, vm.vcpu_count)));
    let fixed = [
        (fill(Cell::Emulator), "emulator threads".to_string()),
        (fill(Cell::Free), "free".to_string()),
    ];
    for (line, (colour, label)) in entries.chain(fixed).enumerate() {
        let y = legend_y + line as u32 * 24;
        let _ = writeln!(
            out,
            "<rect x=\"4\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"{colour}\" stroke=\"#555\"/><text x=\"28\" y=\"{}\" \
             font-size=\"12\">{}</text>",
            y + 13,
            escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
