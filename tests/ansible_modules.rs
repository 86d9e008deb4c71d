//! The modules roles register and decide on (`stat`, `find`, `slurp`, `fail`) and the ones that
//! act (`replace`, `tempfile`, `fetch`, `wait_for`, `pause`), run by ansible-core and by numarun
//! from the same playbook over the same files: the registered results each writes out, the
//! files changed and the recap must be the same.

mod common;

use common::Test;
use common::ansible::{ansible_playbook, both_counted};

/// Runs `play.yaml` through both, then compares every file each wrote under its `out`, by
/// text first (readable when it fails), then kind, mode and owner.
fn same_files(t: &Test, ansible: &str, expected_files: usize) {
    let (ansible_code, ansible_counts, numarun_code, numarun_counts) = both_counted(t, ansible);
    let by_ansible = t.tree("by-ansible");
    for path in by_ansible.keys() {
        let (a, n) =
            (t.path().join("by-ansible").join(path), t.path().join("by-numarun").join(path));
        if a.is_file() {
            assert_eq!(
                std::fs::read_to_string(&n).unwrap_or_default(),
                std::fs::read_to_string(&a).unwrap_or_default(),
                "{}",
                path.display()
            );
        }
    }
    assert_eq!((numarun_code, numarun_counts), (ansible_code, ansible_counts));
    assert_eq!(t.tree("by-numarun"), by_ansible);
    assert_eq!(by_ansible.len(), expected_files, "{by_ansible:?}");
}

/// A web root as a role would find it: configuration, logs of two ages and sizes, a hidden
/// file, a nested folder, a link.
fn web_root(t: &Test) {
    t.write("srv/site.conf", "listen 80;\nserver_name example.org;\nroot /srv/www;\n")
        .write("srv/logs/access.log", &"GET / 200\n".repeat(300))
        .write("srv/logs/error.log", "oops\n")
        .write("srv/logs/old/2025.log.gz", "gz")
        .write("srv/.env", "SECRET=1\n")
        .write("srv/www/index.html", "<h1>hi</h1>\n");
    std::os::unix::fs::symlink("site.conf", t.path().join("srv/current.conf")).unwrap();
    let mode = |path: &str, mode: u32| {
        std::fs::set_permissions(
            t.path().join(path),
            std::os::unix::fs::PermissionsExt::from_mode(mode),
        )
        .unwrap()
    };
    mode("srv/site.conf", 0o640);
    mode("srv/www/index.html", 0o755);
}

#[test]
fn stat_find_slurp_and_fail_register_what_ansible_registers() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    web_root(&t);
    let fields = "exists mode isreg isdir islnk size checksum pw_name gr_name uid readable writeable executable xusr roth isuid mimetype charset";
    let stat_line = |var: &str| {
        fields
            .split(' ')
            .map(|f| format!("{f}={{{{ {var}.stat.{f} | default('-') }}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let play = format!(
        r#"- hosts: localhost
  gather_facts: false
  vars:
    srv: "{{{{ playbook_dir }}}}/srv"
  tasks:
    - stat: {{ path: "{{{{ srv }}}}/site.conf" }}
      register: conf
    - stat: {{ path: "{{{{ srv }}}}/current.conf", checksum_algorithm: sha256 }}
      register: link
    - stat: {{ path: "{{{{ srv }}}}/current.conf", follow: true, get_mime: false }}
      register: followed
    - stat: {{ path: "{{{{ srv }}}}/www" }}
      register: dir
    - stat: {{ path: "{{{{ srv }}}}/absent" }}
      register: missing
    - copy:
        dest: "{{{{ out }}}}/stat"
        content: |
          {conf}
          {link} target={{{{ link.stat.lnk_target }}}} source={{{{ link.stat.lnk_source | basename }}}}
          {followed}
          {dir}
          {missing} keys={{{{ missing.stat | list | join(',') }}}}
    - find: {{ paths: "{{{{ srv }}}}", patterns: "*.log,*.conf", recurse: true }}
      register: logs
    - find: {{ paths: ["{{{{ srv }}}}/logs", "{{{{ srv }}}}/nowhere"], patterns: '^(access|error)\.log$', use_regex: true }}
      register: by_regex
    - find: {{ paths: "{{{{ srv }}}}", file_type: directory, recurse: true, depth: 1 }}
      register: dirs
    - find: {{ paths: "{{{{ srv }}}}", hidden: true, excludes: "*.html" }}
      register: hidden
    - find: {{ paths: "{{{{ srv }}}}", recurse: true, contains: "^server_name", size: "10" }}
      register: contains
    - find: {{ paths: "{{{{ srv }}}}/logs", size: 1k, age: -1d, get_checksum: true }}
      register: big
    - find: {{ paths: "{{{{ srv }}}}", recurse: true, mode: "0755", file_type: any }}
      register: exec
    - find: {{ paths: "{{{{ srv }}}}", file_type: link }}
      register: links
    - copy:
        dest: "{{{{ out }}}}/find"
        content: |
          {{% for r in [logs, by_regex, dirs, hidden, contains, big, exec, links] %}}
          {{{{ r.files | map(attribute='path') | map('relpath', srv) | sort | join(',') }}}} matched={{{{ r.matched }}}} examined={{{{ r.examined }}}} {{{{ r.msg }}}} skipped={{{{ r.skipped_paths | length }}}}
          {{% endfor %}}
          {{{{ (logs.files | selectattr('path', 'search', 'site.conf') | first).mode }}}} {{{{ (big.files | first).checksum }}}} {{{{ (big.files | first).pw_name }}}} {{{{ (exec.files | sort(attribute='path') | map(attribute='isdir') | list) }}}}
    - slurp: {{ src: "{{{{ srv }}}}/site.conf" }}
      register: slurped
    - copy:
        dest: "{{{{ out }}}}/slurp"
        content: "{{{{ slurped.encoding }}}} {{{{ slurped.source | basename }}}}\n{{{{ slurped.content | b64decode }}}}"
    - slurp: {{ src: "{{{{ srv }}}}/absent" }}
      register: unslurped
      ignore_errors: true
    - fail: {{ msg: "never" }}
      when: conf.stat.size > 1000000
    - block:
        - fail: {{ msg: "config too small: {{{{ conf.stat.size }}}}" }}
          when: conf.stat.exists
      rescue:
        - copy: {{ dest: "{{{{ out }}}}/fail", content: "{{{{ ansible_failed_result.msg }}}} {{{{ unslurped.failed }}}}\n" }}
    - fail:
      ignore_errors: true
      register: plain
    - copy: {{ dest: "{{{{ out }}}}/fail_default", content: "{{{{ plain.msg }}}}\n" }}
"#,
        conf = stat_line("conf"),
        link = stat_line("link"),
        followed = stat_line("followed"),
        dir = stat_line("dir"),
        missing = stat_line("missing"),
    );
    t.write("play.yaml", &play);
    same_files(&t, &ansible, 5);
}

#[test]
fn replace_tempfile_fetch_wait_for_and_pause_act_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    web_root(&t);
    let play = r#"- hosts: localhost
  gather_facts: false
  vars:
    srv: "{{ playbook_dir }}/srv"
  tasks:
    - copy: { src: "{{ srv }}/site.conf", dest: "{{ out }}/site.conf", mode: "0644" }
    - replace: { path: "{{ out }}/site.conf", regexp: '^listen (\d+);$', replace: 'listen 8\1; # was \1' }
      register: replaced
    - replace: { path: "{{ out }}/site.conf", regexp: 'example\.org', replace: 'example.net', after: 'server_name', before: ';' }
    - replace: { path: "{{ out }}/site.conf", regexp: '^root (/srv/www);$', replace: 'root \g<1>/public;\n# moved' }
    - replace: { path: "{{ out }}/site.conf", regexp: 'nowhere', replace: 'x' }
      register: unchanged
    - replace: { path: "{{ out }}/site.conf", regexp: 'listen', replace: 'x', after: 'no such line' }
    - tempfile: { state: directory, prefix: build., suffix: .d }
      register: tmpdir
    - tempfile: { path: "{{ tmpdir.path }}", prefix: part. }
      register: tmpfile
    - stat: { path: "{{ tmpfile.path }}" }
      register: tmpstat
    - file: { path: "{{ tmpdir.path }}", state: absent }
    - fetch: { src: "{{ srv }}/www/index.html", dest: "{{ out }}/fetched" }
      register: fetched
    - fetch: { src: "{{ srv }}/site.conf", dest: "{{ out }}/flat/", flat: true }
    - fetch: { src: "{{ srv }}/absent", dest: "{{ out }}/fetched", fail_on_missing: false }
      register: not_fetched
    - fetch: { src: "{{ srv }}/site.conf", dest: "{{ out }}/flat/", flat: true }
      register: fetched_again
    - wait_for: { path: "{{ srv }}/site.conf", search_regex: "server_name", timeout: 5 }
      register: waited
    - wait_for: { path: "{{ srv }}/absent", state: absent, timeout: 5 }
    - wait_for: { port: 1, state: stopped, timeout: 5 }
    - wait_for: { path: "{{ srv }}/absent", timeout: 1, msg: "no {{ 'absent' }}" }
      register: timed_out
      ignore_errors: true
    - pause: { seconds: 1 }
      register: paused
    - copy:
        dest: "{{ out }}/results"
        content: |
          {{ replaced.changed }} {{ unchanged.changed }}
          {{ tmpdir.path | basename is match('build\..{8}\.d$') }} {{ tmpfile.path | dirname == tmpdir.path }} {{ tmpfile.path | basename is match('part\..{8}$') }} {{ tmpstat.stat.mode }} {{ tmpstat.stat.isreg }}
          {{ fetched.changed }} {{ fetched.dest | relpath(out) }} {{ fetched.checksum }} {{ fetched.md5sum }}
          {{ not_fetched.changed }} {{ not_fetched.msg }}
          {{ fetched_again.changed }} {{ fetched_again.dest | relpath(out) }}
          {{ waited.elapsed }} {{ waited.path | basename }} {{ timed_out.failed }} {{ timed_out.msg }}
          {{ paused.delta }} {{ paused.user_input == '' }} {{ paused.echo }} {{ paused.stdout is match('Paused for 1\.\d+ seconds') }}
"#;
    t.write("play.yaml", play);
    // fetched/localhost/tmp/.tmpX/srv/www/index.html (seven), flat/ and its file, results, site.conf.
    same_files(&t, &ansible, 11);
}

/// Removes the accounts the account tests make, whatever a run left.
fn remove_accounts() {
    let _ = std::process::Command::new("userdel").args(["-r", "nrusr_alice"]).output();
    for group in ["nrgrp_ops", "nrgrp_dev", "nrgrp_web"] {
        let _ = std::process::Command::new("groupdel").arg(group).output();
    }
}

/// `user` and `group` as a users role writes them: groups made with and without a gid, a user
/// with a uid, a primary group, supplementary groups and a password hash, then changed (shell,
/// one more group appended): ansible-core and numarun make the same accounts, and numarun's
/// second run changes only what the play undoes and redoes.
#[test]
fn user_and_group_make_the_accounts_ansible_makes() {
    let Some(ansible) = ansible_playbook() else { return };
    if !common::runs_as_root("making accounts and installing packages") {
        return;
    }
    let t = Test::local();
    let play = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - group: { name: nrgrp_ops, gid: 4871 }
    - group: { name: nrgrp_dev, system: true }
    - group: { name: nrgrp_web }
    - user:
        name: nrusr_alice
        uid: 4871
        group: nrgrp_ops
        groups: [nrgrp_dev]
        comment: Alice Ops
        shell: /bin/sh
        home: /home/nrusr_alice
        password: "$6$salt$3ZC7HJNcvzu.bbSgXFwTHwnpOrlwgnhROyK3kaHnkmqrDEx5m2ZJwtrZKkvRwQGxFKoBnPPeWAcyBebiRRXXO."
      register: created
    - user: { name: nrusr_alice, shell: /bin/bash, groups: nrgrp_web, append: true }
      register: changed_shell
    - user: { name: nrusr_alice, groups: nrgrp_web, append: true }
      register: unchanged
    - group: { name: nrgrp_gone }
      register: made
    - group: { name: nrgrp_gone, state: absent }
    - user: { name: nrusr_nobody, state: absent }
      register: absent
    - command: getent passwd nrusr_alice
      register: passwd
    - command: getent shadow nrusr_alice
      register: shadow
    - command: id -Gn nrusr_alice
      register: ids
    - command: getent group nrgrp_ops
      register: ops
    - copy:
        dest: "{{ out }}/accounts"
        content: |
          {{ passwd.stdout }}
          {{ shadow.stdout.split(':')[1] }}
          {{ ids.stdout.split() | sort | join(',') }}
          {{ ops.stdout }}
          {{ created.uid }} {{ created.group }} {{ created.home }} {{ created.shell }} {{ created.changed }} {{ created.name }} {{ created.state }}
          {{ changed_shell.changed }} {{ unchanged.changed }} {{ made.changed }} {{ made.gid is number }} {{ absent.changed }} {{ absent.state }}
"#;
    t.write("play.yaml", play);
    remove_accounts();
    for out in ["by-ansible", "by-numarun"] {
        let _ = std::fs::create_dir_all(t.path().join(out));
    }
    let dir = t.path().display().to_string();
    let (ansible_code, text) = common::ansible::run_ansible(
        &t,
        &ansible,
        &["-e", &format!("out={dir}/by-ansible"), "play.yaml"],
    );
    let ansible_recap = common::ansible::ansible_recap(&text, "localhost");
    remove_accounts();
    let run = t.run(&["play", "play.yaml", "-e", &format!("out={dir}/by-numarun")]);
    let again = t.run(&["play", "play.yaml", "-e", &format!("out={dir}/by-numarun")]);
    remove_accounts();
    eprintln!("ansible-core:\n{text}\nnumarun:\n{}{}", run.stdout, run.stderr);
    assert_eq!(ansible_code, 0);
    assert_eq!(t.read("by-numarun/accounts"), t.read("by-ansible/accounts"));
    assert_eq!(run.code, 0);
    for key in ["ok", "changed", "failed", "skipped"] {
        assert_eq!(run.recap("localhost")[key].as_u64().unwrap(), ansible_recap[key], "{key}");
    }
    // Again: the play sets the shell and groups one way, then another (two changes), makes and
    // removes a group (two), and runs four commands; nothing else changes.
    assert_eq!(again.changed("localhost"), 8, "the second run\n{}", again.stdout);
}

/// The arguments roles pass to the file modules numarun had before: `lineinfile`'s
/// `search_string` and `backrefs`, `blockinfile`'s blank lines around the block, `template`'s
/// whitespace and line ends, `backup` and `validate`, `command`'s `strip_empty_ends` and
/// `$VAR` expansion.
#[test]
fn the_older_file_modules_take_ansibles_further_arguments() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("sshd_config", "Port 22\n#PermitRootLogin yes\nPasswordAuthentication yes\n")
        .write(
            "templates/motd.j2",
            "Welcome\n    {% if admin %}\n    admin: {{ admin }}\n    {% endif %}\nbye\n",
        )
        .write("hosts", "127.0.0.1 localhost\n\n# end\n");
    let play = r##"- hosts: localhost
  gather_facts: false
  vars:
    admin: ops
  environment:
    GREETING: hello
  tasks:
    - copy: { src: sshd_config, dest: "{{ out }}/sshd_config" }
    - copy: { src: hosts, dest: "{{ out }}/hosts" }
    - lineinfile: { path: "{{ out }}/sshd_config", search_string: "PermitRootLogin", line: "PermitRootLogin no", backup: true }
      register: with_backup
    - lineinfile: { path: "{{ out }}/sshd_config", regexp: '^Port (22)$', line: 'Port 2\1', backrefs: true }
    - lineinfile: { path: "{{ out }}/sshd_config", regexp: '^NoSuchLine (.*)$', line: 'Added \1', backrefs: true }
      register: no_backref
    - lineinfile: { path: "{{ out }}/sshd_config", search_string: "PasswordAuthentication", state: absent }
    - lineinfile: { path: "{{ out }}/sshd_config", line: "UsePAM yes", validate: "grep -q UsePAM %s" }
    - lineinfile: { path: "{{ out }}/sshd_config", line: "Broken", validate: "grep -q NotThere %s" }
      register: invalid
      ignore_errors: true
    - blockinfile: { path: "{{ out }}/hosts", block: "10.0.0.1 db", insertbefore: "^# end", prepend_newline: true, append_newline: true }
    - blockinfile: { path: "{{ out }}/hosts", marker: "# {mark} web", block: "10.0.0.2 web", prepend_newline: true, append_newline: true }
    - template: { src: motd.j2, dest: "{{ out }}/motd_default" }
    - template: { src: motd.j2, dest: "{{ out }}/motd_lstrip", lstrip_blocks: true }
    - template: { src: motd.j2, dest: "{{ out }}/motd_untrimmed", trim_blocks: false }
    - template: { src: motd.j2, dest: "{{ out }}/motd_crlf", newline_sequence: '\r\n', output_encoding: utf-8 }
    - copy: { content: "x\n", dest: "{{ out }}/validated", validate: "test -s %s", backup: true }
    - command: printf 'a\n\n\n'
      register: stripped
    - command: { cmd: "printf 'a\n\n'", strip_empty_ends: false }
      register: kept
    - command: echo $GREETING ${GREETING} $NOT_SET_ANYWHERE ~
      register: expanded
    - command: { cmd: "echo $GREETING", expand_argument_vars: false }
      register: literal
    - copy: { src: "{{ out }}/hosts", dest: "{{ out }}/hosts.copy", remote_src: true }
    - file: { path: "{{ out }}/tree/a", state: directory, mode: "0777" }
    - copy: { content: "b\n", dest: "{{ out }}/tree/a/b.txt", mode: "0666" }
    - file: { path: "{{ out }}/tree", state: directory, mode: "u=rwX,g=rX,o=", recurse: true }
    - find: { paths: "{{ out }}", patterns: "sshd_config.*~" }
      register: backups
    - file: { path: "{{ item.path }}", state: absent }
      loop: "{{ backups.files }}"
      loop_control: { label: backup }
    - copy:
        dest: "{{ out }}/results"
        content: |
          {{ with_backup.backup is match('.*/sshd_config\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$') }} {{ backups.matched }}
          {{ no_backref.changed }} {{ invalid.failed }}
          [{{ stripped.stdout }}] {{ kept.stdout | length }} {{ kept.stdout_lines | length }}
          {{ expanded.stdout == 'hello hello $NOT_SET_ANYWHERE ' ~ lookup('env', 'HOME') }} {{ literal.stdout }}
"##;
    t.write("play.yaml", play);
    // Eight files, the remote copy, and tree/, tree/a, tree/a/b.txt.
    same_files(&t, &ansible, 12);
}

/// `file`'s hard links (made, kept, refused over a file, forced), its times (Ansible's format, a
/// format of the play's, `now`, which changes on every run), and `follow` (on, the link's file
/// changes; off, the link is left as it is), and a step without `state` taking what is there.
#[test]
fn file_hard_links_times_and_follow_act_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let play = r##"- hosts: localhost
  gather_facts: false
  tasks:
    - copy: { content: "shared\n", dest: "{{ out }}/existing" }
    - copy: { content: "mine\n", dest: "{{ out }}/other" }
    - copy: { content: "behind\n", dest: "{{ out }}/real", mode: "0600" }
    - file: { path: "{{ out }}/link", src: real, state: link }
    - file: { path: "{{ out }}/hard", src: "{{ out }}/existing", state: hard }
      register: hard
    - file: { path: "{{ out }}/hard", src: "{{ out }}/existing", state: hard }
      register: hard_again
    - file: { path: "{{ out }}/other", src: "{{ out }}/existing", state: hard }
      register: refused
      ignore_errors: true
    - file: { path: "{{ out }}/other", src: "{{ out }}/missing", state: hard, force: true }
      register: no_src
      ignore_errors: true
    - file: { path: "{{ out }}/other", src: "{{ out }}/existing", state: hard, force: true }
      register: forced
    - file: { path: "{{ out }}/stamped", state: touch, modification_time: "202312241830.05", access_time: "202412241830.00" }
    - file: { path: "{{ out }}/stamped", modification_time: "202312241830.05", access_time: "202412241830.00" }
      register: stamped_again
    - file: { path: "{{ out }}/stamped", modification_time: "2023-01-02", modification_time_format: "%Y-%m-%d" }
      register: own_format
    - file: { path: "{{ out }}/stamped", modification_time: now }
      register: now
    - file: { path: "{{ out }}/stamped", modification_time: "24.12.2023" }
      register: bad_time
      ignore_errors: true
    - file: { path: "{{ out }}/link", mode: "0640" }
      register: followed
    - file: { path: "{{ out }}/link", mode: "0644", follow: false }
      register: not_followed
      ignore_errors: true
    - file: { path: "{{ out }}/d", state: directory }
    - file: { path: "{{ out }}/d", mode: "0700" }
      register: folder_without_state
    - stat: { path: "{{ out }}/hard" }
      register: h
    - stat: { path: "{{ out }}/existing" }
      register: e
    - stat: { path: "{{ out }}/other" }
      register: o
    - stat: { path: "{{ out }}/stamped", get_checksum: false }
      register: s
    - copy:
        dest: "{{ out }}/results"
        content: |
          {{ hard.changed }} {{ hard_again.changed }} {{ refused.failed }} {{ no_src.failed }} {{ forced.changed }}
          {{ h.stat.inode == e.stat.inode }} {{ o.stat.inode == e.stat.inode }} {{ e.stat.nlink }}
          {{ stamped_again.changed }} {{ own_format.changed }} {{ now.changed }} {{ bad_time.failed }}
          {{ s.stat.mtime > 1700000000 }} {{ followed.changed }} {{ not_followed.failed }}
          {{ folder_without_state.changed }}
"##;
    t.write("play.yaml", play);
    // existing, other, real, link, hard, stamped, d, results.
    same_files(&t, &ansible, 8);
}

/// `copy` of a controller folder (itself, and what is inside it, over a folder that has some of
/// it already), of a folder on the host (`remote_src`), `directory_mode`, and a `checksum` that
/// does or does not match.
#[test]
fn copy_of_a_folder_copies_what_ansible_copies() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("files/site/index.html", "<h1>hi</h1>\n")
        .write("files/site/css/main.css", "h1 { color: red }\n")
        .write("files/site/css/print.css", "body { margin: 0 }\n");
    std::fs::create_dir_all(t.path().join("files/site/empty")).unwrap();
    let play = r##"- hosts: localhost
  gather_facts: false
  tasks:
    - copy: { src: site, dest: "{{ out }}/www", directory_mode: "0750", mode: "0640" }
      register: folder
    - copy: { src: site, dest: "{{ out }}/www", directory_mode: "0750", mode: "0640" }
      register: folder_again
    - file: { path: "{{ out }}/flat", state: directory }
    - copy: { content: "stale\n", dest: "{{ out }}/flat/index.html" }
    - copy: { src: "site/", dest: "{{ out }}/flat" }
      register: contents
    - copy: { src: "site/", dest: "{{ out }}/kept", force: false }
    - copy: { src: "{{ out }}/www/site", dest: "{{ out }}/mirror", remote_src: true, directory_mode: "0700" }
      register: remote
    - copy: { src: "{{ out }}/www/site/", dest: "{{ out }}/mirror", remote_src: true, directory_mode: "0700" }
      register: remote_contents
    - copy: { content: "x\n", dest: "{{ out }}/summed", checksum: 6fcf9dfbd479ed82697fee719b9f8c610a11ff2a }
      register: summed
    - copy: { content: "y\n", dest: "{{ out }}/summed", checksum: 6fcf9dfbd479ed82697fee719b9f8c610a11ff2a }
      register: wrong_sum
      ignore_errors: true
    - copy:
        dest: "{{ out }}/results"
        content: |
          {{ folder.changed }} {{ folder_again.changed }} {{ contents.changed }} {{ summed.changed }} {{ wrong_sum.failed }}
          {{ remote.changed }} {{ remote_contents.changed }}
"##;
    t.write("play.yaml", play);
    // www/site, its css/ and empty/, 3 files; flat's 3 files, css/, empty/; kept's the same;
    // summed; results; then mirror/ with a copy of site/ in it, and site's contents beside.
    same_files(&t, &ansible, 21 + 12);
}

/// `apt_key` into a keyring of the test's: a key from `data` (its id read from it), again, by
/// `file`, removed by its long id, and a malformed id refused.
#[test]
fn apt_key_adds_and_removes_as_ansible_does() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let (armored, id) = common::gpg_key(t.path());
    t.write("key.asc", &armored);
    let play = format!(
        r##"- hosts: localhost
  gather_facts: false
  vars: {{ keyring: "{{{{ out }}}}.gpg" }}
  tasks:
    - file: {{ path: "{{{{ keyring }}}}", state: absent }}
    - apt_key: {{ data: "{{{{ lookup('file', 'key.asc') }}}}", keyring: "{{{{ keyring }}}}" }}
      register: added
    - apt_key: {{ data: "{{{{ lookup('file', 'key.asc') }}}}", keyring: "{{{{ keyring }}}}" }}
      register: again
    - apt_key: {{ id: "{id}", keyring: "{{{{ keyring }}}}", state: absent }}
      register: removed
    - apt_key: {{ file: "{{{{ playbook_dir }}}}/key.asc", keyring: "{{{{ keyring }}}}" }}
      register: from_file
    - apt_key: {{ id: "12345", keyring: "{{{{ keyring }}}}", state: absent }}
      register: bad_id
      ignore_errors: true
    - copy:
        dest: "{{{{ out }}}}/results"
        content: |
          {{{{ added.changed }}}} {{{{ again.changed }}}} {{{{ removed.changed }}}} {{{{ from_file.changed }}}} {{{{ bad_id.failed }}}}
          {{{{ added.fp }}}} {{{{ added.short_id }}}} {{{{ added.key_id }}}} {{{{ added.before | length }}}} {{{{ added.after | length }}}} {{{{ again.before | length }}}}
"##
    );
    t.write("play.yaml", &play);
    same_files(&t, &ansible, 1);
    assert!(t.read("by-numarun/results").starts_with("True False True True True\n"));
}

/// `get_url` (a download, a file kept by its checksum or by the server's "not modified", a
/// checksum that does not match) and `uri` (JSON, content, a status asked for, a method the
/// server refuses) against a real web server, through both.
#[test]
fn get_url_and_uri_fetch_as_in_ansible() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("www/tool.sh", "#!/bin/sh\necho tool\n")
        .write("www/data.json", "{\"name\": \"numarun\", \"sizes\": [1, 2]}\n");
    let web = common::web::WebServer::serve(&t.path().join("www"));
    let sha256 = {
        let out = std::process::Command::new("sha256sum")
            .arg(t.path().join("www/tool.sh"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    let play = format!(
        r#"- hosts: localhost
  gather_facts: false
  vars:
    base: "http://127.0.0.1:{port}"
  tasks:
    - get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ out }}}}/tool", mode: "0755" }}
      register: first
    - get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ out }}}}/tool", mode: "0755" }}
      register: again
    - get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ out }}}}/tool", checksum: "sha256:{sha256}" }}
      register: by_checksum
    - get_url: {{ url: "{{{{ base }}}}/tool.sh", dest: "{{{{ out }}}}/bad", checksum: "sha256:{zeros}" }}
      register: bad
      ignore_errors: true
    - uri: {{ url: "{{{{ base }}}}/data.json" }}
      register: data
    - uri: {{ url: "{{{{ base }}}}/tool.sh", return_content: true }}
      register: text
    - uri: {{ url: "{{{{ base }}}}/missing", status_code: [404] }}
      register: missing
    - uri: {{ url: "{{{{ base }}}}/missing" }}
      register: failed
      ignore_errors: true
    - stat: {{ path: "{{{{ out }}}}/bad" }}
      register: bad_file
    - copy:
        dest: "{{{{ out }}}}/results"
        content: |
          {{{{ first.changed }}}} {{{{ again.changed }}}} {{{{ by_checksum.changed }}}} {{{{ bad.failed }}}} {{{{ bad_file.stat.exists }}}} {{{{ first.dest | basename }}}}
          {{{{ data.status }}}} {{{{ data.json.name }}}} {{{{ data.json.sizes | sum }}}} {{{{ data.content_type }}}} {{{{ data.redirected }}}} {{{{ data.content is defined }}}}
          {{{{ text.status }}}} {{{{ text.content | trim }}}} {{{{ text.content_length }}}}
          {{{{ missing.status }}}} {{{{ missing.failed }}}} {{{{ failed.status }}}} {{{{ failed.failed }}}} {{{{ failed.content is defined }}}}
"#,
        port = web.port,
        zeros = "0".repeat(64),
    );
    t.write("play.yaml", &play);
    same_files(&t, &ansible, 2);
}

/// A public key of a fresh key pair of `kind`, as `TYPE BASE64`.
fn public_key(t: &Test, kind: &str, name: &str) -> String {
    let path = t.path().join(name);
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    public.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// `known_hosts`: added, found again (also hashed), replaced by a new key of the same type,
/// joined by a key of another type, removed by key: the same file from both.
#[test]
fn known_hosts_edits_the_file_as_ansible_does() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let (old, new, other) = (
        public_key(&t, "ed25519", "old"),
        public_key(&t, "ed25519", "new"),
        public_key(&t, "ecdsa", "other"),
    );
    t.write("seed", &format!("keep.example {other}\nweb.example {old}\n"));
    let play = format!(
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {{ src: seed, dest: "{{{{ out }}}}/known_hosts" }}
    - known_hosts: {{ path: "{{{{ out }}}}/known_hosts", name: web.example, key: "web.example {old}" }}
      register: same
    - known_hosts: {{ path: "{{{{ out }}}}/known_hosts", name: web.example, key: "web.example {new}" }}
      register: replaced
    - known_hosts: {{ path: "{{{{ out }}}}/known_hosts", name: web.example, key: "web.example {other}" }}
      register: added
    - known_hosts: {{ path: "{{{{ out }}}}/known_hosts", name: db.example, key: "db.example {new}", state: absent }}
      register: not_there
    - known_hosts: {{ path: "{{{{ out }}}}/known_hosts", name: keep.example, key: "keep.example {other}", state: absent }}
      register: removed
    - known_hosts: {{ path: "{{{{ out }}}}/hashed", name: db.example, key: "db.example {new}", hash_host: true }}
    - known_hosts: {{ path: "{{{{ out }}}}/hashed", name: db.example, key: "db.example {new}", hash_host: true }}
      register: hashed_again
    - known_hosts: {{ path: "{{{{ out }}}}/hashed", name: db.example, key: "db.example {new}" }}
      register: plain_again
    - command: cat "{{{{ out }}}}/hashed"
      register: hashed
    - file: {{ path: "{{{{ out }}}}/hashed", state: absent }}
    - copy:
        dest: "{{{{ out }}}}/results"
        content: |
          {{{{ same.changed }}}} {{{{ replaced.changed }}}} {{{{ added.changed }}}} {{{{ not_there.changed }}}} {{{{ removed.changed }}}}
          {{{{ hashed_again.changed }}}} {{{{ plain_again.changed }}}} {{{{ hashed.stdout is match('^\|1\|[^|]+\|[^ ]+ ssh-ed25519 ') }}}}
"#
    );
    t.write("play.yaml", &play);
    same_files(&t, &ansible, 2);
}

/// `unarchive`: a gzip tarball from the controller and an xz one already on the host, each
/// unpacked once, found unpacked the second time, `creates`, `exclude` and `list_files`.
#[test]
fn unarchive_unpacks_as_ansible_does() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("app/bin/run", "#!/bin/sh\necho run\n").write("app/etc/app.conf", "level 3\n");
    std::fs::set_permissions(
        t.path().join("app/bin/run"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::create_dir_all(t.path().join("files")).unwrap();
    for (name, flag) in [("files/app.tar.gz", "-czf"), ("app.tar.xz", "-cJf")] {
        let made = std::process::Command::new("tar")
            .args([flag, name, "--owner=0", "--group=0", "app"])
            .current_dir(t.path())
            .status()
            .unwrap();
        assert!(made.success());
    }
    let play = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - file: { path: "{{ out }}/{{ item }}", state: directory }
      loop: [a, b, c]
    - unarchive: { src: app.tar.gz, dest: "{{ out }}/a", list_files: true }
      register: first
    - unarchive: { src: app.tar.gz, dest: "{{ out }}/a" }
      register: again
    - unarchive: { src: "{{ playbook_dir }}/app.tar.xz", dest: "{{ out }}/b", remote_src: true, exclude: [app/etc/app.conf] }
      register: remote
    - unarchive: { src: "{{ playbook_dir }}/app.tar.xz", dest: "{{ out }}/b", remote_src: true, exclude: [app/etc/app.conf] }
      register: remote_again
    - unarchive: { src: app.tar.gz, dest: "{{ out }}/c", creates: "{{ out }}/a/app" }
      register: created
    - copy:
        dest: "{{ out }}/results"
        content: |
          {{ first.changed }} {{ again.changed }} {{ remote.changed }} {{ remote_again.changed }} {{ created.changed }}
          {{ first.files | sort | join(',') }} {{ first.handler }}
"#;
    t.write("play.yaml", play);
    // a/ with app/, bin/, run, etc/, app.conf; b/ without app.conf; c/ empty; results.
    same_files(&t, &ansible, 6 + 5 + 1 + 1);
}

/// `cron` in a cron.d file: a job, a job changed in place, a disabled one, a special time,
/// variables placed at the top and after another, one removed: the same file from both.
#[test]
fn cron_writes_the_file_ansible_writes() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    let play = r##"- hosts: localhost
  gather_facts: false
  tasks:
    - copy: { content: "# the admin's\n0 1 * * * root /usr/bin/true\n", dest: "{{ out }}/jobs" }
    - cron: { name: monitor, minute: "*/5", job: /usr/local/bin/monitor.sh, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: monitor, minute: "*/10", job: /usr/local/bin/monitor.sh, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: paused, hour: "3", job: /usr/local/bin/backup.sh, disabled: true, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: nightly, special_time: daily, job: /usr/local/bin/nightly.sh, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: PATH, env: true, job: /usr/local/bin:/usr/bin:/bin, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: MAILTO, env: true, job: ops@example.org, insertafter: PATH, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: SHELL, env: true, job: /bin/sh, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: SHELL, env: true, state: absent, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: nightly, state: absent, user: root, cron_file: "{{ out }}/jobs" }
    - cron: { name: monitor, minute: "*/10", job: /usr/local/bin/monitor.sh, user: root, cron_file: "{{ out }}/jobs" }
      register: unchanged
    - copy: { content: "changed {{ unchanged.changed }}\n", dest: "{{ out }}/results" }
"##;
    t.write("play.yaml", play);
    same_files(&t, &ansible, 2);
}

/// `apt` with a `.deb` (installed once, upgraded by a newer one), `latest` on a package no
/// source offers newer, `absent` with `purge` (its configuration file goes too), and
/// `autoremove` as a dry run (apt's own simulation, on this machine, through both).
#[test]
fn apt_installs_upgrades_and_purges_as_ansible_does() {
    let Some(ansible) = ansible_playbook() else { return };
    if !common::runs_as_root("making accounts and installing packages") {
        return;
    }
    let t = Test::local();
    let (v1, v2) = (
        common::debian::package(&t, "nrtest-hello", "1.0"),
        common::debian::package(&t, "nrtest-hello", "1.1"),
    );
    let purge = || {
        let _ = std::process::Command::new("dpkg").args(["--purge", "nrtest-hello"]).output();
    };
    let play = format!(
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - apt: {{ deb: "{v1}" }}
      register: installed
    - apt: {{ deb: "{v1}" }}
      register: again
    - apt: {{ deb: "{v2}" }}
      register: upgraded
    - apt: {{ name: nrtest-hello, state: latest }}
      register: latest
    - apt: {{ name: nrtest-hello }}
      register: present
    - command: cat /usr/share/nrtest-hello/README
      register: readme
    - apt: {{ autoremove: true }}
      check_mode: true
      register: autoremove
    - apt: {{ name: nrtest-hello, state: absent, purge: true }}
      register: purged
    - apt: {{ name: nrtest-hello, state: absent, purge: true }}
      register: purged_again
    - stat: {{ path: /etc/nrtest-hello.conf }}
      register: conffile
    - copy:
        dest: "{{{{ out }}}}/results"
        content: |
          {{{{ installed.changed }}}} {{{{ again.changed }}}} {{{{ upgraded.changed }}}} {{{{ latest.changed }}}} {{{{ present.changed }}}} {{{{ readme.stdout }}}}
          {{{{ autoremove.changed }}}} {{{{ purged.changed }}}} {{{{ purged_again.changed }}}} {{{{ conffile.stat.exists }}}}
"#
    );
    t.write("play.yaml", &play);
    purge();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| same_files(&t, &ansible, 1)));
    purge();
    if let Err(failure) = result {
        std::panic::resume_unwind(failure);
    }
}
