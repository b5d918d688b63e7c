//! Lifetime estimators (AFR, exposure MTTF, Weibull with censoring and delayed entry,
//! Kaplan–Meier) against an independent implementation: the expected values in
//! `fixtures/lifetimes/*.expected.json` were computed with the `lifelines` Python package by
//! `fixtures/lifetimes/reference.py` (see that folder's README).

mod common;

use common::{fixture, json};
use serde_json::Value;

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn near(actual: &Value, expected: &Value, tolerance: f64, what: &str) {
    let (a, e) = (number(actual), number(expected));
    let scale = e.abs().max(1e-300);
    assert!(
        ((a - e) / scale).abs() <= tolerance,
        "{what}: {a} != {e} (tolerance {tolerance})"
    );
}

/// Checks one lifetime summary against lifelines' figures.
fn check(actual: &Value, expected: &Value, what: &str) {
    for key in ["units", "failed", "censored"] {
        assert_eq!(actual[key], expected[key], "{what}: {key}");
    }
    for key in ["exposure_s", "afr", "mttf_s", "mean_failed_life_s"] {
        near(
            &actual[key],
            &expected[key],
            1e-12,
            &format!("{what}: {key}"),
        );
    }
    let (km, expected_km) = (
        actual["km"].as_array().expect("km"),
        expected["km"].as_array().expect("km"),
    );
    assert_eq!(km.len(), expected_km.len(), "{what}: km points");
    for (point, want) in km.iter().zip(expected_km) {
        assert_eq!(point[0], want[0], "{what}: km age");
        near(
            &point[1],
            &want[1],
            1e-12,
            &format!("{what}: km at {}", want[0]),
        );
    }
    // lifelines stops its optimiser within ~1e-7 of the maximum (README).
    let (w, want) = (&actual["weibull"], &expected["weibull"]);
    near(&w["shape"], &want["shape"], 1e-6, &format!("{what}: shape"));
    near(
        &w["scale_s"],
        &want["scale_s"],
        1e-6,
        &format!("{what}: scale"),
    );
    // The 95 % intervals are Wald intervals on the log scale: k·exp(±1.96·se/k).
    let z = 1.959_963_984_540_054;
    let half = |value: &Value, se: &Value| z * number(se) / number(value);
    let shape_hi = number(&want["shape"]) * half(&want["shape"], &want["shape_se"]).exp();
    let scale_lo = number(&want["scale_s"]) * (-half(&want["scale_s"], &want["scale_se"])).exp();
    near(
        &w["shape_ci"][1],
        &shape_hi.into(),
        1e-5,
        &format!("{what}: shape CI"),
    );
    near(
        &w["scale_ci_s"][0],
        &scale_lo.into(),
        1e-5,
        &format!("{what}: scale CI"),
    );
}

#[test]
fn backblaze_layout_fleet_and_models_match_lifelines() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("lifetimes/backblaze-small.expected.json"))
            .expect("expected file"),
    )
    .expect("valid JSON");
    let r = json(&["analyze", &fixture("lifetimes/backblaze-small.csv")]);
    let l = &r["lifetimes"];
    check(l, &expected["fleet"], "fleet");
    let groups = l["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    for g in groups {
        let name = g["group"].as_str().expect("name");
        check(g, &expected["groups"][name], name);
    }
    // Highest AFR first.
    assert_eq!(groups[0]["group"], "HGST HMS5C4040ALE640");
    // The AFR's exact 95 % interval: 7 failures give a Poisson mean in [2.8143, 14.4227]
    // (Garwood's table), over 224,942,400 s of exposure.
    let years = 224_942_400.0 / (365.0 * 86_400.0);
    near(
        &l["afr_ci"][0],
        &(2.8143 / years).into(),
        1e-4,
        "AFR CI low",
    );
    near(
        &l["afr_ci"][1],
        &(14.4227 / years).into(),
        1e-4,
        "AFR CI high",
    );
}

#[test]
fn installs_retirements_and_delayed_entry_match_lifelines() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("lifetimes/installs.expected.json"))
            .expect("expected file"),
    )
    .expect("valid JSON");
    let path = fixture("lifetimes/installs.csv");
    let windowed = json(&["analyze", &path, "--window", "300,1500", "--non-repairable"]);
    check(
        &windowed["lifetimes"],
        &expected["fleet"],
        "window [300, 1500)",
    );
    let full = json(&["analyze", &path, "--window", "0,2000", "--non-repairable"]);
    check(
        &full["lifetimes"],
        &expected["full_window"]["fleet"],
        "window [0, 2000)",
    );
}
