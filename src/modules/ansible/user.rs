//! `user`: a local account present with its uid, groups, comment, home, shell and password, or
//! absent (`useradd`, `usermod`, `userdel`, as ansible-core's Linux `user` runs them), decided
//! from `/etc/passwd` and `/etc/group`. The password (a hash) is set through `chpasswd -e`'s
//! standard input, never on a command line.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, PlannedRead};
use crate::modules::action::Action;
use crate::modules::contract::{Change, Check, Module, OneOrMany, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::accounts::{self, Account, GroupLine};
use crate::modules::support::lines::Presence;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    name: String,
    uid: Option<u32>,
    /// The primary group, by name.
    group: Option<String>,
    /// Supplementary groups: a list, or a text of comma-separated names; `''` is none.
    groups: Option<OneOrMany<String>>,
    #[serde(default)]
    append: bool,
    comment: Option<String>,
    home: Option<String>,
    shell: Option<String>,
    #[serde(default = "yes", alias = "createhome")]
    #[schemars(extend("x-aliases" = ["createhome"]))]
    create_home: bool,
    #[serde(default)]
    move_home: bool,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    non_unique: bool,
    /// A crypted hash, as Ansible takes it.
    password: Option<String>,
    #[serde(default)]
    update_password: UpdatePassword,
    #[serde(default)]
    state: Presence,
    #[serde(default)]
    remove: bool,
    #[serde(default)]
    force: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum UpdatePassword {
    #[default]
    Always,
    OnCreate,
}

/// What apply runs: the account command, then the password through stdin.
#[derive(Debug)]
pub struct UserChange {
    argv: Option<Vec<String>>,
    password: Option<String>,
}

impl User {
    /// The supplementary groups asked for, `None` when `groups` is not given.
    fn wanted_groups(&self) -> Option<Vec<String>> {
        let names = match self.groups.as_ref()? {
            OneOrMany::One(text) => text.split(',').map(|g| g.trim().to_string()).collect(),
            OneOrMany::Many(names) => names.clone(),
        };
        Some(names.into_iter().filter(|g| !g.is_empty()).collect())
    }

    fn check_groups_exist(&self, groups: &[GroupLine]) -> Result<(), ModuleError> {
        let wanted = self.wanted_groups().unwrap_or_default();
        for name in self.group.iter().chain(&wanted) {
            if !groups.iter().any(|g| &g.name == name) {
                // Often a step before makes it: a dry run cannot know, a real run fails.
                return Err(ModuleError::NotYet(format!("GroupLine {name} does not exist")));
            }
        }
        Ok(())
    }

    fn create(&self, groups: &[GroupLine]) -> Vec<String> {
        let mut argv = vec!["useradd".to_string()];
        let mut push = |flag: &str, value: &str| argv.extend([flag.to_string(), value.to_string()]);
        if let Some(uid) = self.uid {
            push("-u", &uid.to_string());
        }
        match &self.group {
            Some(group) => push("-g", group),
            // A group of the user's name already there: useradd would fail making it.
            None if groups.iter().any(|g| g.name == self.name) => argv.push("-N".into()),
            None => {}
        }
        let mut push = |flag: &str, value: &str| argv.extend([flag.to_string(), value.to_string()]);
        if let Some(wanted) = self.wanted_groups().filter(|w| !w.is_empty()) {
            push("-G", &wanted.join(","));
        }
        for (flag, value) in [("-c", &self.comment), ("-d", &self.home), ("-s", &self.shell)] {
            if let Some(value) = value {
                push(flag, value);
            }
        }
        if self.uid.is_some() && self.non_unique {
            argv.push("-o".into());
        }
        argv.push(if self.create_home { "-m" } else { "-M" }.into());
        if self.system {
            argv.push("-r".into());
        }
        argv.push(self.name.clone());
        argv
    }

    /// usermod's arguments for what differs; `None` when nothing does.
    fn modify(&self, account: &Account, groups: &[GroupLine]) -> Option<Vec<String>> {
        let mut argv = vec!["usermod".to_string()];
        if let Some(uid) = self.uid.filter(|uid| *uid != account.uid) {
            argv.extend(["-u".into(), uid.to_string()]);
            if self.non_unique {
                argv.push("-o".into());
            }
        }
        if let Some(group) = &self.group {
            let gid = groups.iter().find(|g| &g.name == group).map(|g| g.gid);
            if gid != Some(account.gid) {
                argv.extend(["-g".into(), group.clone()]);
            }
        }
        if let Some(wanted) = self.wanted_groups() {
            let current: Vec<&str> = groups
                .iter()
                .filter(|g| g.members.contains(&self.name))
                .map(|g| g.name.as_str())
                .collect();
            let missing = wanted.iter().any(|w| !current.contains(&w.as_str()));
            let extra = current.iter().any(|c| !wanted.iter().any(|w| w == c));
            if missing || (extra && !self.append) {
                if self.append {
                    argv.push("-a".into());
                }
                argv.extend(["-G".into(), wanted.join(",")]);
            }
        }
        let fields = [
            ("-c", &self.comment, &account.comment),
            ("-d", &self.home, &account.home),
            ("-s", &self.shell, &account.shell),
        ];
        for (flag, wanted, current) in fields {
            if let Some(wanted) = wanted.as_ref().filter(|w| *w != current) {
                argv.extend([flag.to_string(), wanted.clone()]);
                if flag == "-d" && self.move_home {
                    argv.push("-m".into());
                }
            }
        }
        (argv.len() > 1).then(|| {
            argv.push(self.name.clone());
            argv
        })
    }

    fn result(&self, account: Option<&Account>) -> Outcome {
        let state = if self.state == Presence::Present { "present" } else { "absent" };
        let mut data = vec![
            ("name".to_string(), Value::from(self.name.as_str())),
            ("state".to_string(), Value::from(state)),
        ];
        if let Some(account) = account {
            data.extend([
                ("uid".to_string(), Value::from(account.uid)),
                ("group".to_string(), Value::from(account.gid)),
                ("comment".to_string(), Value::from(account.comment.as_str())),
                ("home".to_string(), Value::from(account.home.as_str())),
                ("shell".to_string(), Value::from(account.shell.as_str())),
                ("system".to_string(), Value::from(self.system)),
            ]);
        }
        if let Some(groups) = self.wanted_groups() {
            data.push(("groups".to_string(), Value::from(groups.join(","))));
        }
        Outcome { data, ..Outcome::default() }
    }
}

impl Action for User {
    const NAME: &'static str = "user";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for User {
    type Plan = UserChange;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<UserChange>, ModuleError> {
        let accounts = accounts::accounts(host).await?;
        let account = accounts.iter().find(|a| a.name == self.name);
        if self.state == Presence::Absent {
            let Some(_) = account else { return Ok(Check::Ok(self.result(None))) };
            let mut argv = vec!["userdel".to_string()];
            argv.extend(self.remove.then(|| "-r".to_string()));
            argv.extend(self.force.then(|| "-f".to_string()));
            argv.push(self.name.clone());
            let change = Change::new(format!("remove user {}", self.name));
            return Ok(Check::Change(change, UserChange { argv: Some(argv), password: None }));
        }
        let groups = accounts::groups(host).await?;
        self.check_groups_exist(&groups)?;
        let argv = match account {
            None => Some(self.create(&groups)),
            Some(account) => self.modify(account, &groups),
        };
        let password = match (&self.password, account) {
            (Some(hash), None) => Some(hash.clone()),
            (Some(hash), Some(_)) if self.update_password == UpdatePassword::Always => {
                let current = accounts::password_hash(host, &self.name).await?;
                (current.as_deref() != Some(hash.as_str())).then(|| hash.clone())
            }
            _ => None,
        };
        if argv.is_none() && password.is_none() {
            return Ok(Check::Ok(self.result(account)));
        }
        let what: Vec<String> = argv
            .iter()
            .map(|a| a.join(" "))
            .chain(password.as_ref().map(|_| "set the password".to_string()))
            .collect();
        Ok(Check::Change(Change::new(what.join("; ")), UserChange { argv, password }))
    }

    async fn apply(&self, plan: UserChange, host: &HostWriter<'_>) -> Result<Outcome, ModuleError> {
        if let Some(argv) = plan.argv {
            let program = argv[0].clone();
            host.run_ok(Command::argv(argv), &program).await?;
        }
        if let Some(hash) = plan.password {
            let mut chpasswd = Command::argv(["chpasswd", "-e"]);
            chpasswd.stdin = Some(format!("{}:{hash}\n", self.name).into_bytes());
            host.run_ok(chpasswd, "chpasswd").await?;
        }
        let accounts = accounts::accounts(host).await?;
        Ok(self.result(accounts.iter().find(|a| a.name == self.name)))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        accounts::FILES.iter().map(|p| PlannedRead { path: p.to_string(), content: true }).collect()
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Creates, changes or removes a user account (password hashes through stdin).",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[
        ("name", "the account"),
        ("uid", "its id"),
        ("group", "its primary group"),
        ("groups", "its other groups"),
        ("home", "its home"),
        ("shell", "its shell"),
        ("comment", "its GECOS field"),
        ("system", "a system account"),
        ("state", "present or absent"),
    ],
    example: "- user: { name: deploy, shell: /bin/bash, groups: [sudo], append: true }",
};
