//! Every module, run for real in a temporary directory, on this machine and
//! again over SSH through a real sshd: check mode predicts exactly what the
//! first run changes and touches nothing; the first run changes; the second
//! changes nothing and leaves the same bytes and modes.

mod common;

use common::{Test, runs_as_root};

/// Each case runs twice: on the local target and on the SSH target.
macro_rules! on_both_targets {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[test]
            fn local() {
                super::$case(super::Test::local());
            }
            #[test]
            fn ssh() {
                super::$case(super::Test::over_ssh());
            }
        }
    )*};
}

on_both_targets!(
    base_image_module,
    cloud_init_iso_module,
    qemu_img_module,
    file_module,
    file_refuses_to_replace_a_file_with_a_link,
    file_hard_links_times_and_follow_converge,
    copy_module,
    copy_keeps_mode_and_replaces_atomically,
    copy_of_a_folder_converges,
    template_module,
    lineinfile_module,
    lineinfile_on_a_file_an_earlier_step_makes,
    blockinfile_module,
    sysctl_module_drop_in,
    sysfs_module_sets_every_file_a_pattern_names,
    cron_module_in_a_cron_file,
    command_and_shell_guards,
    unguarded_command_is_unknown_in_check_mode_and_later_steps_still_check,
    command_failure_fails_the_host,
    assert_set_fact_debug_change_nothing,
    failed_assert_names_the_condition,
    include_vars_and_include_tasks_converge,
    symbolic_modes_converge,
    replace_module,
    fetch_module,
    reading_modules_register_and_change_nothing,
    tempfile_makes_a_new_one_each_run_and_none_in_check_mode,
    user_and_group_converge,
    file_modules_further_arguments_converge,
    get_url_and_uri,
    known_hosts_recurse_and_remote_src_converge,
    unarchive_converges,
    apt_deb_converges,
    apt_key_converges,
);

/// The run-twice contract, with `expected` the steps the first run changes.
fn converges(t: &Test, expected: &[&str]) {
    let before = t.tree("work");
    let check = t.run(&["play", "play.yaml", "--check"]);
    assert_eq!(check.code, 0, "check run failed\n{}\n{}", check.stdout, check.stderr);
    assert_eq!(t.tree("work"), before, "check mode changed files");

    let first = t.run(&["play", "play.yaml"]);
    first.ok();
    let changed = first.with_status("changed");
    let expected: Vec<String> = expected.iter().map(|s| format!("localhost:{s}")).collect();
    assert_eq!(changed, expected, "first run\n{}", first.stdout);
    assert_eq!(
        check.with_status("changed"),
        changed,
        "check mode predicted otherwise\n{}",
        check.stdout
    );
    let after_first = t.tree("work");

    let second = t.run(&["play", "play.yaml"]);
    second.ok();
    assert_eq!(
        second.with_status("changed"),
        Vec::<String>::new(),
        "second run changed\n{}",
        second.stdout
    );
    assert_eq!(second.changed("localhost"), 0);
    assert_eq!(t.tree("work"), after_first, "second run altered files");
}

fn file_module(t: Test) {
    t.write("work/existing", "keep\n").write("work/gone", "x").write(
        "play.yaml",
        r#"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - name: dir
      file: { path: "{{ w }}/d/e", state: directory, mode: "0750" }
    - name: touch
      file: { path: "{{ w }}/t", state: touch, mode: "0600" }
    - name: link
      file: { path: "{{ w }}/l", state: link, src: existing }
    - name: absent
      file: { path: "{{ w }}/gone", state: absent }
    - name: chmod
      file: { path: "{{ w }}/existing", mode: "0604" }
"#,
    );
    converges(&t, &["dir", "touch", "link", "absent", "chmod"]);
    let tree = t.tree("work");
    assert_eq!(
        tree[std::path::Path::new("d/e")].split(' ').take(2).collect::<Vec<_>>(),
        ["dir", "750"]
    );
    assert!(tree[std::path::Path::new("t")].starts_with("file 600"));
    assert_eq!(tree[std::path::Path::new("l")], "link -> existing");
    assert!(!tree.contains_key(std::path::Path::new("gone")));
    assert!(tree[std::path::Path::new("existing")].starts_with("file 604"));
}

fn file_refuses_to_replace_a_file_with_a_link(t: Test) {
    t.write("work/f", "data")
        .write("play.yaml", "- hosts: localhost\n  tasks:\n    - file: { path: \"{dir}/work/f\", state: link, src: /etc/hostname }\n");
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("refusing to replace it with a link without force: true"),
        "{}",
        run.stdout
    );
    assert_eq!(t.read("work/f"), "data");
}

/// Writes `play.yaml`: these steps on this machine, with `w` the test's `work` folder.
fn play_on_work(t: &Test, tasks: &str) {
    t.write(
        "play.yaml",
        &format!("- hosts: localhost\n  vars: {{ w: \"{{dir}}/work\" }}\n  tasks:{tasks}"),
    );
}

/// `state: hard` (made, and over a file only with `force`), times set from Ansible's format
/// and from one of the play's, and `follow` acting on the file a link points to. (The access
/// time is in the future: reading the file, as this test does between runs, moves an access
/// time in the past to now under the `relatime` mount option.)
fn file_hard_links_times_and_follow_converge(t: Test) {
    t.write("work/existing", "shared\n")
        .write("work/other", "replaced\n")
        .write("work/real", "behind a link\n");
    play_on_work(
        &t,
        r#"
    - name: hard
      file: { path: "{{ w }}/h", src: "{{ w }}/existing", state: hard }
    - name: hard over a file
      file: { path: "{{ w }}/other", src: "{{ w }}/existing", state: hard, force: true }
    - name: times
      file:
        path: "{{ w }}/stamped"
        state: touch
        modification_time: "202312241830.05"
        access_time: "24/12/2099 06:00"
        access_time_format: "%d/%m/%Y %H:%M"
    - name: follow
      file: { path: "{{ w }}/link", mode: "0640" }
"#,
    );
    std::os::unix::fs::symlink("real", t.path().join("work/link")).unwrap();
    converges(&t, &["hard", "hard over a file", "times", "follow"]);
    use std::os::unix::fs::MetadataExt;
    let meta = |p: &str| std::fs::metadata(t.path().join("work").join(p)).unwrap();
    assert_eq!(meta("h").ino(), meta("existing").ino());
    assert_eq!(meta("other").ino(), meta("existing").ino());
    assert_eq!(t.read("work/other"), "shared\n");
    let local = |when: &str| {
        let out = std::process::Command::new("date").args(["-d", when, "+%s"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse::<i64>().unwrap()
    };
    assert_eq!(meta("stamped").mtime(), local("2023-12-24 18:30:05"));
    assert_eq!(meta("stamped").atime(), local("2099-12-24 06:00:00"));
    assert_eq!(meta("real").mode() & 0o7777, 0o640);
    assert!(std::fs::symlink_metadata(t.path().join("work/link")).unwrap().is_symlink());
}

/// `copy` of a controller folder: the folder itself (`src: site`) with `directory_mode` for the
/// folders it makes, and what is inside it (`src: site/`); a `checksum` the content has; and an
/// absolute `src` that is a file, not a folder; and a folder on the host (`remote_src`).
fn copy_of_a_folder_converges(t: Test) {
    t.write("files/site/index.html", "<h1>hi</h1>\n")
        .write("files/site/css/main.css", "h1 { color: red }\n")
        .write("work/flat/index.html", "stale\n")
        .write("work/on-host/conf/app.conf", "port = 80\n");
    play_on_work(
        &t,
        r#"
    - name: folder
      copy: { src: site, dest: "{{ w }}/www", directory_mode: "0750", mode: "0640" }
    - name: contents
      copy: { src: "site/", dest: "{{ w }}/flat" }
    - name: checksum
      copy: { content: "x\n", dest: "{{ w }}/c", checksum: 6fcf9dfbd479ed82697fee719b9f8c610a11ff2a }
    - name: absolute file
      copy: { src: "{dir}/files/site/index.html", dest: "{{ w }}/abs.html" }
    - name: host folder
      copy: { src: "{{ w }}/on-host", dest: "{{ w }}/mirror", remote_src: true }
"#,
    );
    std::fs::create_dir_all(t.path().join("files/site/empty")).unwrap();
    converges(&t, &["folder", "contents", "checksum", "absolute file", "host folder"]);
    assert_eq!(t.read("work/mirror/on-host/conf/app.conf"), "port = 80\n");
    let tree = t.tree("work");
    let entry = |p: &str| tree[std::path::Path::new(p)].split(' ').take(2).collect::<Vec<_>>();
    assert_eq!(entry("www/site"), ["dir", "750"]);
    assert_eq!(entry("www/site/css"), ["dir", "750"]);
    assert_eq!(entry("www/site/empty"), ["dir", "750"]);
    assert_eq!(entry("www/site/css/main.css"), ["file", "640"]);
    assert_eq!(t.read("work/flat/index.html"), "<h1>hi</h1>\n");
    assert_eq!(t.read("work/flat/css/main.css"), "h1 { color: red }\n");
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - copy: { content: \"y\\n\", dest: \"{dir}/work/c\", checksum: 6fcf9dfbd479ed82697fee719b9f8c610a11ff2a }\n",
    );
    let refused = t.run(&["play", "play.yaml"]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(refused.stdout.contains("does not match the expected checksum"), "{}", refused.stdout);
    assert_eq!(t.read("work/c"), "x\n");
}

fn copy_module(t: Test) {
    t.write("files/payload.bin", "from src\n")
        .write("work/kept", "mine\n")
        .write("work/into/.keep", "")
        .write(
            "play.yaml",
            r#"
- hosts: localhost
  tasks:
    - name: content
      copy: { dest: "{dir}/work/c.txt", content: "line one\nline two\n", mode: "0640" }
    - name: src
      copy: { src: payload.bin, dest: "{dir}/work/s.bin" }
    - name: into dir
      copy: { src: payload.bin, dest: "{dir}/work/into/" }
    - name: not forced
      copy: { dest: "{dir}/work/kept", content: "theirs\n", force: false }
"#,
        );
    converges(&t, &["content", "src", "into dir"]);
    assert_eq!(t.read("work/c.txt"), "line one\nline two\n");
    assert_eq!(t.read("work/s.bin"), "from src\n");
    assert_eq!(t.read("work/into/payload.bin"), "from src\n");
    assert_eq!(t.read("work/kept"), "mine\n");
}

fn copy_keeps_mode_and_replaces_atomically(t: Test) {
    t.write("work/f", "old\n")
        .write("play.yaml", "- hosts: localhost\n  tasks:\n    - copy: { dest: \"{dir}/work/f\", content: \"new\\n\" }\n");
    std::fs::set_permissions(
        t.path().join("work/f"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    t.run(&["play", "play.yaml"]).ok();
    assert_eq!(t.read("work/f"), "new\n");
    assert!(t.tree("work")[std::path::Path::new("f")].starts_with("file 600"), "mode kept");
    let leftovers: Vec<_> = std::fs::read_dir(t.path().join("work"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("numarun"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn template_module(t: Test) {
    t.write(
        "templates/app.conf.j2",
        "# {{ ansible_managed | default('managed by numarun') }}\nname = {{ name | upper }}\n{% for p in ports %}\nlisten {{ p }}\n{% endfor %}\nmem = {{ (ram_gb * 0.25) | int }}GB\n",
    )
    .write(
        "play.yaml",
        r#"
- hosts: localhost
  vars: { name: pg, ports: [80, 443], ram_gb: 60 }
  tasks:
    - name: render
      template: { src: app.conf.j2, dest: "{dir}/work/app.conf", mode: "0644" }
"#,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    converges(&t, &["render"]);
    assert_eq!(
        t.read("work/app.conf"),
        "# managed by numarun\nname = PG\nlisten 80\nlisten 443\nmem = 15GB\n"
    );
}

fn lineinfile_module(t: Test) {
    t.write("work/conf", "# settings\nport = 1\nname = x\n")
        .write("work/hosts", "127.0.0.1 localhost\nremove me\n")
        .write(
            "play.yaml",
            r#"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - name: replace
      lineinfile: { path: "{{ w }}/conf", regexp: '^port\s*=', line: "port = 5432" }
    - name: after
      lineinfile: { path: "{{ w }}/conf", line: "listen = '*'", insertafter: '^# settings' }
    - name: append
      lineinfile: { path: "{{ w }}/hosts", line: "10.99.0.2 data" }
    - name: absent
      lineinfile: { path: "{{ w }}/hosts", regexp: '^remove', state: absent }
    - name: create
      lineinfile: { path: "{{ w }}/new", line: "only", create: true }
"#,
        );
    converges(&t, &["replace", "after", "append", "absent", "create"]);
    assert_eq!(t.read("work/conf"), "# settings\nlisten = '*'\nport = 5432\nname = x\n");
    assert_eq!(t.read("work/hosts"), "127.0.0.1 localhost\n10.99.0.2 data\n");
    assert_eq!(t.read("work/new"), "only\n");
}

fn blockinfile_module(t: Test) {
    t.write("work/fstab", "/dev/root / ext4 defaults 0 1\n").write(
        "play.yaml",
        r##"
- hosts: localhost
  tasks:
    - name: block
      blockinfile:
        path: "{dir}/work/fstab"
        marker: "# {mark} numarun data tiers"
        block: |
          LABEL=hot-storage /data/hot ext4 defaults,noatime,nodiratime 0 2
          LABEL=lake-storage /data/lake ext4 defaults,noatime,commit=60 0 2
"##,
    );
    converges(&t, &["block"]);
    let first = t.read("work/fstab");
    assert_eq!(first.matches("hot-storage").count(), 1);
    // A changed block replaces the old one instead of adding a second.
    t.write("play.yaml", &t.read("play.yaml").replace("commit=60", "commit=120"));
    t.run(&["play", "play.yaml"]).ok();
    let second = t.read("work/fstab");
    assert_eq!(second.matches("# BEGIN numarun data tiers").count(), 1);
    assert!(second.contains("commit=120") && !second.contains("commit=60"));
    assert!(second.starts_with("/dev/root / ext4 defaults 0 1\n"));
}

fn sysctl_module_drop_in(t: Test) {
    t.write("work/99-test.conf", "# tuning\nkernel.numa_balancing = 1\nvm.swappiness=10\nkernel.numa_balancing=1\n").write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: numa balancing off
      sysctl: { name: kernel.numa_balancing, value: "0", sysctl_file: "{dir}/work/99-test.conf", sysctl_set: false }
"#,
    );
    converges(&t, &["numa balancing off"]);
    assert_eq!(
        t.read("work/99-test.conf"),
        "# tuning\nkernel.numa_balancing = 0\nvm.swappiness=10\n"
    );
}

/// The live value, in a network namespace of its own so the machine's kernel is untouched.
#[test]
fn sysctl_module_live_value_in_private_netns() {
    if !common::runs_as_root("a private network namespace") {
        return;
    }
    let unshare = std::process::Command::new("unshare").args(["-n", "true"]).status();
    if !unshare.is_ok_and(|s| s.success()) {
        common::skip("`unshare -n` cannot make a network namespace here");
        return;
    }
    let t = Test::new();
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: forward
      sysctl: { name: net.ipv4.ip_forward, value: "1", sysctl_file: "{dir}/work/fw.conf" }
    - name: read back
      command: cat /proc/sys/net/ipv4/ip_forward
      register: live
      changed_when: false
    - assert: { that: "live.stdout == '1'" }
    - name: rerun is a no-op
      sysctl: { name: net.ipv4.ip_forward, value: "1", sysctl_file: "{dir}/work/fw.conf" }
"#,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    let output = std::process::Command::new("unshare")
        .args(["-n", env!("CARGO_BIN_EXE_numarun"), "play", "play.yaml", "--json-log", "log.jsonl"])
        .current_dir(t.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let log = t.read("log.jsonl");
    let results: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["event"] == "step_result")
        .collect();
    assert_eq!(results[0]["status"], "changed");
    assert_eq!(results[3]["status"], "ok", "{stdout}");
    assert_eq!(t.read("work/fw.conf"), "net.ipv4.ip_forward = 1\n");
}

fn command_and_shell_guards(t: Test) {
    t.write("work/present", "").write(
        "play.yaml",
        r#"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - name: creates
      command: touch {{ w }}/made
      args: { creates: "{{ w }}/made" }
    - name: removes
      shell: rm {{ w }}/present
      args: { removes: "{{ w }}/present" }
    - name: check guard
      shell: echo done > {{ w }}/checked
      args: { check: "test -s {{ w }}/checked" }
    - name: argv
      command: { argv: [touch, "{{ w }}/with space"], creates: "{{ w }}/with space" }
"#,
    );
    converges(&t, &["creates", "removes", "check guard", "argv"]);
    assert_eq!(t.read("work/checked"), "done\n");
    assert!(t.path().join("work/with space").exists());
}

fn unguarded_command_is_unknown_in_check_mode_and_later_steps_still_check(t: Test) {
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: unguarded
      command: touch {dir}/work/x
    - name: after
      file: { path: "{dir}/work/d", state: directory }
"#,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    let check = t.run(&["play", "play.yaml", "--check"]);
    check.ok();
    assert_eq!(check.with_status("unknown"), ["localhost:unguarded"]);
    assert_eq!(check.with_status("changed"), ["localhost:after"]);
    assert!(!t.path().join("work/x").exists() && !t.path().join("work/d").exists());
    assert_eq!(check.recap("localhost")["unknown"], 1);
    // Without a guard, a command changes every time: that is what it reports.
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.with_status("changed"), ["localhost:unguarded", "localhost:after"]);
}

/// A fake /sys: two CPUs' governors and a THP file that offers choices.
fn sysfs_module_sets_every_file_a_pattern_names(t: Test) {
    t.write("work/sys/cpu0/cpufreq/scaling_governor", "powersave\n");
    t.write("work/sys/cpu1/cpufreq/scaling_governor", "performance\n");
    t.write("work/sys/thp/enabled", "always [madvise] never\n");
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: governor
      sysfs: { path: "{dir}/work/sys/cpu*/cpufreq/scaling_governor", value: performance }
    - name: thp
      sysfs: { path: "{dir}/work/sys/thp/enabled", value: always }
    - name: absent
      sysfs: { path: "{dir}/work/sys/cpu*/cpufreq/nothing", value: x, missing: skip }
      register: absent
    - assert: { that: "not absent.present and not absent.changed" }
"#,
    );
    converges(&t, &["governor", "thp"]);
    assert_eq!(t.read("work/sys/cpu0/cpufreq/scaling_governor"), "performance\n");
    assert_eq!(t.read("work/sys/thp/enabled"), "always\n");
    // Without `missing: skip`, a setting the host lacks fails the step.
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - name: lacking\n      sysfs: { path: \"{dir}/work/sys/none\", value: x }\n",
    );
    let lacking = t.run(&["play", "play.yaml"]);
    assert_eq!(lacking.with_status("failed"), ["localhost:lacking"]);
    assert!(lacking.stdout.contains("this host has no"), "{}", lacking.stdout);
}

/// A file an earlier step makes (a package's or initdb's config) is not there in a dry run: the
/// edit is unknown there, done in a real run, and a failure when nothing makes the file.
fn lineinfile_on_a_file_an_earlier_step_makes(t: Test) {
    t.write(
        "play.yaml",
        r##"
- hosts: localhost
  tasks:
    - name: made
      copy: { dest: "{dir}/work/app.conf", content: "# made by its package\nport = 1\n" }
    - name: edited
      lineinfile: { path: "{dir}/work/app.conf", regexp: '^port', line: port = 2 }
"##,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    let check = t.run(&["play", "play.yaml", "--check"]);
    check.ok();
    assert_eq!(check.with_status("unknown"), ["localhost:edited"]);
    assert!(!t.path().join("work/app.conf").exists());
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.with_status("changed"), ["localhost:made", "localhost:edited"]);
    assert_eq!(
        std::fs::read_to_string(t.path().join("work/app.conf")).unwrap(),
        "# made by its package\nport = 2\n"
    );
    // Nothing makes it: a real run fails, saying how to have it made.
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - name: orphan\n      lineinfile: { path: \"{dir}/work/none.conf\", line: x }\n",
    );
    let orphan = t.run(&["play", "play.yaml"]);
    assert_eq!(orphan.with_status("failed"), ["localhost:orphan"]);
    assert!(orphan.stdout.contains("does not exist (create: true makes it)"), "{}", orphan.stdout);
}

fn command_failure_fails_the_host(t: Test) {
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - name: boom\n      shell: echo oops >&2; exit 3\n    - name: never\n      debug: { msg: no }\n",
    );
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.with_status("failed"), ["localhost:boom"]);
    assert!(run.stdout.contains("exited with 3: oops"), "{}", run.stdout);
    assert!(!run.stdout.contains("never"));
}

/// The libvirt modules talk to the libvirt of the machine the step runs on: over SSH, the local
/// URI names another machine's (the controller's), so the step refuses, in check mode too, before
/// asking any libvirt.
#[test]
fn libvirt_modules_refuse_a_local_uri_for_a_step_on_another_host() {
    let t = Test::over_ssh();
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - name: domain\n      libvirt_domain: { name: numarun-nowhere, state: absent }\n",
    );
    for args in [&["play", "play.yaml"][..], &["play", "play.yaml", "--check"]] {
        let run = t.run(args);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert_eq!(run.with_status("failed"), ["localhost:domain"]);
        assert!(
            run.stdout.contains("is the libvirt of the machine numarun runs on"),
            "{}",
            run.stdout
        );
    }
}

fn assert_set_fact_debug_change_nothing(t: Test) {
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - set_fact: { answer: "{{ 6 * 7 }}", words: "{{ 'a b' | split }}" }
    - assert: { that: ["answer == 42", "words | length == 2"], success_msg: fine }
    - debug: { msg: "answer={{ answer }}" }
    - debug: { var: words }
"#,
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    converges(&t, &[]);
    let run = t.run(&["play", "play.yaml"]);
    assert!(run.stdout.contains("answer=42"));
    assert!(run.stdout.contains("words = ['a', 'b']"), "{}", run.stdout);
}

/// The steps an include reads run on the target like any other, check mode included; the
/// variables `include_vars` reads are templated when used.
fn include_vars_and_include_tasks_converge(t: Test) {
    t.write(
        "vars/site.yml",
        "greeting: hello
message: \"{{ greeting }} from {{ part }}\"\n",
    );
    t.write(
        "parts/write.yml",
        "- copy: { dest: \"{dir}/work/{{ part }}.txt\", content: \"{{ message }}\\n\", mode: '0640' }\n",
    );
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - include_vars: site.yml\n\
         \x20   - include_tasks: parts/write.yml\n      loop: [one, two]\n      loop_control: { loop_var: part }\n",
    );
    std::fs::create_dir(t.path().join("work")).unwrap();
    converges(&t, &["copy", "copy"]);
    assert_eq!(t.read("work/two.txt"), "hello from two\n");
}

/// Symbolic modes, absolute and relative, set the bits chmod would and then change nothing.
fn symbolic_modes_converge(t: Test) {
    t.write("work/script", "#!/bin/sh\n");
    std::fs::set_permissions(
        t.path().join("work/script"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n\
         \x20   - file: { path: \"{dir}/work/d\", state: directory, mode: 'u=rwx,g=rx,o=' }\n\
         \x20   - copy: { dest: \"{dir}/work/d/f\", content: \"x\\n\", mode: 'u=rw,go=r' }\n\
         \x20   - file: { path: \"{dir}/work/script\", mode: 'u+x,g-r' }\n",
    );
    converges(&t, &["file", "copy", "file"]);
    let mode = |p: &str| {
        std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(t.path().join(p)).unwrap().permissions(),
        ) & 0o7777
    };
    assert_eq!((mode("work/d"), mode("work/d/f"), mode("work/script")), (0o750, 0o644, 0o704));
}

fn failed_assert_names_the_condition(t: Test) {
    t.write(
        "play.yaml",
        "- hosts: localhost\n  vars: { nodes: 1 }\n  tasks:\n    - assert: { that: nodes == 2 }\n",
    );
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("assertion failed: nodes == 2"), "{}", run.stdout);
}

#[test]
fn owner_and_group_by_name() {
    if !runs_as_root("chown") {
        return;
    }
    let t = Test::local();
    t.write("play.yaml", "- hosts: localhost\n  tasks:\n    - name: own\n      file: { path: \"{dir}/work/o\", state: directory, owner: nobody, group: nogroup }\n");
    std::fs::create_dir(t.path().join("work")).unwrap();
    converges(&t, &["own"]);
    assert!(t.tree("work")[std::path::Path::new("o")].ends_with("65534:65534"));
}

fn cloud_init_iso_module(t: Test) {
    let play = |hostname: &str| {
        format!(
            "- hosts: localhost\n  tasks:\n    - name: seed\n      cloud_init_iso:\n        path: \"{{dir}}/work/seed.iso\"\n\
             \x20       hostname: {hostname}\n        users: [{{ username: admin, ssh_authorized_keys: ['ssh-ed25519 AAAAtest admin@x'] }}]\n\
             \x20       host_keys: {{ ed25519: {{ private: \"PRIVATE\\n\", public: ssh-ed25519 AAAAhost }} }}\n"
        )
    };
    t.write("work/.keep", "").write("play.yaml", &play("vm-one"));
    converges(&t, &["seed"]);
    let extract = |file: &str| {
        let out = t.path().join(format!("extracted{}", file.replace('/', "-")));
        let _ = std::fs::remove_file(&out);
        let status = std::process::Command::new("xorriso")
            .args(["-osirrox", "on", "-indev"])
            .arg(t.path().join("work/seed.iso"))
            .args(["-extract", file])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(out).unwrap()
    };
    let user_data = extract("/user-data");
    assert!(user_data.starts_with("#cloud-config\n"), "{user_data}");
    for expected in [
        "hostname: vm-one",
        "name: admin",
        "ssh-ed25519 AAAAtest admin@x",
        "ed25519_public: ssh-ed25519 AAAAhost",
    ] {
        assert!(user_data.contains(expected), "{expected} missing from\n{user_data}");
    }
    assert_eq!(extract("/meta-data"), "instance-id: vm-one\nlocal-hostname: vm-one\n");
    assert!(
        t.tree("work")[std::path::Path::new("seed.iso")].starts_with("file 600"),
        "the seed holds a private key"
    );

    // A changed document rebuilds the seed once; the private key never reaches the output.
    t.write("play.yaml", &play("vm-two"));
    let changed = t.run(&["play", "play.yaml", "--diff"]);
    changed.ok();
    assert_eq!(changed.changed("localhost"), 1);
    assert!(!changed.stdout.contains("PRIVATE"), "{}", changed.stdout);
    assert!(extract("/user-data").contains("hostname: vm-two"));
    assert_eq!(t.run(&["play", "play.yaml"]).changed("localhost"), 0);
    assert!(
        !t.tree("work").keys().any(|k| k.to_string_lossy().contains("partial")),
        "a partial ISO was left"
    );

    // The host key from files ssh-keygen makes in the step before, as phase 3 does: a dry run
    // cannot read them yet (unknown), a real run puts them in the seed, the output never shows
    // the private key, and the seed's first-boot packages enable the guest agent.
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: key
      command:
        argv: [ssh-keygen, -q, -t, ed25519, -N, "", -C, vm-three, -f, "{dir}/work/vm-three"]
        creates: "{dir}/work/vm-three"
    - name: seed
      cloud_init_iso:
        path: "{dir}/work/seed.iso"
        hostname: vm-three
        host_key_files: { ed25519: "{dir}/work/vm-three" }
        packages: [qemu-guest-agent, python3, curl]
"#,
    );
    let dry = t.run(&["play", "play.yaml", "--check"]);
    dry.ok();
    assert_eq!(dry.with_status("unknown"), ["localhost:seed"], "{}", dry.stdout);
    let made = t.run(&["play", "play.yaml", "--diff", "-v"]);
    made.ok();
    assert_eq!(made.with_status("changed"), ["localhost:key", "localhost:seed"]);
    let private = t.read("work/vm-three");
    let secret_line = private.lines().nth(1).unwrap();
    assert!(!made.stdout.contains(secret_line), "the private key was printed");
    let user_data = extract("/user-data");
    assert!(user_data.contains(secret_line), "the seed lacks the private key");
    assert!(user_data.contains(t.read("work/vm-three.pub").trim()), "{user_data}");
    for expected in ["- qemu-guest-agent", "package_update: true", "- enable"] {
        assert!(user_data.contains(expected), "{expected} missing from\n{user_data}");
    }
    assert_eq!(t.run(&["play", "play.yaml"]).changed("localhost"), 0);
}

fn qemu_img_module(t: Test) {
    t.write("work/existing.qcow2", "not an image, and not ours to replace\n").write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n\
         \x20   - name: base\n      qemu_img: { path: \"{dir}/work/base.qcow2\", size: 16M }\n\
         \x20   - name: overlay\n      qemu_img: { path: \"{dir}/work/vm.qcow2\", size: 32M, backing_file: \"{dir}/work/base.qcow2\" }\n\
         \x20   - name: existing\n      qemu_img: { path: \"{dir}/work/existing.qcow2\", size: 16M }\n",
    );
    converges(&t, &["base", "overlay"]);
    let info = std::process::Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(t.path().join("work/vm.qcow2"))
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["virtual-size"], 32 * 1024 * 1024);
    assert_eq!(info["format"], "qcow2");
    assert!(info["backing-filename"].as_str().unwrap().ends_with("work/base.qcow2"), "{info}");
    assert_eq!(t.read("work/existing.qcow2"), "not an image, and not ours to replace\n");
}

/// A helper process that ends with the test, however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// sha256 of the text, as sha256sum prints it.
fn sha256(text: &str) -> String {
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn base_image_module(t: Test) {
    // A local mirror: a real HTTP server on loopback, serving the image by URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    t.write("mirror/base.img", "a base image\n").write("work/.keep", "");
    let _mirror = KillOnDrop(
        std::process::Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
            .arg(t.path().join("mirror"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let sum = sha256("a base image\n");
    t.write(
        "play.yaml",
        &format!(
            "- hosts: localhost\n  tasks:\n\
             \x20   - name: by path\n      base_image: {{ src: \"{{dir}}/mirror/base.img\", dest: \"{{dir}}/work/a.img\", sha256: {sum} }}\n\
             \x20   - name: by url\n      base_image: {{ src: \"http://127.0.0.1:{port}/base.img\", dest: \"{{dir}}/work/b.img\", sha256: {sum} }}\n"
        ),
    );
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    converges(&t, &["by path", "by url"]);
    assert_eq!(t.read("work/b.img"), "a base image\n");

    // A download that does not match its checksum is never put in place.
    t.write("mirror/base.img", "tampered\n").write(
        "wrong.yaml",
        &format!(
            "- hosts: localhost\n  tasks:\n    - base_image: {{ src: \"http://127.0.0.1:{port}/base.img\", dest: \"{{dir}}/work/c.img\", \
             sha256: {sum} }}\n"
        ),
    );
    let wrong = t.run(&["play", "wrong.yaml"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stdout.contains("not put in place"), "{}", wrong.stdout);
    assert!(
        !t.path().join("work/c.img").exists()
            && !t.path().join("work/c.img.numarun-partial").exists()
    );
}

fn cron_module_in_a_cron_file(t: Test) {
    t.write("work/cron", "# the admin's\n0 1 * * * root /usr/bin/true\n").write(
        "play.yaml",
        r#"
- hosts: localhost
  vars: { file: "{dir}/work/cron" }
  tasks:
    - name: set
      cron: { name: monitor, minute: "*/5", job: /usr/local/bin/monitor.sh, user: root, cron_file: "{{ file }}" }
    - name: nightly
      cron: { name: nightly, special_time: daily, job: /usr/local/bin/nightly.sh, cron_file: "{{ file }}" }
    - name: gone
      cron: { name: never-there, state: absent, cron_file: "{{ file }}" }
"#,
    );
    converges(&t, &["set", "nightly"]);
    assert_eq!(
        t.read("work/cron"),
        "# the admin's\n0 1 * * * root /usr/bin/true\n#Ansible: monitor\n*/5 * * * * root /usr/local/bin/monitor.sh\n\
         #Ansible: nightly\n@daily root /usr/local/bin/nightly.sh\n"
    );
    // A changed schedule replaces the job in place; removing it leaves the admin's lines.
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - cron: { name: monitor, minute: '*/10', job: /usr/local/bin/monitor.sh, cron_file: '{dir}/work/cron' }\n\
         \x20   - cron: { name: nightly, state: absent, cron_file: '{dir}/work/cron' }\n",
    );
    t.run(&["play", "play.yaml"]).ok();
    assert_eq!(
        t.read("work/cron"),
        "# the admin's\n0 1 * * * root /usr/bin/true\n#Ansible: monitor\n*/10 * * * * root /usr/local/bin/monitor.sh\n"
    );
}

/// A loop device over a sparse file in the test's folder, detached (and unmounted) at the end.
struct LoopDevice {
    device: String,
    mount_point: std::path::PathBuf,
}

impl LoopDevice {
    fn new(t: &Test) -> LoopDevice {
        let image = t.path().join("disk.img");
        std::fs::File::create(&image).unwrap().set_len(64 << 20).unwrap();
        let out = std::process::Command::new("losetup")
            .args(["-f", "--show"])
            .arg(&image)
            .output()
            .unwrap();
        assert!(out.status.success(), "losetup: {}", String::from_utf8_lossy(&out.stderr));
        LoopDevice {
            device: String::from_utf8_lossy(&out.stdout).trim().to_string(),
            mount_point: t.path().join("work/mnt"),
        }
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.mount_point).status();
        let _ = std::process::Command::new("losetup").args(["-d", &self.device]).status();
    }
}

#[test]
fn filesystem_and_mount_on_a_loop_device() {
    if !runs_as_root("a loop device") {
        return;
    }
    let t = Test::local();
    let disk = LoopDevice::new(&t);
    // A label of its own: LABEL= is resolved by scanning every block device of the machine.
    let label = format!("nrt{}", std::process::id());
    t.write("work/fstab", "# static file system information\nproc /proc proc defaults 0 0\n/dev/old {dir}/work/mnt ext2 defaults 0 0\n");
    t.write(
        "play.yaml",
        &format!(
            "- hosts: localhost\n  tasks:\n\
             \x20   - name: mkfs\n      filesystem: {{ dev: {dev}, fstype: ext4, label: {label}, opts: -m 1 }}\n\
             \x20   - name: mount\n      mount: {{ path: '{{dir}}/work/mnt', src: LABEL={label}, fstype: ext4, opts: 'defaults,noatime', passno: '2', state: mounted, fstab: '{{dir}}/work/fstab' }}\n",
            dev = disk.device
        ),
    );
    converges(&t, &["mkfs", "mount"]);
    let fstab = t.read("work/fstab");
    let entry =
        format!("LABEL={label} {}/work/mnt ext4 defaults,noatime 0 2\n", t.path().display());
    assert_eq!(
        fstab,
        format!("# static file system information\nproc /proc proc defaults 0 0\n{entry}")
    );
    let mounted = std::process::Command::new("findmnt")
        .args(["-n", "-o", "SOURCE,OPTIONS", "--mountpoint"])
        .arg(&disk.mount_point)
        .output()
        .unwrap();
    let mounted = String::from_utf8_lossy(&mounted.stdout);
    assert!(mounted.starts_with(&disk.device) && mounted.contains("noatime"), "{mounted}");

    // The device now holds a filesystem with data: asked for another one, numarun refuses.
    std::fs::write(disk.mount_point.join("keep"), "precious").unwrap();
    t.write(
        "other.yaml",
        &format!("- hosts: localhost\n  tasks:\n    - filesystem: {{ dev: {}, fstype: ext4, label: other }}\n", disk.device),
    );
    let refused = t.run(&["play", "other.yaml"]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    let why =
        format!("{} already holds ext4 labelled `{label}`, not ext4 labelled `other`", disk.device);
    assert!(
        refused.stdout.contains(&why) && refused.stdout.contains("force: true"),
        "{}",
        refused.stdout
    );
    assert_eq!(std::fs::read_to_string(disk.mount_point.join("keep")).unwrap(), "precious");

    // Absent: unmounted and out of fstab, every other line kept.
    t.write(
        "absent.yaml",
        "- hosts: localhost\n  tasks:\n    - mount: { path: '{dir}/work/mnt', state: absent, fstab: '{dir}/work/fstab' }\n",
    );
    let absent = t.run(&["play", "absent.yaml"]);
    absent.ok();
    assert_eq!(absent.changed("localhost"), 1);
    assert_eq!(
        t.read("work/fstab"),
        "# static file system information\nproc /proc proc defaults 0 0\n"
    );
    assert!(!disk.mount_point.join("keep").exists(), "still mounted");
}

#[test]
fn perf_report_judges_measurements_and_writes_json_and_markdown() {
    let t = Test::local();
    let play = |iops_min: u32| {
        format!(
            "- hosts: localhost\n  tasks:\n    - perf_report:\n        dest: '{{dir}}/out/report'\n        measurements:\n\
             \x20         - {{ name: iops, value: '12000.5', unit: IOPS, min: {iops_min} }}\n\
             \x20         - {{ name: latency, value: 0.4, unit: ms, max: 1 }}\n\
             \x20         - {{ name: cache hit ratio, value: '', min: 0.95, note: no user tables yet }}\n"
        )
    };
    t.write("pass.yaml", &play(10000)).write("miss.yaml", &play(20000));
    let pass = t.run(&["play", "pass.yaml"]);
    pass.ok();
    assert_eq!(pass.changed("localhost"), 0, "a report is output, not a change");
    let md = t.read("out/report.md");
    assert!(md.contains("| iops | 12000.5 IOPS | ≥ 10000 | pass |"), "{md}");
    assert!(
        md.contains("| cache hit ratio (no user tables yet) | not measured | ≥ 0.95 | – |"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&t.read("out/report.json")).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["measurements"][2]["verdict"], "none");

    let miss = t.run(&["play", "miss.yaml"]);
    assert_eq!(miss.code, 2);
    assert!(miss.stdout.contains("threshold missed: iops"), "{}", miss.stdout);
    assert!(t.read("out/report.md").contains("| iops | 12000.5 IOPS | ≥ 20000 | **missed** |"));
    let json: serde_json::Value = serde_json::from_str(&t.read("out/report.json")).unwrap();
    assert_eq!(
        (json["passed"].clone(), json["measurements"][1]["verdict"].clone()),
        (false.into(), "pass".into())
    );
}

fn replace_module(t: Test) {
    t.write("work/pg.conf", "port = 5432\n#listen_addresses = 'localhost'\nmax_connections = 100\n")
        .write(
            "play.yaml",
            r#"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - name: listen
      replace: { path: "{{ w }}/pg.conf", regexp: "^#listen_addresses = '(\\w+)'$", replace: "listen_addresses = '*' # was \\1" }
    - name: between
      replace: { path: "{{ w }}/pg.conf", regexp: '\d+', replace: '200', after: 'max_connections', before: '\n' }
    - name: nothing
      replace: { path: "{{ w }}/pg.conf", regexp: 'absent', replace: 'x' }
"#,
        );
    converges(&t, &["listen", "between"]);
    assert_eq!(
        t.read("work/pg.conf"),
        "port = 5432\nlisten_addresses = '*' # was localhost\nmax_connections = 200\n"
    );
}

fn fetch_module(t: Test) {
    t.write("work/etc/app.conf", "key = value\n").write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: fetch
      fetch: { src: "{dir}/work/etc/app.conf", dest: "{dir}/work/fetched" }
    - name: flat
      fetch: { src: "{dir}/work/etc/app.conf", dest: "{dir}/work/flat.conf", flat: true }
"#,
    );
    converges(&t, &["fetch", "flat"]);
    let dir = t.path().display().to_string();
    let fetched =
        format!("work/fetched/localhost/{}/work/etc/app.conf", dir.trim_start_matches('/'));
    assert_eq!(t.read(&fetched), "key = value\n");
    assert_eq!(t.read("work/flat.conf"), "key = value\n");
}

/// stat, find, slurp, wait_for and pause read the host (and wait): every run is ok, and what
/// they register is what is there.
fn reading_modules_register_and_change_nothing(t: Test) {
    t.write("work/a.log", "one\n").write("work/b.txt", "two\n").write(
        "play.yaml",
        r#"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - stat: { path: "{{ w }}/a.log" }
      register: st
    - find: { paths: "{{ w }}", patterns: "*.log" }
      register: found
    - slurp: { src: "{{ w }}/b.txt" }
      register: slurped
    - wait_for: { path: "{{ w }}/a.log", search_regex: one, timeout: 5 }
    - pause: { seconds: 0 }
    - assert:
        that:
          - st.stat.exists and st.stat.isreg and st.stat.size == 4
          - found.matched == 1 and found.files[0].path is search('a.log$')
          - (slurped.content | b64decode) == 'two\n'
"#,
    );
    converges(&t, &[]);
}

fn tempfile_makes_a_new_one_each_run_and_none_in_check_mode(t: Test) {
    t.write(
        "play.yaml",
        r#"
- hosts: localhost
  tasks:
    - name: made
      tempfile: { path: "{dir}/work", prefix: job., state: directory }
      register: made
    - copy: { dest: "{{ made.path }}/x", content: "x" }
      when: not ansible_check_mode
"#,
    );
    std::fs::create_dir_all(t.path().join("work")).unwrap();
    let check = t.run(&["play", "play.yaml", "--check"]);
    assert_eq!(check.with_status("changed"), ["localhost:made"], "{}", check.stdout);
    assert!(t.tree("work").is_empty(), "check mode made a temporary folder");
    t.run(&["play", "play.yaml"]).ok();
    t.run(&["play", "play.yaml"]).ok();
    let made: Vec<String> = t
        .tree("work")
        .keys()
        .map(|p| p.display().to_string())
        .filter(|p| !p.contains('/'))
        .collect();
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(made.iter().all(|name| name.starts_with("job.") && name.len() == 12), "{made:?}");
}

/// Accounts of a name of this test's own (the two targets run side by side), made with
/// `become`, converged; then removed, which converges too.
fn user_and_group_converge(t: Test) {
    if !common::runs_as_root("making accounts") {
        return;
    }
    common::sudo_user(common::USER, None);
    let suffix: String = t.path().file_name().unwrap().to_string_lossy().to_lowercase();
    let suffix: String = suffix.chars().filter(char::is_ascii_alphanumeric).collect();
    let (user, group) = (format!("nru{suffix}"), format!("nrg{suffix}"));
    let group_step = |state: &str| {
        format!("    - name: group\n      group: {{ name: {group}, state: {state} }}\n")
    };
    let user_step = |state: &str| {
        format!(
            "    - name: user\n      user: {{ name: {user}, group: {group}, groups: [adm], shell: /bin/sh, comment: Test, create_home: false, state: {state} }}\n"
        )
    };
    let play = |steps: String| format!("- hosts: localhost\n  become: true\n  tasks:\n{steps}");
    // With the group still to be made, a dry run cannot know the user step: unknown, not failed.
    t.write("play.yaml", &play(group_step("present") + &user_step("present")));
    let dry = t.run(&["play", "play.yaml", "--check"]);
    assert_eq!(dry.with_status("unknown"), ["localhost:user"], "{}", dry.stdout);
    t.write("play.yaml", &play(group_step("present")));
    converges(&t, &["group"]);
    t.write("play.yaml", &play(group_step("present") + &user_step("present")));
    converges(&t, &["user"]);
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd.lines().find(|l| l.starts_with(&format!("{user}:"))).unwrap_or_default();
    assert!(line.ends_with(&format!(":Test:/home/{user}:/bin/sh")), "{line}");
    let adm = std::fs::read_to_string("/etc/group").unwrap();
    assert!(adm.lines().any(|l| l.starts_with("adm:") && l.contains(&user)), "{adm}");
    // A group cannot go while it is someone's primary group: the user goes first.
    t.write("play.yaml", &play(user_step("absent") + &group_step("absent")));
    converges(&t, &["user", "group"]);
    assert!(!std::fs::read_to_string("/etc/group").unwrap().contains(&format!("{group}:")));
}

/// `search_string`, `backrefs`, `validate`, the blank lines around a block and `lstrip_blocks`:
/// each changes once, then finds nothing to do.
fn file_modules_further_arguments_converge(t: Test) {
    t.write("work/sshd", "Port 22\n#PermitRootLogin yes\n")
        .write("work/hosts", "127.0.0.1 localhost\n# end\n")
        .write("templates/t.j2", "a\n    {% if true %}\n    b\n    {% endif %}\n")
        .write(
            "play.yaml",
            r##"
- hosts: localhost
  vars: { w: "{dir}/work" }
  tasks:
    - name: search
      lineinfile: { path: "{{ w }}/sshd", search_string: PermitRootLogin, line: PermitRootLogin no, validate: "grep -q '^PermitRootLogin no$' %s" }
    - name: backrefs
      lineinfile: { path: "{{ w }}/sshd", regexp: '^Port (22)$', line: 'Port 2\1', backrefs: true }
    - name: block
      blockinfile: { path: "{{ w }}/hosts", block: "10.0.0.1 db", insertbefore: "^# end", prepend_newline: true, append_newline: true }
    - name: template
      template: { src: t.j2, dest: "{{ w }}/t", lstrip_blocks: true }
"##,
        );
    converges(&t, &["search", "backrefs", "block", "template"]);
    assert_eq!(t.read("work/sshd"), "Port 222\nPermitRootLogin no\n");
    assert_eq!(
        t.read("work/hosts"),
        "127.0.0.1 localhost\n\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 db\n# END ANSIBLE MANAGED BLOCK\n\n# end\n"
    );
    assert_eq!(t.read("work/t"), "a\n    b\n");
}

/// A download converges (kept by its checksum, then by the server's "not modified"); a GET
/// changes nothing; a POST is unknown in a dry run and sent only in a real one.
fn get_url_and_uri(t: Test) {
    t.write("www/tool.sh", "#!/bin/sh\necho tool\n");
    let web = common::web::WebServer::serve(&t.path().join("www"));
    t.write(
        "play.yaml",
        &format!(
            r#"
- hosts: localhost
  vars: {{ w: "{{dir}}/work", base: "http://127.0.0.1:{port}" }}
  tasks:
    - name: download
      get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ w }}}}/tool", mode: "0755" }}
    - name: verified
      get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ w }}}}/tool2", checksum: "sha1:{sha1}" }}
    - uri: {{ url: "{{{{ base }}}}/tool.sh", return_content: true }}
      register: got
    - assert: {{ that: ["got.status == 200", "'echo tool' in got.content"] }}
"#,
            port = web.port,
            sha1 = "0d5f24983b6bf4de4df8206e45d9804d4959d66c",
        ),
    );
    std::fs::create_dir_all(t.path().join("work")).unwrap();
    converges(&t, &["download", "verified"]);
    assert!(t.tree("work")[std::path::Path::new("tool")].starts_with("file 755"));
    t.write(
        "post.yaml",
        &format!(
            "- hosts: localhost\n  tasks:\n    - name: post\n      uri: {{ url: \"http://127.0.0.1:{}/\", method: POST, body: {{ a: 1 }}, body_format: json, status_code: 501 }}\n",
            web.port
        ),
    );
    let dry = t.run(&["play", "post.yaml", "--check"]);
    assert_eq!(dry.with_status("unknown"), ["localhost:post"], "{}", dry.stdout);
    let sent = t.run(&["play", "post.yaml"]);
    sent.ok();
    assert_eq!(sent.with_status("changed"), ["localhost:post"], "{}", sent.stdout);
}

/// `known_hosts` (plain and hashed), `file` with `recurse` and `copy` with `remote_src`: each
/// changes once, then finds nothing to do.
fn known_hosts_recurse_and_remote_src_converge(t: Test) {
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHtL0K3bQ0mWnJtVxvJ7mC2rKxYdLq8l4yq3j7cF0d9a";
    t.write("work/known", "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey\n")
        .write("work/tree/a/b.txt", "b\n")
        .write("work/tree/c.txt", "c\n")
        .write("work/source.conf", "from the host\n")
        .write(
            "play.yaml",
            &format!(
                r#"
- hosts: localhost
  vars: {{ w: "{{dir}}/work" }}
  tasks:
    - name: plain
      known_hosts: {{ path: "{{{{ w }}}}/known", name: web.example, key: "web.example {key}" }}
    - name: hashed
      known_hosts: {{ path: "{{{{ w }}}}/known", name: db.example, key: "db.example {key}", hash_host: true }}
    - name: recurse
      file: {{ path: "{{{{ w }}}}/tree", state: directory, mode: "u=rwX,g=rX,o=", recurse: true }}
    - name: remote
      copy: {{ src: "{{{{ w }}}}/source.conf", dest: "{{{{ w }}}}/copied.conf", remote_src: true }}
"#
            ),
        );
    converges(&t, &["plain", "hashed", "recurse", "remote"]);
    let known = t.read("work/known");
    assert!(known.contains(&format!("\nweb.example {key}\n")), "{known}");
    assert!(known.lines().last().unwrap().starts_with("|1|"), "{known}");
    let tree = t.tree("work/tree");
    assert!(tree[std::path::Path::new("a")].starts_with("dir 750"), "{tree:?}");
    assert!(tree[std::path::Path::new("a/b.txt")].starts_with("file 640"), "{tree:?}");
    assert_eq!(t.read("work/copied.conf"), "from the host\n");
}

/// A tarball from the controller unpacked once, then found unpacked (over SSH as a user who
/// cannot keep the archive's owners, whose differences then do not count).
fn unarchive_converges(t: Test) {
    t.write("app/bin/run", "#!/bin/sh\n").write("app/conf", "x\n");
    std::fs::create_dir_all(t.path().join("files")).unwrap();
    std::fs::create_dir_all(t.path().join("work/into")).unwrap();
    let made = std::process::Command::new("tar")
        .args(["-czf", "files/app.tgz", "--owner=0", "--group=0", "app"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(made.success());
    t.write(
        "play.yaml",
        "- hosts: localhost\n  tasks:\n    - name: unpack\n      unarchive: { src: app.tgz, dest: \"{dir}/work/into\" }\n",
    );
    converges(&t, &["unpack"]);
    assert_eq!(t.read("work/into/app/conf"), "x\n");
}

/// A `.deb` of a name of this test's own (the targets run side by side) installed, upgraded
/// and purged with `become`; each step changes once.
fn apt_deb_converges(t: Test) {
    if !common::runs_as_root("installing packages") {
        return;
    }
    common::sudo_user(common::USER, None);
    let suffix: String = t.path().file_name().unwrap().to_string_lossy().to_lowercase();
    let name = format!(
        "nrtest-{}",
        suffix.chars().filter(char::is_ascii_alphanumeric).collect::<String>()
    );
    let (v1, v2) =
        (common::debian::package(&t, &name, "1.0"), common::debian::package(&t, &name, "2.0"));
    common::debian::purge(&name);
    let play = |steps: &str| format!("- hosts: localhost\n  become: true\n  tasks:\n{steps}");
    t.write("play.yaml", &play(&format!("    - name: install\n      apt: {{ deb: \"{v1}\" }}\n")));
    converges(&t, &["install"]);
    t.write("play.yaml", &play(&format!("    - name: upgrade\n      apt: {{ deb: \"{v2}\" }}\n")));
    converges(&t, &["upgrade"]);
    assert_eq!(
        std::fs::read_to_string(format!("/usr/share/{name}/README")).unwrap(),
        "version 2.0\n"
    );
    t.write(
        "play.yaml",
        &play(&format!(
            "    - name: purge\n      apt: {{ name: {name}, state: absent, purge: true }}\n"
        )),
    );
    converges(&t, &["purge"]);
    assert!(!std::path::Path::new(&format!("/etc/{name}.conf")).exists());
    common::debian::purge(&name);
}

/// `apt_key` into a keyring of the test's (APT's own is the machine's): a key added from
/// `data`, then removed by its id.
fn apt_key_converges(t: Test) {
    if !runs_as_root("apt-key") {
        return;
    }
    let (armored, id) = common::gpg_key(t.path());
    t.write("key.asc", &armored).write("work/.keep", "");
    play_on_work(
        &t,
        r#"
    - name: add
      apt_key: { data: "{{ lookup('file', 'key.asc') }}", keyring: "{{ w }}/test.gpg" }
      become: true
"#,
    );
    converges(&t, &["add"]);
    let listed = std::process::Command::new("gpg")
        .args(["--no-default-keyring", "--keyring"])
        .arg(t.path().join("work/test.gpg"))
        .args(["--with-colons", "--list-keys"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&id));
    play_on_work(
        &t,
        &format!(
            "\n    - name: remove\n      apt_key: {{ id: \"{id}\", keyring: \"{{{{ w }}}}/test.gpg\", state: absent }}\n      become: true\n"
        ),
    );
    converges(&t, &["remove"]);
}
