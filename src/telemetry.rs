//! Logging: `tracing` to stderr, human-readable or one JSON object per line.
//!
//! Levels mean something: ERROR is for an operator to act on. actix-http reports a client's
//! malformed request (bad header bytes, a broken request line) as an ERROR "stream error: request
//! parse error: …" of its own; such events are taken out of the output and written again at WARN
//! under `nemid_desk::http::client_error`, since the client, not the operator, must act.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "info,actix_server=warn";

/// Installs the global subscriber writing to `writer`. A second call is a no-op (tests).
pub fn init<W>(format: LogFormat, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let not_client_noise = filter_fn(|m| !is_client_noise(m));
    let output = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .with_filter(not_client_noise)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(not_client_noise)
            .boxed(),
    };
    let _ = tracing_subscriber::registry().with(filter).with(output).with(ClientErrorsAsWarnings).try_init();
}

/// An ERROR from the HTTP library about a request that could not be parsed: the client's fault.
fn is_client_noise(m: &Metadata<'_>) -> bool {
    *m.level() == Level::ERROR && m.target().starts_with("actix_http")
}

/// Writes actix-http's client-caused errors again, at WARN (see the module doc). Its other errors
/// (a service that failed to start, say) keep their level: the message tells them apart.
struct ClientErrorsAsWarnings;

impl<S: Subscriber> Layer<S> for ClientErrorsAsWarnings {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if !is_client_noise(event.metadata()) {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let text = message.0;
        if text.contains("parse error") || text.contains("malformed") || text.contains("invalid") {
            tracing::warn!(target: "nemid_desk::http::client_error", "a client sent a malformed request: {text}");
        } else {
            tracing::error!(target: "nemid_desk::http::server", "the HTTP server reported: {text}");
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}
