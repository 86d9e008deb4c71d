//! `--json-log FILE`: one JSON object per event per line.

use std::fs::File;
use std::io::{BufWriter, Write};

use super::bus::Reporter;
use crate::events::Event;

pub struct JsonLog {
    out: BufWriter<File>,
}

impl JsonLog {
    pub fn create(path: &std::path::Path) -> std::io::Result<JsonLog> {
        Ok(JsonLog { out: BufWriter::new(File::create(path)?) })
    }
}

impl Reporter for JsonLog {
    fn event(&mut self, event: &Event) {
        // A log that cannot be written must not stop the run; the terminal still reports.
        let _ = serde_json::to_writer(&mut self.out, event).map(|_| self.out.write_all(b"\n"));
        if matches!(
            event,
            Event::RunEnd { .. } | Event::HostUnreachable { .. } | Event::Interrupted { .. }
        ) || matches!(event, Event::StepResult(r) if r.status == crate::events::Status::Failed)
        {
            let _ = self.out.flush();
        }
    }
}

impl Drop for JsonLog {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}
