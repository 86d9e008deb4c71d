//! `vars_prompt`: asked on a terminal with echo off for a private answer, which no output shows;
//! without a terminal the default answers, `-e` skips the question, and a prompt with no default
//! stops the run before anything runs.

use crate::common;

use common::Test;

const PLAY: &str = "- hosts: localhost\n  gather_facts: false\n  vars_prompt:\n\
    \x20   - name: db_password\n      prompt: Database password\n\
    \x20   - name: region\n      prompt: Region\n      default: eu-west\n      private: false\n\
    \x20 tasks:\n\
    \x20   - copy: { dest: \"{dir}/answers\", content: \"{{ db_password }} {{ region }}\\n\" }\n\
    \x20   - debug: { msg: \"password {{ db_password }}\" }\n";

#[test]
fn a_private_answer_is_typed_unseen_and_stays_secret() {
    let t = Test::local();
    t.write("play.yaml", PLAY);
    let args = ["play", "play.yaml", "-i", "inventory.yaml", "-e", "region=us-east", "-v"];
    let (status, screen) =
        common::terminal::type_at_hidden_prompt(t.path(), &args, "Typed-db-secret");
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Database password:"), "{screen}");
    assert!(!screen.contains("Region"), "-e answered it:\n{screen}");
    assert!(!screen.contains("Typed-db-secret"), "the answer was shown:\n{screen}");
    assert!(screen.contains("password <redacted>"), "{screen}");
    assert_eq!(t.read("answers"), "Typed-db-secret us-east\n");
}

#[test]
fn without_a_terminal_the_default_answers_or_the_run_stops_before_it_starts() {
    let t = Test::local();
    t.write("play.yaml", PLAY);
    let run = t.run(&["play", "play.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("asks for `db_password`, and there is no terminal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("-e db_password="), "{}", run.stderr);
    assert!(!t.path().join("answers").exists());

    let run = t.run(&["play", "play.yaml", "-e", "db_password=given"]);
    run.ok();
    assert_eq!(t.read("answers"), "given eu-west\n");
}
