//! Rendering a timeout sweep for people (an aligned table with the predictions beside the
//! measurements and the recommendation) and for programs (CSV).

use crate::harness::timeout_sweep::Sweep;
use crate::units::{HumanDuration, HumanPercent};

/// The sweep as an aligned table with the recommendation.
pub fn table(result: &Sweep) -> String {
    let on = result
        .protocol
        .as_ref()
        .map_or(String::new(), |p| format!("{p} election on the "));
    let mut text = format!(
        "{on}{} detector: d = {}, r = {}, h = {}\n\n",
        result.detector,
        HumanDuration(result.d_s),
        HumanDuration(result.r_s),
        HumanDuration(result.h_s)
    );
    let elections = result.rows.iter().any(|r| r.elections.is_some());
    let mut header = vec![
        "timeout",
        "value",
        "T_D mean",
        "(predicted)",
        "T_D p99",
        "λ_M /node-h",
        "(predicted)",
        "T_M",
        "P_A",
        "missed",
        "availability",
    ];
    if elections {
        header.extend(["elections", "leader avail."]);
    }
    let secs = |v: Option<f64>| v.map_or("-".to_string(), |s| HumanDuration(s).to_string());
    let rate = |v: Option<f64>| v.map_or("-".to_string(), |r| format!("{r:.4}"));
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for row in &result.rows {
        let value = if result.detector == "phi" {
            format!("{}", row.timeout_s)
        } else {
            HumanDuration(row.timeout_s).to_string()
        };
        let mark = match &result.recommended {
            Some(r) if r.expr == row.expr => " *",
            _ => "",
        };
        rows.push(vec![
            format!("{}{mark}", row.expr),
            value,
            secs(row.detection_mean_s),
            secs(row.predicted_detection_mean_s),
            secs(row.detection_p99_s),
            rate(Some(row.mistake_rate_per_node_hour)),
            rate(row.predicted_mistake_rate_per_node_hour),
            secs(row.mistake_duration_mean_s),
            HumanPercent(row.query_accuracy).to_string(),
            row.missed_detections.to_string(),
            row.availability
                .map_or("-".to_string(), |a| HumanPercent(a).to_string()),
        ]);
        if elections && let Some(cells) = rows.last_mut() {
            cells.push(row.elections.map_or("-".to_string(), |e| format!("{e:.1}")));
            cells.push(
                row.leader_availability
                    .map_or("-".to_string(), |a| HumanPercent(a).to_string()),
            );
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    if let Some(r) = &result.recommended {
        text.push_str(&format!("\nrecommended (*): {} — {}\n", r.expr, r.why));
    }
    text
}

/// One CSV row per candidate.
pub fn csv(result: &Sweep) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in &result.rows {
        writer.serialize(row)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}
