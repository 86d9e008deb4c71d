//! A real web server for the HTTP modules' tests.

/// A web server on this machine (Python's `http.server`) serving `dir`; stopped when dropped.
pub struct WebServer {
    child: std::process::Child,
    pub port: u16,
}

impl WebServer {
    pub fn serve(dir: &std::path::Path) -> WebServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "-d"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Held from here, so that a server that never answers is still stopped.
        let server = WebServer { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("http.server did not start on {port}");
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
