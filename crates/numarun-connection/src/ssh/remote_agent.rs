//! The host agent (`connection::agent`) on one channel (a `RemoteProcess`).

use super::process_event::ProcessError;
use super::remote_process::{Incoming, RemoteProcess};
use super::remote_streams::RemoteStreams;
use crate::agent::{self, Reply};

pub struct RemoteAgent {
    process: RemoteProcess,
}

impl RemoteAgent {
    /// Starts the agent with `launcher` (perl, under sudo when escalating); `preamble` is
    /// written first (a sudo password line).
    pub async fn start(
        pipe: RemoteStreams,
        preamble: Option<&[u8]>,
    ) -> Result<RemoteAgent, ProcessError> {
        let mut agent = RemoteAgent { process: RemoteProcess::new(pipe) };
        let hello =
            agent.request(&[preamble.unwrap_or_default(), &agent::greeting()].concat()).await?;
        if hello.rc != 0 {
            return Err(ProcessError::Ended("agent", format!("it answered {} to hello", hello.rc)));
        }
        Ok(agent)
    }

    pub async fn request(&mut self, request: &[u8]) -> Result<Reply, ProcessError> {
        self.process.exchange(request, Arriving::default()).await
    }

    pub async fn abandon(self) {
        self.process.abandon().await;
    }
}

#[derive(Default)]
struct Arriving {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    reply: Option<Reply>,
}

impl Incoming for Arriving {
    type Reply = Reply;
    const WHAT: &'static str = "agent";

    fn stdout(&mut self, data: &[u8]) -> Result<(), ProcessError> {
        self.stdout.extend_from_slice(data);
        self.reply =
            agent::parse_reply(&self.stdout).map_err(|e| ProcessError::Garbled(e.to_string()))?;
        Ok(())
    }

    fn stderr(&mut self) -> &mut Vec<u8> {
        &mut self.stderr
    }

    fn is_complete(&self) -> bool {
        self.reply.is_some()
    }

    fn finish(self) -> Reply {
        self.reply.expect("a complete reply")
    }
}
