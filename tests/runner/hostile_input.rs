//! Hostile input, mutated from real input: every playbook, inventory, plan and template of the
//! repository, bent by seeded byte mutations (flips, cuts, splices, repeated spans), is fed to the
//! loaders in-process. None may panic; each either loads or says what is wrong. This is not
//! coverage-guided fuzzing, but it runs on the stable toolchain in every test run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use numarun::model::{Inventory, Playbook};
use numarun::numa::VmPlan;
use numarun::template::Templater;

const MUTANTS_PER_INPUT: usize = 300;

struct Seeded(u64);

impl Seeded {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}

/// Bytes YAML and Jinja give meaning to.
const SPECIAL: &[&[u8]] = &[
    b":",
    b"- ",
    b"&a ",
    b"*a",
    b"!!binary ",
    b"{{ ",
    b" }}",
    b"{%",
    b"%}",
    b"\"",
    b"'",
    b"\n  ",
    b"\t",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\xff",
    b"#",
];

fn mutate(input: &[u8], rng: &mut Seeded) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            2 => bytes
                .splice(at..at, SPECIAL[rng.below(SPECIAL.len())].iter().copied())
                .for_each(drop),
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let span = bytes[at..end].to_vec();
                bytes.splice(at..at, span.iter().chain(&span).copied()).for_each(drop);
            }
            _ => {
                let end = (at + rng.below(32)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

fn inputs(dir: &str, ext: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if ext.iter().any(|e| path.extension().is_some_and(|x| x == *e)) {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(!found.is_empty(), "no inputs under {dir}");
    found
}

/// Feeds every mutant of every input to `load`; a panic fails the test, naming the mutant.
fn survives(name: &str, inputs: &[PathBuf], load: impl Fn(&Path) -> Result<(), String>) {
    let scratch = tempfile::tempdir().unwrap();
    let mut rng = Seeded(0x0dd_ba11_2026);
    let (mut loaded, mut refused) = (0, 0);
    for input in inputs {
        let original = std::fs::read(input).unwrap();
        for index in 0..MUTANTS_PER_INPUT {
            let mutant = scratch.path().join(input.file_name().unwrap());
            std::fs::write(&mutant, mutate(&original, &mut rng)).unwrap();
            match catch_unwind(AssertUnwindSafe(|| load(&mutant))) {
                Ok(Ok(())) => loaded += 1,
                Ok(Err(message)) => {
                    assert!(
                        !message.trim().is_empty(),
                        "{name}: an empty error for mutant {index} of {}",
                        input.display()
                    );
                    refused += 1;
                }
                Err(_) => {
                    let kept = scratch.path().join("panicked");
                    std::fs::copy(&mutant, &kept).unwrap();
                    panic!(
                        "{name}: mutant {index} of {} panicked (kept as {})",
                        input.display(),
                        kept.display()
                    );
                }
            }
        }
    }
    assert!(
        refused > 0 && loaded + refused == inputs.len() * MUTANTS_PER_INPUT,
        "{name}: {loaded} loaded, {refused} refused"
    );
}

#[test]
fn mutated_playbooks_load_or_say_why() {
    survives("playbook", &inputs("playbooks", &["yaml"]), |path| {
        Playbook::load(path).map(drop).map_err(|e| e.to_string())
    });
}

#[test]
fn mutated_inventories_load_or_say_why() {
    survives("inventory", &inputs("inventory", &["yaml", "ini"]), |path| {
        Inventory::load(path).map(drop).map_err(|e| e.to_string())
    });
}

#[test]
fn mutated_vm_plans_load_or_say_why() {
    let plans = [inputs("examples", &["json"]), inputs("lab", &["yaml"])].concat();
    survives("plan", &plans, |path| VmPlan::load(path).map(drop).map_err(|e| e.to_string()));
}

#[test]
fn mutated_templates_render_or_say_why() {
    let templater = Templater::new();
    let context = minijinja::context! { vm_memory_gb => 2, pg_version => 15, item => "x" };
    survives("template", &inputs("templates", &["j2"]), |path| {
        let source = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        templater.render("mutant", &source, &context).map(drop).map_err(|e| e.to_string())
    });
}
