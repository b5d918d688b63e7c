//! Rendering the stale-holder sweep: a table of unsafe writes per hour against pause length,
//! without fencing and with it, and its plot.

use std::fmt::Write as _;

use super::plot::{Chart, Plot, Series};
use crate::harness::pause_sweep::PauseSweep;

/// The human-readable table.
pub fn table(sweep: &PauseSweep) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "lock pause sweep: session timeout {} s, seeds {}..{}, {} s simulated each; every client \
         pauses about once in 10 s",
        sweep.session_timeout_s, sweep.seeds.0, sweep.seeds.1, sweep.sim_time_s
    );
    let _ = writeln!(
        text,
        "{:>7} {:>9} {:>8} {:>7} {:>9} {:>12} {:>14} {:>9} {:>10}",
        "pause/T",
        "pause",
        "fencing",
        "unsafe",
        "unsafe/h",
        "interleaved",
        "interleaved/h",
        "rejected",
        "violating"
    );
    for r in &sweep.rows {
        let _ = writeln!(
            text,
            "{:>7} {:>8}s {:>8} {:>7} {:>9.1} {:>12} {:>14.1} {:>9} {:>6}/{}",
            r.ratio,
            r.pause_s,
            if r.fencing { "on" } else { "off" },
            r.unsafe_writes,
            r.unsafe_per_hour,
            r.interleaved_writes,
            r.interleaved_per_hour,
            r.writes_rejected,
            r.violating_runs,
            r.runs,
        );
    }
    text
}

/// Unsafe writes per hour against the pause over the session timeout, one line per setting.
pub fn plot(sweep: &PauseSweep) -> Plot {
    let line = |fencing: bool, interleaved: bool| {
        let points = sweep
            .rows
            .iter()
            .filter(|r| r.fencing == fencing)
            .map(|r| {
                let y = if interleaved {
                    r.interleaved_per_hour
                } else {
                    r.unsafe_per_hour
                };
                (r.ratio, y)
            })
            .collect();
        let label = format!(
            "{}, fencing {}",
            if interleaved { "interleaved" } else { "unsafe" },
            if fencing { "on" } else { "off" }
        );
        Series::new(label, points)
    };
    Plot {
        name: "pause-sweep".into(),
        title: "Unsafe writes as lock holders freeze past their session".into(),
        x_label: "pause / session timeout".into(),
        y_label: "writes per hour".into(),
        chart: Chart::Lines {
            series: vec![
                line(false, false),
                line(true, false),
                line(false, true),
                line(true, true),
            ],
            marks: Vec::new(),
            log_x: false,
            log_y: false,
            shade: None,
        },
    }
}
