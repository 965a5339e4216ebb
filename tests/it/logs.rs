//! The daemon's log lines, caught for the tests that count what an operator would read: a
//! subscriber for the whole test binary that keeps every event at INFO and above as text.

use std::fmt::Write as _;
use std::sync::{Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One log event: its level and its message with its fields (`key=value`).
#[derive(Debug, Clone)]
pub struct Line {
    pub level: Level,
    pub text: String,
}

static LINES: Mutex<Vec<Line>> = Mutex::new(Vec::new());

struct Catch;

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?} ");
        } else {
            let _ = write!(self.0, "{}={value:?} ", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value} ");
        } else {
            let _ = write!(self.0, "{}={value} ", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for Catch {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() > Level::INFO {
            return;
        }
        let mut text = Text(String::new());
        event.record(&mut text);
        LINES.lock().unwrap().push(Line {
            level: *event.metadata().level(),
            text: text.0,
        });
    }
}

/// Starts catching (once per test binary; events before are not caught).
pub fn catch() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Catch);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    });
}

/// The lines caught so far at `level` whose text holds every one of `words`.
pub fn lines(level: Level, words: &[&str]) -> Vec<Line> {
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.level == level && words.iter().all(|w| l.text.contains(w)))
        .cloned()
        .collect()
}
