//! Importer for the Failure Trace Archive `event_trace.tab` layout (Kondo et al., CCGrid 2010):
//! a `#` header line, then whitespace-separated columns `event_id component_id node_id
//! platform_id node_name event_type event_start_time event_stop_time event_end_reason`.
//!
//! - node = `node_id` (unique per node, unlike `node_name`); `group` = `node_name` before the `.`;
//! - `event_type` 0 is an outage from start to stop (epoch seconds); 1 is an up interval, which
//!   only widens the observed span;
//! - an up interval's `event_end_reason` is the cause of the failure that ended it, so it becomes
//!   the cause of that node's next outage (named through [`super::fta_codes`]);
//! - a node is in service from its first to its last recorded event, that instant included.

use std::collections::HashMap;
use std::io::BufRead;

use crate::trace::builder::TraceBuilder;
use crate::trace::error::{FieldError, TraceError, field_count};
use crate::trace::model::Fault;
use crate::trace::records::{BadRows, each_line};
use crate::trace::time::TimeKind;

const COLUMNS: [&str; 9] = [
    "event_id",
    "component_id",
    "node_id",
    "platform_id",
    "node_name",
    "event_type",
    "event_start_time",
    "event_stop_time",
    "event_end_reason",
];

/// Whether the first line of a file is an FTA `event_trace` header.
pub fn matches(first_line: &str) -> bool {
    first_line.starts_with('#') && first_line.contains("event_type")
}

fn epoch(column: &str, text: &str) -> Result<f64, FieldError> {
    text.parse::<f64>()
        .ok()
        .filter(|t| t.is_finite())
        .ok_or_else(|| FieldError::new(column, format!("`{text}` is not epoch seconds")))
}

/// Reads an FTA event trace into the builder.
pub fn read(
    file: &str,
    input: impl BufRead,
    builder: &mut TraceBuilder,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    builder.time_kind(file, TimeKind::Datetime)?;
    let mut failure_cause: HashMap<String, String> = HashMap::new();
    each_line(file, input, bad_rows, |line| {
        if line.starts_with('#') {
            return Ok(());
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < COLUMNS.len() {
            return Err(FieldError::new(
                COLUMNS[fields.len()],
                format!(
                    "missing (the row has {}; the FTA layout has {})",
                    field_count(fields.len()),
                    COLUMNS.len()
                ),
            ));
        }
        let down = match fields[5] {
            "0" => true,
            "1" => false,
            other => {
                return Err(FieldError::new(
                    "event_type",
                    format!("`{other}` is not 0 (unavailable) or 1 (available)"),
                ));
            }
        };
        let start = epoch("event_start_time", fields[6])?;
        let stop = epoch("event_stop_time", fields[7])?;
        if stop < start {
            return Err(FieldError::new(
                "event_stop_time",
                "the interval stops before it starts",
            ));
        }
        let (node_id, reason) = (fields[2], fields[8]);
        let node = builder.node(node_id);
        builder.service_start(node, start);
        builder.last_seen(node, stop);
        let group = fields[4].split('.').next().unwrap_or(fields[4]);
        builder.attr(node, "group", group);
        if down {
            let cause = failure_cause
                .remove(node_id)
                .map(|code| builder.cause(&super::fta_codes::describe(&code)));
            builder.outage(node, start, stop, Fault::Unknown, cause);
        } else {
            builder.observe(start);
            builder.observe(stop);
            if reason != "NULL" {
                failure_cause.insert(node_id.to_string(), reason.to_string());
            }
        }
        Ok(())
    })
}
