//! Secrets never leak: a random secret read by a `no_log` step (and one marked by the `secret`
//! filter) is used for real (in a file, in a command's environment) while numarun runs at its
//! most verbose with `--diff` and `--json-log` over SSH, and every process's command line on the
//! machine is read all the while. The secrets must appear in none of them; a step that would put
//! one on a command line is refused.

use crate::common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::Test;

fn random_secret() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("s3cr3t-{:x}-{:x}", nanos, std::process::id())
}

/// Every command line on the machine, read over and over until told to stop.
fn watch_command_lines(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<BTreeSet<String>> {
    std::thread::spawn(move || {
        let mut seen = BTreeSet::new();
        while !stop.load(Ordering::Relaxed) {
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                if let Ok(argv) = std::fs::read(entry.path().join("cmdline")) {
                    seen.insert(String::from_utf8_lossy(&argv).replace('\0', " "));
                }
            }
        }
        seen
    })
}

#[test]
fn a_secret_reaches_no_output_log_diff_label_error_or_command_line() {
    let t = Test::over_ssh();
    let secret = random_secret();
    let api_key = random_secret().replace("s3cr3t", "api-key");
    t.write("secret", &secret).write("api-key", &api_key).write("work/.keep", "").write(
        "play.yaml",
        r#"
- hosts: localhost
  vars:
    # From a file here; `lookup('env', …) | secret` marks an environment variable the same way.
    api_key: "{{ lookup('file', '{dir}/api-key') | secret }}"
  tasks:
    - name: a variable marked secret
      debug: { msg: "key {{ api_key }}" }
    - name: read the secret
      command: { argv: [cat, "{dir}/secret"] }
      register: token
      no_log: true
      changed_when: false
    - name: into a file
      copy: { dest: "{dir}/work/app.env", content: "TOKEN={{ token.stdout }}\n", mode: "0600" }
    - name: through the environment
      shell: 'test "$TOKEN" = "$(cat {dir}/secret)" && sleep 0.2'
      environment: { TOKEN: "{{ token.stdout }}" }
      changed_when: false
    - name: in a loop label
      debug: { msg: "item {{ item }}" }
      loop: ["{{ token.stdout }}", plain]
    - name: on a command line
      command: { argv: [echo, "{{ token.stdout }}"] }
      ignore_errors: true
    - name: in a shell script
      shell: "echo {{ token.stdout }}"
      ignore_errors: true
    - name: in an error
      assert: { that: "token.stdout == 'nope'", fail_msg: "expected nope, got {{ token.stdout }}" }
"#,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_command_lines(Arc::clone(&stop));
    let run = t.run(&["play", "play.yaml", "-vvvv", "--diff"]);
    stop.store(true, Ordering::Relaxed);
    let command_lines = watcher.join().unwrap();

    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(t.read("work/app.env"), format!("TOKEN={secret}\n"), "the secret was used");
    let log = serde_json::to_string(&run.events).unwrap();
    for (place, text) in [("output", &run.stdout), ("errors", &run.stderr), ("JSON log", &log)] {
        assert!(
            !text.contains(&secret) && !text.contains(&api_key),
            "a secret is in the {place}:\n{text}"
        );
    }
    assert!(run.stdout.contains("key <redacted>"), "{}", run.stdout);
    assert!(
        !command_lines.iter().any(|line| line.contains(&secret)),
        "the secret was on a command line"
    );
    assert!(
        command_lines.iter().any(|line| line.contains("sshd")),
        "the watch saw no sshd: it saw nothing"
    );
    assert_eq!(
        run.with_status("ok").iter().filter(|s| s.ends_with("through the environment")).count(),
        1,
        "{}",
        run.stdout
    );
    let refused = "with a secret in its command line, where every user of the host can read it";
    assert_eq!(run.stdout.matches(refused).count(), 2, "{}", run.stdout);
    assert!(run.stdout.contains("item <redacted>"), "{}", run.stdout);
    assert!(
        run.stdout.contains("+TOKEN=<redacted>"),
        "the diff shows the line, redacted\n{}",
        run.stdout
    );
}
