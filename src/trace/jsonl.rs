//! Reader for JSONL traces: one JSON object a line with the same fields as the CSV layouts as
//! keys. An object with `start` is an interval row, one with `event` an event row; other keys are
//! attributes. Times may be JSON numbers or strings. Blank lines are skipped. An outage needs
//! `node`, `start` and `end`, an event `time` (and `node` unless it is network-wide); other keys
//! may be left out.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::builder::TraceBuilder;
use super::error::{FieldError, TraceError};
use super::records::{BadRows, each_line};
use super::rows::{
    EVENT_COLUMNS, EventFields, INTERVAL_COLUMNS, IntervalFields, add_event, add_interval,
};
use super::time::TimeParser;

/// The text of a field: strings as they are, numbers as written, null and absent as empty.
fn text(object: &Map<String, Value>, key: &str) -> Result<String, FieldError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(FieldError::new(
            key,
            format!("expected a string or a number, found `{other}`"),
        )),
    }
}

fn add_object(
    object: &Map<String, Value>,
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
) -> Result<(), FieldError> {
    let is_interval = object.contains_key("start");
    let known: &[&str] = if is_interval {
        &INTERVAL_COLUMNS
    } else if object.contains_key("event") {
        &EVENT_COLUMNS
    } else {
        return Err(FieldError::row(
            "an object needs `node`,`start`,`end` (an outage) or `time`,`node`,`event` (an event)",
        ));
    };
    let required: &[&str] = if is_interval {
        &INTERVAL_COLUMNS[..3]
    } else {
        &["time"]
    };
    if let Some(key) = required.iter().find(|k| !object.contains_key(**k)) {
        return Err(FieldError::new(
            key,
            format!("missing (the object has no `{key}` key)"),
        ));
    }
    let fields: Vec<String> = known
        .iter()
        .map(|key| text(object, key))
        .collect::<Result<_, _>>()?;
    let extra_values: Vec<(String, String)> = object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| Ok((k.clone(), text(object, k)?)))
        .collect::<Result<_, FieldError>>()?;
    let extras = extra_values.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if is_interval {
        let row = IntervalFields {
            node: &fields[0],
            start: &fields[1],
            end: &fields[2],
            fault: &fields[3],
        };
        add_interval(builder, times, row, extras)
    } else {
        let row = EventFields {
            time: &fields[0],
            node: &fields[1],
            event: &fields[2],
            fault: &fields[3],
            detail: &fields[4],
        };
        add_event(builder, times, row, extras)
    }
}

/// Reads a JSONL trace into the builder.
pub fn read(
    file: &str,
    input: impl BufRead,
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    each_line(file, input, bad_rows, |line| {
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => add_object(&object, builder, times),
            Ok(_) => Err(FieldError::row("each line must be one JSON object")),
            Err(err) => Err(FieldError::row(format!("not valid JSON: {err}"))),
        }
    })
}
