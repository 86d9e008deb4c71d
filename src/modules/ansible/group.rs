//! `group`: a local group present with its gid, or absent (`groupadd`, `groupmod`,
//! `groupdel`), decided from `/etc/group`.

use async_trait::async_trait;
use minijinja::Value;
use serde::Deserialize;

use crate::connection::{Command, PlannedRead};
use crate::modules::action::Action;
use crate::modules::contract::{Check, Module, Outcome};
use crate::modules::doc::{CheckMode, ModuleDoc};
use crate::modules::error::ModuleError;
use crate::modules::host_reader::HostReader;
use crate::modules::host_writer::HostWriter;
use crate::modules::support::accounts;
use crate::modules::support::lines::Presence;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupModule {
    name: String,
    gid: Option<u32>,
    #[serde(default)]
    state: Presence,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    non_unique: bool,
}

impl GroupModule {
    fn result(&self, gid: Option<u32>) -> Outcome {
        let mut data = vec![
            ("name".to_string(), Value::from(self.name.as_str())),
            (
                "state".to_string(),
                Value::from(if self.state == Presence::Present { "present" } else { "absent" }),
            ),
            ("system".to_string(), Value::from(self.system)),
        ];
        data.extend(gid.map(|gid| ("gid".to_string(), Value::from(gid))));
        Outcome { data, ..Outcome::default() }
    }
}

impl Action for GroupModule {
    const NAME: &'static str = "group";
    const DOC: &'static ModuleDoc = &DOC;
}

#[async_trait]
impl Module for GroupModule {
    type Plan = Vec<String>;

    async fn check(&self, host: &HostReader<'_>) -> Result<Check<Vec<String>>, ModuleError> {
        let groups = accounts::groups(host).await?;
        let existing = groups.iter().find(|g| g.name == self.name);
        let name = self.name.clone();
        let argv: Vec<String> = match (self.state, existing) {
            (Presence::Absent, None) => return Ok(Check::Ok(self.result(None))),
            (Presence::Absent, Some(_)) => vec!["groupdel".into(), name],
            (Presence::Present, None) => {
                let mut argv = vec!["groupadd".to_string()];
                if let Some(gid) = self.gid {
                    argv.extend(["-g".into(), gid.to_string()]);
                    if self.non_unique {
                        argv.push("-o".into());
                    }
                }
                if self.system {
                    argv.push("-r".into());
                }
                argv.push(name);
                argv
            }
            (Presence::Present, Some(group)) => match self.gid {
                Some(gid) if gid != group.gid => {
                    let mut argv = vec!["groupmod".to_string(), "-g".into(), gid.to_string()];
                    if self.non_unique {
                        argv.push("-o".into());
                    }
                    argv.push(name);
                    argv
                }
                _ => return Ok(Check::Ok(self.result(Some(group.gid)))),
            },
        };
        Ok(Check::Change(crate::modules::contract::Change::new(argv.join(" ")), argv))
    }

    async fn apply(
        &self,
        argv: Vec<String>,
        host: &HostWriter<'_>,
    ) -> Result<Outcome, ModuleError> {
        let program = argv[0].clone();
        host.run_ok(Command::argv(argv), &program).await?;
        let gid =
            accounts::groups(host).await?.into_iter().find(|g| g.name == self.name).map(|g| g.gid);
        Ok(self.result(gid))
    }

    fn planned_reads(&self) -> Vec<PlannedRead> {
        vec![PlannedRead { path: "/etc/group".into(), content: true }]
    }
}

/// What `numarun doc` says of it.
pub const DOC: ModuleDoc = ModuleDoc {
    summary: "Creates, changes or removes a group.",
    check_mode: CheckMode::Predicts,
    diff: false,
    returns: &[("name", "the group"), ("gid", "its id"), ("system", "a system group")],
    example: "- group: { name: deploy, gid: 2001 }",
};
