//! The observation window `[start, end)` and the clipping rule every metric uses.
//!
//! Down intervals are clipped to the window: an outage contributes
//! `max(0, min(end, W1) - max(start, W0))` of downtime, and it is a *failure* of the window when
//! its start lies in `[W0, W1)`. An outage that began before the window adds downtime but no
//! failure; a zero-length outage inside the window is a failure with no downtime.
//!
//! [`clip_totals`] and [`per_node_totals`] are the plain, obviously-correct form of the rule:
//! one linear pass, no copy of the outages, which on a trace of millions of outages is both the
//! fastest and the leanest way to the per-node figures. The grouped breakdowns use polars
//! ([`super::frame`]), which is tested against these.

use serde::Serialize;

use crate::trace::Outage;
use crate::trace::time::{TimeKind, parse_datetime};
use crate::units::parse_duration;

/// The observation window, in trace seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    /// `W0`, included.
    pub start: f64,
    /// `W1`, excluded.
    pub end: f64,
    /// `T = W1 - W0`.
    pub seconds: f64,
}

impl Window {
    /// A window from `start` to `end`; `None` unless `end > start`.
    pub fn new(start: f64, end: f64) -> Option<Self> {
        (end > start && start.is_finite() && end.is_finite()).then_some(Self {
            start,
            end,
            seconds: end - start,
        })
    }

    /// Parses `--window START,END`: numbers (with optional unit suffix, bare numbers in
    /// `unit_seconds`) or datetimes. Returns the bounds and how they were written.
    pub fn parse(text: &str, unit_seconds: f64) -> Result<(Self, TimeKind), String> {
        let (a, b) = text.split_once(',').ok_or_else(|| {
            format!("`{text}` is not START,END (e.g. `0,30d` or `2004-01-01,2005-01-01`)")
        })?;
        let bound = |s: &str| -> Result<(f64, TimeKind), String> {
            let s = s.trim();
            if let Ok(seconds) = parse_duration(s, unit_seconds) {
                Ok((seconds, TimeKind::Number))
            } else if let Some(seconds) = parse_datetime(s) {
                Ok((seconds, TimeKind::Datetime))
            } else {
                Err(format!(
                    "`{s}` is neither a time (`3600`, `30d`) nor a datetime (`2004-01-01`)"
                ))
            }
        };
        let (start, start_kind) = bound(a)?;
        let (end, end_kind) = bound(b)?;
        if start_kind != end_kind {
            return Err(format!("`{text}` mixes a number and a datetime"));
        }
        let window = Window::new(start, end)
            .ok_or_else(|| format!("the window `{text}` must end after it starts"))?;
        Ok((window, start_kind))
    }

    /// The downtime an outage `[start, end)` contributes to the window.
    pub fn clipped_downtime(&self, start: f64, end: f64) -> f64 {
        (end.min(self.end) - start.max(self.start)).max(0.0)
    }

    /// Whether an outage starting at `start` is a failure of this window.
    pub fn counts_failure(&self, start: f64) -> bool {
        start >= self.start && start < self.end
    }
}

/// Total clipped downtime and failures of some outages `(start, end)` in a window.
pub fn clip_totals(outages: impl IntoIterator<Item = (f64, f64)>, window: &Window) -> (f64, u64) {
    outages
        .into_iter()
        .fold((0.0, 0), |(down, failures), (start, end)| {
            (
                down + window.clipped_downtime(start, end),
                failures + u64::from(window.counts_failure(start)),
            )
        })
}

/// Downtime and failures of every node in the window, indexed by node id, from canonical
/// outages.
pub fn per_node_totals(outages: &[Outage], nodes: usize, window: &Window) -> Vec<(f64, u64)> {
    let mut totals = vec![(0.0, 0u64); nodes];
    for o in outages {
        let entry = &mut totals[o.node as usize];
        entry.0 += window.clipped_downtime(o.start, o.end);
        entry.1 += u64::from(window.counts_failure(o.start));
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_rule() {
        let w = Window::new(10.0, 20.0).unwrap();
        // before, straddling start, inside, zero-length inside, straddling end, after, open-ended
        let outages = [
            (0.0, 5.0),
            (5.0, 12.0),
            (13.0, 14.0),
            (15.0, 15.0),
            (18.0, 25.0),
            (20.0, 30.0),
        ];
        assert_eq!(clip_totals(outages, &w), (2.0 + 1.0 + 0.0 + 2.0, 3));
        assert_eq!(clip_totals([(19.0, f64::INFINITY)], &w), (1.0, 1));
    }

    #[test]
    fn parses_windows() {
        assert_eq!(
            Window::parse("0,30d", 1.0).unwrap(),
            (Window::new(0.0, 2_592_000.0).unwrap(), TimeKind::Number)
        );
        assert_eq!(
            Window::parse("1,2", 60.0).unwrap().0,
            Window::new(60.0, 120.0).unwrap()
        );
        let (w, kind) = Window::parse("2004-01-01,2004-01-02", 1.0).unwrap();
        assert_eq!((w.seconds, kind), (86_400.0, TimeKind::Datetime));
        assert!(
            Window::parse("10,5", 1.0)
                .unwrap_err()
                .contains("must end after")
        );
        assert!(Window::parse("10,10", 1.0).is_err());
        assert!(Window::parse("10", 1.0).is_err());
        assert!(Window::parse("0,2004-01-01", 1.0).is_err());
    }
}
