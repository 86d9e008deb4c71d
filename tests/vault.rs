//! Ansible Vault: what `ansible-vault` encrypted (whole files, `!vault` values; format 1.1 and
//! 1.2 with ids; passwords from files, scripts and ansible.cfg) read by numarun as by
//! ansible-core, and its values kept out of every output numarun writes.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::Test;
use common::ansible::{ansible_playbook, run_ansible, same_outcome};

const DB_PASSWORD: &str = "correct-horse-battery";
const API_TOKEN: &str = "tok-4f9a1c77e2";
const CERT_LINE: &str = "BEGIN-PRIVATE-KEY-LINE-0137";

/// `ansible-vault` beside the `ansible-playbook` CI installed.
fn ansible_vault(ansible: &str) -> String {
    Path::new(ansible).with_file_name("ansible-vault").display().to_string()
}

/// Runs ansible-vault in the test's folder (before its ansible.cfg is written) and returns stdout.
fn vault(t: &Test, ansible: &str, args: &[&str]) -> String {
    let out =
        Command::new(ansible_vault(ansible)).args(args).current_dir(t.path()).output().unwrap();
    assert!(
        out.status.success(),
        "ansible-vault {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Content vaulted every way a project vaults it: group_vars (1.1, the default password from an
/// executable script named in ansible.cfg), a vars file and an inline `!vault` value under the
/// vault id `prod` (1.2, a password file from `vault_identity_list`), a template and a file to
/// copy. Returns the folder, ready for both runners.
fn vaulted_project(ansible: &str) -> Test {
    let t = Test::local();
    t.write("default.pw", "default-secret-pw\n");
    t.write("prod.pw", "  prod-secret-pw  \n");
    t.write(
        "group_vars/all/vault.yml",
        &format!("db_password: {DB_PASSWORD}\ndb_users: [app, {API_TOKEN}-user]\n"),
    );
    vault(
        &t,
        ansible,
        &["encrypt", "--vault-password-file", "default.pw", "group_vars/all/vault.yml"],
    );
    t.write("secrets.yml", &format!("api_token: {API_TOKEN}\n"));
    vault(&t, ansible, &["encrypt", "--vault-id", "prod@prod.pw", "secrets.yml"]);
    t.write("templates/app.conf.j2", &format!("{CERT_LINE}\npassword={{{{ db_password }}}}\n"));
    vault(
        &t,
        ansible,
        &["encrypt", "--vault-password-file", "default.pw", "templates/app.conf.j2"],
    );
    t.write("files/key.pem", &format!("{CERT_LINE}\n"));
    vault(&t, ansible, &["encrypt", "--vault-id", "prod@prod.pw", "files/key.pem"]);
    let inline = vault(
        &t,
        ansible,
        &[
            "encrypt_string",
            "--vault-id",
            "prod@prod.pw",
            "--name",
            "smtp_password",
            "inline-smtp-secret",
        ],
    );
    // The script prints the default password; Ansible runs any executable password file.
    t.write("default-pw.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/default.pw\"\n");
    std::fs::set_permissions(
        t.path().join("default-pw.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    t.write(
        "ansible.cfg",
        "[defaults]\nvault_identity_list = prod@prod.pw\nvault_password_file = default-pw.sh\n",
    );
    let inline = inline.lines().map(|l| format!("    {l}\n")).collect::<String>();
    t.write(
        "play.yaml",
        &format!(
            "- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  vars:\n{inline}\
             \x20 tasks:\n\
             \x20   - copy: {{ dest: \"{{{{ out }}}}/db\", content: \"{{{{ db_password }}}} {{{{ db_users | join(',') }}}}\\n\", mode: '0600' }}\n\
             \x20   - copy: {{ dest: \"{{{{ out }}}}/api\", content: \"{{{{ api_token }}}} {{{{ smtp_password }}}}\\n\", mode: '0600' }}\n\
             \x20   - template: {{ src: app.conf.j2, dest: \"{{{{ out }}}}/app.conf\", mode: '0600' }}\n\
             \x20   - copy: {{ src: key.pem, dest: \"{{{{ out }}}}/key.pem\", mode: '0600' }}\n\
             \x20   - debug: {{ msg: \"the token is {{{{ api_token }}}}\" }}\n"
        ),
    );
    t
}

/// Both decrypt every vaulted piece to the same bytes and count alike.
#[test]
fn vaulted_files_and_values_read_as_ansible_reads_them() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = vaulted_project(&ansible);
    same_outcome(&t, &ansible, 4);
    assert_eq!(t.read("by-numarun/db"), format!("{DB_PASSWORD} app,{API_TOKEN}-user\n"));
    assert_eq!(t.read("by-numarun/api"), format!("{API_TOKEN} inline-smtp-secret\n"));
    assert_eq!(t.read("by-numarun/key.pem"), format!("{CERT_LINE}\n"));
}

/// Ansible prints what `debug` is given and shows vaulted files in diffs; numarun shows none of
/// it (a deliberate difference): not in the terminal, the diff or the JSON log.
#[test]
fn no_decrypted_value_reaches_an_output() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = vaulted_project(&ansible);
    std::fs::create_dir(t.path().join("out")).unwrap();
    let out = format!("out={}/out", t.path().display());
    let run = t.run(&["play", "play.yaml", "-D", "-v", "-e", &out]);
    run.ok();
    let log = std::fs::read_to_string(t.path().join(".events.jsonl")).unwrap();
    for secret in [DB_PASSWORD, API_TOKEN, CERT_LINE, "inline-smtp-secret", "prod-secret-pw"] {
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr), ("log", &log)] {
            assert!(!text.contains(secret), "{secret} in numarun's {name}:\n{text}");
        }
    }
    assert!(run.stdout.contains("the token is <redacted>"), "{}", run.stdout);
    assert_eq!(t.read("out/api"), format!("{API_TOKEN} inline-smtp-secret\n"));
}

/// A wrong password, or none: both refuse before anything runs, and numarun names the value or
/// file, the passwords it tried (by id and source, never their text), and how to give one.
#[test]
fn a_wrong_or_missing_password_runs_nothing() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = vaulted_project(&ansible);
    t.write("prod.pw", "not-the-password\n");
    std::fs::create_dir(t.path().join("by-numarun")).unwrap();
    let (code, output) = run_ansible(&t, &ansible, &["-e", "out=by-ansible", "play.yaml"]);
    assert_ne!(code, 0, "ansible-core ran with a wrong password:\n{output}");
    let run = t.run(&["play", "play.yaml", "-e", "out=by-numarun"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("play.yaml:5:20: this !vault value"), "{}", run.stderr);
    assert!(run.stderr.contains("prod@prod.pw"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-password"), "{}", run.stderr);
    assert!(t.tree("by-numarun").is_empty(), "something ran");

    std::fs::remove_file(t.path().join("ansible.cfg")).unwrap();
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  tasks:\n\
         \x20   - copy: { dest: \"{{ out }}/api\", content: \"{{ api_token }}\" }\n",
    );
    let (code, output) = run_ansible(&t, &ansible, &["-e", "out=by-ansible", "play.yaml"]);
    assert_ne!(code, 0, "ansible-core ran without a password:\n{output}");
    let run = t.run(&["play", "play.yaml", "-e", "out=by-numarun"]);
    assert_ne!(run.code, 0);
    // The terminal folds long messages.
    let error = run.stderr.replace("\n  │ ", "");
    assert!(error.contains("cannot read secrets.yml: it is vault-encrypted"), "{error}");
    assert!(error.contains("--vault-password-file FILE"), "{error}");
    assert!(t.tree("by-numarun").is_empty(), "something ran");
}

/// `--ask-vault-pass` reads the password on the terminal with echo off, as `-K` does.
#[test]
fn ask_vault_pass_reads_the_password_from_the_terminal() {
    let Some(ansible) = ansible_playbook() else { return };
    let t = Test::local();
    t.write("typed.pw", "Typed-vault-pw\n");
    t.write("secrets.yml", &format!("api_token: {API_TOKEN}\n"));
    vault(&t, &ansible, &["encrypt", "--vault-password-file", "typed.pw", "secrets.yml"]);
    std::fs::remove_file(t.path().join("typed.pw")).unwrap();
    t.write(
        "play.yaml",
        "- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  tasks:\n\
         \x20   - copy: { dest: \"{dir}/api\", content: \"{{ api_token }}\" }\n",
    );
    let args = ["play", "play.yaml", "-i", "inventory.yaml", "--ask-vault-pass"];
    let (status, screen) =
        common::terminal::type_at_hidden_prompt(t.path(), &args, "Typed-vault-pw");
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Vault password:"), "{screen}");
    assert!(!screen.contains("Typed-vault-pw"), "the password was echoed:\n{screen}");
    assert_eq!(t.read("api"), API_TOKEN);
}
