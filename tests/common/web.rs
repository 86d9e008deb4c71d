//! A real web server for the HTTP modules' tests.

/// A web server on this machine (Python's `http.server`) serving a folder; stopped when dropped.
pub struct WebServer {
    child: std::process::Child,
    pub port: u16,
}

impl WebServer {
    /// Serves `dir` on a free port of 127.0.0.1, once it answers (a loaded machine may take a
    /// while to start Python; a server that exits says why).
    pub fn serve(dir: &std::path::Path) -> WebServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.with_extension("http.log");
        let child = std::process::Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "-d"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Held from here, so that a server that never answers is still stopped.
        let mut server = WebServer { child, port };
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("http.server on {port} exited ({status}): {said}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("http.server did not answer on {port} within 30 s");
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
