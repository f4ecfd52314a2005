//! Everything the in-process servers log, captured once per test process so tests can read it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::MakeWriter;

static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// Installs the capturing subscriber (JSON lines, as in production) once.
pub fn install() {
    BUFFER.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        nemid_desk::telemetry::init(nemid_desk::config::LogFormat::Json, Capture(buf.clone()));
        buf
    });
}

/// All log output so far.
pub fn text() -> String {
    install();
    String::from_utf8_lossy(&BUFFER.get().unwrap().lock().unwrap()).to_string()
}
