//! `--by` breakdowns: the fleet formulas applied to slices of the trace, each node observed in
//! its own window (see [`super::observation`]).
//!
//! - `node`: one row per observed node (the same figures as the node list);
//! - `group`: the nodes sharing a `group` attribute, as a fleet of their own (nodes without
//!   one form the group `(no group)`);
//! - `fault` and `cause`: only the outages of one fault class or root cause, over the whole
//!   fleet's observed time, i.e. the availability the fleet would have if that were the only
//!   kind of outage; outages without a cause form the row `(no cause)`, so the rows add up to
//!   the fleet;
//! - `month`: each calendar month (UTC; numeric times count from 1970-01-01) clipped to the
//!   window is a window of its own, observed for the nodes in service then, so a month's
//!   figures are normalised by the fleet of that month.
//!
//! Every row carries its share of the fleet's downtime. Rows are sorted by downtime, largest
//! first, except months, which stay in calendar order.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::PolarsResult;
use serde::Serialize;

use super::frame::{Key, NO_CAUSE, OutageFrame, Totals};
use super::metrics::Metrics;
use super::observation::{Observation, observed};
use super::window::Window;
use crate::trace::builder::natural_cmp;
use crate::trace::time::epoch_seconds;
use crate::trace::{Fault, Service, Trace};

/// The name of the row of nodes without a group.
pub const NO_GROUP: &str = "(no group)";
/// The name of the row of outages without a recorded cause.
pub const NO_CAUSE_NAME: &str = "(no cause)";

/// The slicing of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// One row per node.
    Node,
    /// One row per fault class.
    Fault,
    /// One row per `group` attribute.
    Group,
    /// One row per root cause.
    Cause,
    /// One row per calendar month.
    Month,
}

impl Breakdown {
    /// The name `--by` takes, which also names the breakdown's rows in output.
    pub fn name(self) -> &'static str {
        match self {
            Breakdown::Node => "node",
            Breakdown::Fault => "fault",
            Breakdown::Group => "group",
            Breakdown::Cause => "cause",
            Breakdown::Month => "month",
        }
    }
}

impl Serialize for Breakdown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl FromStr for Breakdown {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "node" => Ok(Breakdown::Node),
            "fault" => Ok(Breakdown::Fault),
            "group" => Ok(Breakdown::Group),
            "cause" => Ok(Breakdown::Cause),
            "month" => Ok(Breakdown::Month),
            _ => Err(format!(
                "unknown breakdown `{s}`; use node, fault, group, cause or month"
            )),
        }
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The slice's name: node, fault class, group, cause or `YYYY-MM`.
    pub group: String,
    /// Nodes whose time is observed in this row.
    pub nodes: u64,
    /// This row's downtime as a fraction of the fleet's (null when the fleet has none).
    pub share_of_downtime: Option<f64>,
    /// The figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// What the breakdown needs from the main analysis.
pub struct Inputs<'a> {
    /// The trace.
    pub trace: &'a Trace,
    /// The window.
    pub window: &'a Window,
    /// Each node's own window.
    pub observation: &'a Observation,
    /// Per-node downtime and failures, indexed by node id.
    pub node_totals: &'a [(f64, u64)],
}

impl Inputs<'_> {
    /// The services of the named nodes, by id.
    fn services(&self) -> Vec<Service> {
        self.trace.nodes.iter().map(|n| n.service).collect()
    }

    /// The fleet's observed time, nodes observed and total downtime.
    fn fleet(&self) -> (f64, u64, f64) {
        let windows = self.observation.windows.iter().flatten();
        let exposure: f64 = windows.clone().map(|w| w.seconds).sum::<f64>()
            + self.trace.unnamed_nodes as f64 * self.window.seconds;
        let nodes = windows.count() as u64 + self.trace.unnamed_nodes;
        let downtime = self.node_totals.iter().map(|t| t.0).sum();
        (exposure, nodes, downtime)
    }
}

/// Computes the rows of one breakdown.
pub fn breakdown(by: Breakdown, inputs: &Inputs<'_>) -> PolarsResult<Vec<GroupRow>> {
    let trace = inputs.trace;
    let (fleet_time, fleet_nodes, fleet_down) = inputs.fleet();
    let row = |name: String, nodes: u64, metrics: Metrics| GroupRow {
        group: name,
        nodes,
        share_of_downtime: (fleet_down > 0.0).then(|| metrics.downtime_s / fleet_down),
        metrics,
    };
    let slice = |name: String, totals: &Totals| {
        row(
            name,
            fleet_nodes,
            Metrics::from_totals(fleet_time, totals.downtime_s, totals.failures),
        )
    };
    let mut rows: Vec<GroupRow> = match by {
        Breakdown::Node => trace
            .nodes
            .iter()
            .zip(inputs.node_totals)
            .zip(&inputs.observation.windows)
            .filter_map(|((node, &(down, failures)), observed)| {
                observed.map(|w| {
                    row(
                        node.name.clone(),
                        1,
                        Metrics::from_totals(w.seconds, down, failures),
                    )
                })
            })
            .collect(),
        Breakdown::Group => {
            let mut groups: BTreeMap<&str, (u64, f64, f64, u64)> = BTreeMap::new();
            let named = trace.nodes.iter().zip(inputs.node_totals);
            for ((node, &(down, failures)), observed) in named.zip(&inputs.observation.windows) {
                let Some(w) = observed else { continue };
                let entry = groups.entry(node.group().unwrap_or(NO_GROUP)).or_default();
                entry.0 += 1;
                entry.1 += w.seconds;
                entry.2 += down;
                entry.3 += failures;
            }
            if trace.unnamed_nodes > 0 {
                let entry = groups.entry(NO_GROUP).or_default();
                entry.0 += trace.unnamed_nodes;
                entry.1 += trace.unnamed_nodes as f64 * inputs.window.seconds;
            }
            groups
                .into_iter()
                .map(|(name, (nodes, exposure, down, failures))| {
                    row(
                        name.to_string(),
                        nodes,
                        Metrics::from_totals(exposure, down, failures),
                    )
                })
                .collect()
        }
        Breakdown::Fault => OutageFrame::new(&trace.outages, &inputs.services(), &[Key::Fault])?
            .totals_by(Key::Fault, inputs.window)?
            .iter()
            .map(|t| slice(Fault::ALL[t.key as usize].name().to_string(), t))
            .collect(),
        Breakdown::Cause => OutageFrame::new(&trace.outages, &inputs.services(), &[Key::Cause])?
            .totals_by(Key::Cause, inputs.window)?
            .iter()
            .map(|t| {
                let name = match t.key {
                    NO_CAUSE => NO_CAUSE_NAME.to_string(),
                    key => trace.causes[key as usize].clone(),
                };
                slice(name, t)
            })
            .collect(),
        Breakdown::Month => {
            let frame = OutageFrame::new(&trace.outages, &inputs.services(), &[])?;
            months(inputs.window)
                .into_iter()
                .map(|(name, month)| {
                    let (down, failures) = frame
                        .totals_by(Key::Node, &month)?
                        .iter()
                        .fold((0.0, 0), |(d, f), t| (d + t.downtime_s, f + t.failures));
                    let in_service: Vec<Window> = trace
                        .nodes
                        .iter()
                        .filter_map(|n| observed(&n.service, &month))
                        .collect();
                    let exposure = in_service.iter().map(|w| w.seconds).sum::<f64>()
                        + trace.unnamed_nodes as f64 * month.seconds;
                    let nodes = in_service.len() as u64 + trace.unnamed_nodes;
                    Ok(row(
                        name,
                        nodes,
                        Metrics::from_totals(exposure, down, failures),
                    ))
                })
                .collect::<PolarsResult<Vec<_>>>()?
                .into_iter()
                .filter(|r| r.nodes > 0)
                .collect()
        }
    };
    if by != Breakdown::Month {
        rows.sort_by(|a, b| {
            b.metrics
                .downtime_s
                .total_cmp(&a.metrics.downtime_s)
                .then(b.metrics.failures.cmp(&a.metrics.failures))
                .then_with(|| natural_cmp(&a.group, &b.group))
        });
    }
    Ok(rows)
}

/// The calendar months (UTC) overlapping the window, each clipped to it, named `YYYY-MM`.
pub fn months(window: &Window) -> Vec<(String, Window)> {
    let month_start = |seconds: f64| {
        DateTime::from_timestamp(seconds.floor() as i64, 0)
            .and_then(|dt| NaiveDate::from_ymd_opt(dt.year(), dt.month(), 1))
    };
    let mut result = Vec::new();
    let Some(mut first) = month_start(window.start) else {
        return result;
    };
    while let Some(next) = first.checked_add_months(chrono::Months::new(1)) {
        let (from, to) = (
            epoch_seconds(&first.and_time(chrono::NaiveTime::MIN)),
            epoch_seconds(&next.and_time(chrono::NaiveTime::MIN)),
        );
        if from >= window.end {
            break;
        }
        if let Some(clipped) = Window::new(from.max(window.start), to.min(window.end)) {
            result.push((first.format("%Y-%m").to_string(), clipped));
        }
        first = next;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::time::parse_datetime;

    #[test]
    fn months_are_calendar_months_clipped_to_the_window() {
        let start = parse_datetime("2004-01-15").unwrap();
        let end = parse_datetime("2004-03-10").unwrap();
        let got = months(&Window::new(start, end).unwrap());
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["2004-01", "2004-02", "2004-03"]);
        assert_eq!(got[0].1.seconds, 17.0 * 86_400.0);
        assert_eq!(got[1].1.seconds, 29.0 * 86_400.0); // 2004 is a leap year
        assert_eq!(got[2].1.seconds, 9.0 * 86_400.0);
    }
}
