//! Importer for the LANL CFDR outage CSV (`LA-UR-05-7318-failure-data-1996-2005.csv`), the data
//! of Schroeder & Gibson, "A large-scale study of failures in high-performance computing
//! systems" (DSN 2006).
//!
//! - node = `System`-`nodenumz` (e.g. `20-17`); `group` = `System`;
//! - outage = `Prob Started` .. `Prob Fixed`, local America/Denver wall-clock time converted with
//!   the DST rules, so outages spanning a DST change get their true length;
//! - `cause` = the name of the one non-empty cause column (`Hardware`, `Software`, ...);
//! - population: the `nodes` column gives each system's node count, and every node `0..nodes`
//!   of a system is declared, so nodes that never failed count as up. Rows with an empty
//!   `nodenumz` (system 17 records whole-system events) become a node named after the system.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::NaiveDateTime;

use crate::trace::builder::TraceBuilder;
use crate::trace::error::{FieldError, TraceError, check_row_length};
use crate::trace::model::Fault;
use crate::trace::records::{BadRows, csv_error, csv_reader, each_record};
use crate::trace::time::{TimeKind, local_to_epoch};

/// The six root-cause columns; exactly one is non-empty in a classified row.
const CAUSE_COLUMNS: [&str; 6] = [
    "Facilities",
    "Hardware",
    "Human Error",
    "Network",
    "Undetermined",
    "Software",
];

/// Whether a header row is the LANL layout.
pub fn matches(header: &[String]) -> bool {
    header.iter().any(|h| h == "Prob Started") && header.iter().any(|h| h == "nodenumz")
}

fn local_time(column: &str, text: &str) -> Result<f64, FieldError> {
    NaiveDateTime::parse_from_str(text.trim(), "%m/%d/%Y %H:%M")
        .ok()
        .and_then(|naive| local_to_epoch(&chrono_tz::America::Denver, &naive))
        .ok_or_else(|| {
            FieldError::new(
                column,
                format!("`{text}` is not a LANL time; expected `M/D/YYYY H:MM`"),
            )
        })
}

/// Reads a LANL outage CSV into the builder.
pub fn read(
    file: &str,
    input: impl Read,
    builder: &mut TraceBuilder,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    builder.time_kind(file, TimeKind::Datetime)?;
    let mut reader = csv_reader(input);
    let header = reader.headers().map_err(|e| csv_error(file, e, 0))?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| TraceError::BadHeader {
                file: file.to_string(),
                reason: format!("the LANL layout needs a `{name}` column"),
            })
    };
    let system = column("System")?;
    let nodes = column("nodes")?;
    let nodenumz = column("nodenumz")?;
    let started = column("Prob Started")?;
    let fixed = column("Prob Fixed")?;
    let causes = CAUSE_COLUMNS
        .iter()
        .map(|c| column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = header.iter().map(String::from).collect();
    let required = [system, started, fixed];
    let mut system_sizes: BTreeMap<String, u64> = BTreeMap::new();
    let mut system_level = 0u64;
    each_record(file, &mut reader, 0, bad_rows, |record| {
        check_row_length(&names, &required, record.len())?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let sys = field(system);
        if sys.is_empty() {
            return Err(FieldError::new("System", "the system id is empty"));
        }
        let start = local_time("Prob Started", field(started))?;
        let end = local_time("Prob Fixed", field(fixed))?;
        if end < start {
            return Err(FieldError::new(
                "Prob Fixed",
                format!(
                    "the outage is fixed ({}) before it starts ({})",
                    field(fixed),
                    field(started)
                ),
            ));
        }
        let size =
            match field(nodes) {
                "" => None,
                text => Some(text.parse::<u64>().map_err(|_| {
                    FieldError::new("nodes", format!("`{text}` is not a node count"))
                })?),
            };
        let name = match field(nodenumz) {
            "" => {
                system_level += 1;
                sys.to_string()
            }
            number => format!("{sys}-{number}"),
        };
        let node = builder.node(&name);
        builder.attr(node, "group", sys);
        let cause = causes
            .iter()
            .zip(CAUSE_COLUMNS)
            .find(|(i, _)| !field(**i).is_empty())
            .map(|(_, name)| builder.cause(name));
        builder.outage(node, start, end, Fault::Unknown, cause);
        if let Some(size) = size {
            let known = system_sizes.entry(sys.to_string()).or_default();
            *known = (*known).max(size);
        }
        Ok(())
    })?;
    for (sys, size) in system_sizes {
        for number in 0..size {
            let node = builder.node(&format!("{sys}-{number}"));
            builder.attr(node, "group", &sys);
        }
    }
    if system_level > 0 {
        builder.warn(format!(
            "{file}: {system_level} row(s) name no node (`nodenumz` empty); \
             they are counted as outages of a node named after their system"
        ));
    }
    Ok(())
}
