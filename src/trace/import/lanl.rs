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
//! - service window: `node prod` (production) to `node decom` (decommission), month precision:
//!   in service from the first day of the production month to the end of the decommission
//!   month (Denver midnight). `before tracking` means since before the data, `current` still in
//!   service when it ends. The file writes months as `Nov-96` or, where a spreadsheet turned
//!   `Nov-05` into a date, `5-Nov`; both mean November of that year. A declared node that never
//!   appears in a row takes the window most of its system's recorded nodes share.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{NaiveDate, NaiveDateTime};

use crate::trace::builder::TraceBuilder;
use crate::trace::error::{FieldError, TraceError, check_row_length};
use crate::trace::model::{Fault, Service};
use crate::trace::records::{BadRows, csv_error, csv_reader, each_record, required_column};
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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A service month as written in `node prod` / `node decom`: `(year, month 1-12)`, or `None` for
/// an open end (`before tracking`, `current`, empty).
fn service_month(column: &str, text: &str) -> Result<Option<(i32, u32)>, FieldError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("before tracking") || text == "current" {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            column,
            format!("`{text}` is not a month (`Nov-96`, `5-Nov`), `before tracking` or `current`"),
        )
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let month_of = |name: &str| {
        MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(name))
            .map(|i| i as u32 + 1)
    };
    // `Nov-96` is month-year; `5-Nov` is the same text after a spreadsheet read `Nov-05` as a
    // day of November, so its number is the year.
    let (month, year) = match (month_of(a), month_of(b)) {
        (Some(month), None) => (month, b),
        (None, Some(month)) => (month, a),
        _ => return Err(bad()),
    };
    let year: i32 = year.parse().map_err(|_| bad())?;
    let year = match year {
        0..=69 => 2000 + year,
        70..=99 => 1900 + year,
        _ => year,
    };
    Ok(Some((year, month)))
}

/// Midnight (Denver) on the first day of a month.
fn month_start(year: i32, month: u32) -> Option<f64> {
    let day = NaiveDate::from_ymd_opt(year, month, 1)?;
    local_to_epoch(
        &chrono_tz::America::Denver,
        &day.and_time(chrono::NaiveTime::MIN),
    )
}

/// A node's service window from its `node prod` and `node decom` fields.
fn service_window(prod: &str, decom: &str) -> Result<Service, FieldError> {
    let invalid = |column: &str| FieldError::new(column, "the month does not exist");
    let start = match service_month("node prod", prod)? {
        None => f64::NEG_INFINITY,
        Some((y, m)) => month_start(y, m).ok_or_else(|| invalid("node prod"))?,
    };
    let end = match service_month("node decom", decom)? {
        None => f64::INFINITY,
        Some((y, m)) => {
            let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            month_start(y, m).ok_or_else(|| invalid("node decom"))?
        }
    };
    if end <= start {
        return Err(FieldError::new(
            "node decom",
            format!("the node is decommissioned ({decom}) before its production month ({prod})"),
        ));
    }
    Ok(Service { start, end })
}

/// The most nodes the systems of one file may declare in their `nodes` columns, together: far
/// above any real data (LANL's 22 systems had 4,750), far below what would exhaust memory naming
/// them.
pub const MAX_SYSTEM_NODES: u64 = 100_000;

/// The window most of a system's recorded nodes share (ties: the earliest start).
fn usual_window(windows: &[(f64, f64)]) -> Option<Service> {
    let mut counts: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    for &(start, end) in windows {
        *counts
            .entry((
                crate::trace::builder::ordered_bits(start),
                crate::trace::builder::ordered_bits(end),
            ))
            .or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == most)
        .map(|((start, end), _)| Service {
            start: crate::trace::builder::from_ordered_bits(start),
            end: crate::trace::builder::from_ordered_bits(end),
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
    let column = |name: &str| required_column(file, &header, "LANL", name);
    let system = column("System")?;
    let nodes = column("nodes")?;
    let nodenumz = column("nodenumz")?;
    let started = column("Prob Started")?;
    let prod = column("node prod")?;
    let decom = column("node decom")?;
    let fixed = column("Prob Fixed")?;
    let causes = CAUSE_COLUMNS
        .iter()
        .map(|c| column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = header.iter().map(String::from).collect();
    let required = [system, started, fixed];
    let mut system_sizes: BTreeMap<String, u64> = BTreeMap::new();
    // The nodes the systems declare so far, together (the sum of `system_sizes`).
    let mut declared: u64 = 0;
    // Each recorded node's window, by system, to date the nodes no row names.
    let mut dated: BTreeMap<String, BTreeMap<String, (f64, f64)>> = BTreeMap::new();
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
        let size = match field(nodes) {
            "" => None,
            text => {
                let size = text.parse::<u64>().map_err(|_| {
                    FieldError::new("nodes", format!("`{text}` is not a node count"))
                })?;
                let known = system_sizes.get(sys).copied().unwrap_or(0);
                let total = declared - known + known.max(size);
                if total > MAX_SYSTEM_NODES {
                    return Err(FieldError::new(
                        "nodes",
                        format!(
                            "`{text}` nodes: at most {MAX_SYSTEM_NODES} in all systems together \
                             (each is declared by name, so that nodes that never failed count \
                             as up)"
                        ),
                    ));
                }
                declared = total;
                Some(size)
            }
        };
        let name = match field(nodenumz) {
            "" => {
                system_level += 1;
                sys.to_string()
            }
            number => format!("{sys}-{number}"),
        };
        let service = service_window(field(prod), field(decom))?;
        let node = builder.node(&name);
        builder.attr(node, "group", sys);
        builder.service(node, service);
        builder.dated_by_source(node);
        dated
            .entry(sys.to_string())
            .or_default()
            .entry(name)
            .or_insert((service.start, service.end));
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
        let recorded = dated.get(&sys);
        let usual =
            recorded.and_then(|nodes| usual_window(&nodes.values().copied().collect::<Vec<_>>()));
        for number in 0..size {
            let name = format!("{sys}-{number}");
            let never_recorded = recorded.is_none_or(|nodes| !nodes.contains_key(&name));
            let node = builder.node(&name);
            builder.attr(node, "group", &sys);
            builder.dated_by_source(node);
            if let (true, Some(usual)) = (never_recorded, usual) {
                builder.service(node, usual);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_months_in_both_spellings() {
        assert_eq!(service_month("node prod", "Nov-96"), Ok(Some((1996, 11))));
        // A spreadsheet's reading of `Nov-05` as the 5th of November.
        assert_eq!(service_month("node decom", "5-Nov"), Ok(Some((2005, 11))));
        assert_eq!(service_month("node prod", "before tracking"), Ok(None));
        assert_eq!(service_month("node decom", "current"), Ok(None));
        assert!(service_month("node prod", "Nov").is_err());
        assert!(service_month("node prod", "13-96").is_err());
    }

    #[test]
    fn a_window_runs_from_the_first_of_production_to_the_end_of_decommission() {
        let w = service_window("Sep-03", "4-Dec").unwrap();
        // Midnight in Denver: 06:00 UTC in September (MDT), 07:00 UTC in January (MST).
        assert_eq!(
            w.start,
            crate::trace::time::parse_datetime("2003-09-01 06:00").unwrap()
        );
        assert_eq!(
            w.end,
            crate::trace::time::parse_datetime("2005-01-01 07:00").unwrap()
        );
        let open = service_window("before tracking", "current").unwrap();
        assert_eq!((open.start, open.end), (f64::NEG_INFINITY, f64::INFINITY));
        assert!(service_window("Jan-04", "Dec-03").is_err());
    }
}
