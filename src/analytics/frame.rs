//! The polars side of the analytics: the grouped breakdowns (`--by fault`, `cause`, `month`),
//! clipping every outage to a window and summing downtime and failures per key (node, fault
//! class, root cause) in one lazy query.
//!
//! The trace's outages become one `DataFrame` with columns `node` (u32), `start`, `end` (f64
//! seconds), `lo`, `hi` (the node's service window), `fault` (u32 code, index into
//! [`Fault::ALL`]) and `cause` (u32, [`NO_CAUSE`] when unknown). The query applies the rule of
//! [`super::window`] to each node's own window `[max(W0, lo), min(W1, hi))`:
//! `down = max(0, min(end, W1, hi) - max(start, W0, lo))` and `failed = max(W0, lo) <= start <
//! min(W1, hi)`, drops outages that contribute neither, and aggregates. Results come back as plain typed rows; nothing
//! polars-specific leaves this module.

use polars::prelude::*;

use super::window::Window;
use crate::trace::{Fault, Outage, Service};

/// The `cause` key of outages without a recorded cause.
pub const NO_CAUSE: u32 = u32::MAX;

/// What to sum outages by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Per node id.
    Node,
    /// Per fault class code (index into [`Fault::ALL`]).
    Fault,
    /// Per root-cause index; outages without a cause have [`NO_CAUSE`].
    Cause,
}

impl Key {
    fn column(self) -> &'static str {
        match self {
            Key::Node => "node",
            Key::Fault => "fault",
            Key::Cause => "cause",
        }
    }
}

/// Downtime and failures of one key's outages inside a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    /// The key's value (node id, fault code, cause index).
    pub key: u32,
    /// Clipped downtime, seconds.
    pub downtime_s: f64,
    /// Outages that start inside the window.
    pub failures: u64,
}

/// The code of a fault class in the `fault` column.
pub fn fault_code(fault: Fault) -> u32 {
    Fault::ALL.iter().position(|f| *f == fault).unwrap_or(0) as u32
}

/// All outages of a trace as a polars frame.
#[derive(Debug, Clone)]
pub struct OutageFrame {
    frame: DataFrame,
}

impl OutageFrame {
    /// Builds the frame from canonical outages, with the `node`, `start` and `end` columns and
    /// the columns of `keys` (fault, cause) only when asked for: a frame of millions of outages
    /// should hold no column nobody sums by.
    /// `services` holds each node's service window, by node id.
    pub fn new(outages: &[Outage], services: &[Service], keys: &[Key]) -> PolarsResult<Self> {
        let node: Vec<u32> = outages.iter().map(|o| o.node).collect();
        let start: Vec<f64> = outages.iter().map(|o| o.start).collect();
        let end: Vec<f64> = outages.iter().map(|o| o.end).collect();
        let service = |o: &Outage| services.get(o.node as usize).copied().unwrap_or_default();
        let lo: Vec<f64> = outages.iter().map(|o| service(o).start).collect();
        let hi: Vec<f64> = outages.iter().map(|o| service(o).end).collect();
        let mut columns = vec![
            Column::new("node".into(), node),
            Column::new("start".into(), start),
            Column::new("end".into(), end),
            Column::new("lo".into(), lo),
            Column::new("hi".into(), hi),
        ];
        if keys.contains(&Key::Fault) {
            let fault: Vec<u32> = outages.iter().map(|o| fault_code(o.fault())).collect();
            columns.push(Column::new("fault".into(), fault));
        }
        if keys.contains(&Key::Cause) {
            let cause: Vec<u32> = outages
                .iter()
                .map(|o| o.cause().unwrap_or(NO_CAUSE))
                .collect();
            columns.push(Column::new("cause".into(), cause));
        }
        Ok(Self {
            frame: DataFrame::new_infer_height(columns)?,
        })
    }

    /// The outages clipped to `window` and their node's service window, with `down` and
    /// `failed` columns, keeping only those that contribute downtime or a failure.
    fn clipped(&self, window: &Window) -> LazyFrame {
        let min = |a: Expr, b: Expr| when(a.clone().lt(b.clone())).then(a).otherwise(b);
        let max = |a: Expr, b: Expr| when(a.clone().gt(b.clone())).then(a).otherwise(b);
        let w0 = max(lit(window.start), col("lo"));
        let w1 = min(lit(window.end), col("hi"));
        let clipped_end = min(col("end"), w1.clone());
        let clipped_start = max(col("start"), w0.clone());
        let span = clipped_end - clipped_start;
        let down = when(span.clone().gt(lit(0.0)))
            .then(span)
            .otherwise(lit(0.0))
            .alias("down");
        let failed = col("start")
            .gt_eq(w0)
            .and(col("start").lt(w1))
            .alias("failed");
        self.frame
            .clone()
            .lazy()
            .with_columns([down, failed])
            .filter(col("down").gt(lit(0.0)).or(col("failed")))
    }

    /// Downtime and failures per key inside `window`, sorted by key. Keys without any
    /// contributing outage are absent.
    pub fn totals_by(&self, key: Key, window: &Window) -> PolarsResult<Vec<Totals>> {
        let column = key.column();
        let frame = self
            .clipped(window)
            .group_by([col(column)])
            .agg([
                col("down").sum(),
                col("failed").cast(DataType::UInt64).sum(),
            ])
            .sort([column], SortMultipleOptions::default())
            .collect()?;
        let keys = frame.column(column)?.u32()?;
        let down = frame.column("down")?.f64()?;
        let failed = frame.column("failed")?.u64()?;
        Ok(keys
            .iter()
            .zip(down.iter())
            .zip(failed.iter())
            .filter_map(|((key, down), failed)| {
                Some(Totals {
                    key: key?,
                    downtime_s: down.unwrap_or(0.0),
                    failures: failed.unwrap_or(0),
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::window::clip_totals;

    fn outage(node: u32, start: f64, end: f64, fault: Fault, cause: Option<u32>) -> Outage {
        Outage::new(node, start, end, fault, cause)
    }

    #[test]
    fn per_node_totals_follow_the_clipping_rule() {
        let outages = [
            outage(0, 0.0, 5.0, Fault::Transient, None),
            outage(0, 5.5, 12.0, Fault::Transient, None),
            outage(0, 13.0, 14.0, Fault::Permanent, Some(1)),
            outage(1, 15.0, 15.0, Fault::Unknown, Some(0)),
            outage(1, 18.0, f64::INFINITY, Fault::Transient, Some(1)),
            outage(2, 20.0, 30.0, Fault::Transient, None),
        ];
        let frame = OutageFrame::new(&outages, &[], &[Key::Fault, Key::Cause]).unwrap();
        let w = Window::new(10.0, 20.0).unwrap();
        let totals = frame.totals_by(Key::Node, &w).unwrap();
        assert_eq!(
            totals,
            vec![
                Totals {
                    key: 0,
                    downtime_s: 3.0,
                    failures: 1
                },
                Totals {
                    key: 1,
                    downtime_s: 2.0,
                    failures: 2
                },
            ]
        );
        let by_fault = frame.totals_by(Key::Fault, &w).unwrap();
        let transient = fault_code(Fault::Transient);
        assert!(by_fault.contains(&Totals {
            key: transient,
            downtime_s: 4.0,
            failures: 1
        }));
        let by_cause = frame.totals_by(Key::Cause, &w).unwrap();
        assert_eq!(by_cause.len(), 3);
        assert_eq!(by_cause[1].downtime_s, 3.0);
        assert_eq!(
            by_cause[2],
            Totals {
                key: NO_CAUSE,
                downtime_s: 2.0,
                failures: 0
            }
        );
        // Node 1 in service only from 19 on: its outage from 18 counts from 19, and is no
        // failure of its window; its blip at 15 falls outside.
        let services = [
            Service::ALWAYS,
            Service {
                start: 19.0,
                end: f64::INFINITY,
            },
        ];
        let frame = OutageFrame::new(&outages, &services, &[]).unwrap();
        let totals = frame.totals_by(Key::Node, &w).unwrap();
        assert_eq!(
            totals[1],
            Totals {
                key: 1,
                downtime_s: 1.0,
                failures: 0
            }
        );
    }

    #[test]
    fn polars_agrees_with_the_plain_rule_on_random_outages() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let outages: Vec<Outage> = (0..2_000)
            .map(|_| {
                let node = rng.random_range(0..7);
                let start = rng.random_range(0.0..1_000.0);
                let len = if rng.random_bool(0.1) {
                    0.0
                } else {
                    rng.random_range(0.0..50.0)
                };
                outage(node, start, start + len, Fault::Unknown, None)
            })
            .collect();
        let frame = OutageFrame::new(&outages, &[], &[Key::Fault, Key::Cause]).unwrap();
        let w = Window::new(100.0, 900.0).unwrap();
        for t in frame.totals_by(Key::Node, &w).unwrap() {
            let mine = outages
                .iter()
                .filter(|o| o.node == t.key)
                .map(|o| (o.start, o.end));
            let (down, failures) = clip_totals(mine, &w);
            assert_eq!(t.failures, failures, "node {}", t.key);
            assert!((t.downtime_s - down).abs() < 1e-6, "node {}", t.key);
        }
    }
}
