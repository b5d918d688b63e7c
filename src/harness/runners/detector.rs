//! Failure detectors — all-to-all heartbeats, SWIM-style probing, φ accrual — measured by their
//! quality of service (Chen, Toueg and Aguilera's detection time, mistake rate and duration,
//! query accuracy).

use serde::Serialize;

use crate::harness::outcome::{Outcome, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::settings::ReplayError;
use crate::harness::timeout_sweep::SweepSample;
use crate::protocols::detector::heartbeat::{Heartbeat, HeartbeatConfig};
use crate::protocols::detector::phi::{self, Phi, PhiConfig};
use crate::protocols::detector::probe::{Probe, ProbeConfig};
use crate::protocols::detector::qos::{self, Qos};
use crate::sim::protocol::Protocol as SimProtocol;
use crate::sim::time::{Nanos, from_secs, to_secs};
use crate::units::{HumanDuration, HumanPercent};

/// The outcome of a failure-detector run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorOutcome {
    /// Heartbeat interval `h`, seconds.
    pub interval_s: f64,
    /// The timeout as written (null for φ, which has a threshold).
    pub timeout_expr: Option<String>,
    /// Its value, seconds (null for φ).
    pub timeout_s: Option<f64>,
    /// φ's threshold (null for the others).
    pub threshold: Option<f64>,
    /// The delay bound `d` it used, seconds.
    pub d_s: f64,
    /// The processing time `r`, seconds.
    pub r_s: f64,
    /// The QoS figures.
    #[serde(flatten)]
    pub qos: Qos,
}

impl Summary for DetectorOutcome {
    fn summary(&self) -> String {
        let rule = match (&self.timeout_expr, self.timeout_s, self.threshold) {
            (Some(expr), Some(secs), _) => format!("timeout {expr} = {}", HumanDuration(secs)),
            (_, _, Some(threshold)) => format!("φ threshold {threshold}"),
            _ => String::new(),
        };
        format!(
            "detector: h {}, {rule} (d {}, r {})\nquality: {} false suspicions ({:.3} per \
             node-hour, mean {}), query accuracy {}, {} missed detections",
            HumanDuration(self.interval_s),
            HumanDuration(self.d_s),
            HumanDuration(self.r_s),
            self.qos.false_suspicions,
            self.qos.mistake_rate_per_node_hour,
            self.qos
                .mistake_duration_mean_s
                .map_or("-".to_string(), |s| HumanDuration(s).to_string()),
            HumanPercent(self.qos.query_accuracy),
            self.qos.missed_detections
        )
    }
}

/// All-to-all heartbeats: a peer silent for the timeout is suspected.
pub struct HeartbeatRunner;
/// SWIM-style probing with indirect probes.
pub struct ProbeRunner;
/// φ accrual: suspicion when φ passes the threshold.
pub struct PhiRunner;

/// The heartbeat detector's runner.
pub static HEARTBEAT: HeartbeatRunner = HeartbeatRunner;
/// The probing detector's runner.
pub static PROBE: ProbeRunner = ProbeRunner;
/// The φ accrual detector's runner.
pub static PHI: PhiRunner = PhiRunner;

impl Runner for HeartbeatRunner {
    fn sweep_sample(&self, run: &ReplayRun, _nodes: u32, _end: Nanos) -> Option<SweepSample> {
        sample(run)
    }

    fn name(&self) -> &'static str {
        "heartbeat"
    }

    fn family(&self) -> Family {
        Family::Detector
    }

    /// The silence before suspicion, so it must exceed `h`.
    fn default_timeout(&self) -> &'static str {
        "h+2d+r"
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        if run.timeout <= run.interval {
            return Err(run.unfit_timeout(
                self.name(),
                format!(
                    "a heartbeat timeout is the silence after which a peer is suspected, so it \
                     must exceed the interval h = {} s",
                    run.names.h
                ),
            ));
        }
        run.all_to_all_at_most()?;
        let config = HeartbeatConfig {
            interval: run.interval,
            timeout: run.timeout,
        };
        let end = run.end_of(run.interval, run.timeout);
        Ok(detect::<Heartbeat>(
            run,
            config,
            end,
            progress,
            outcome(run),
        ))
    }
}

impl Runner for ProbeRunner {
    fn sweep_sample(&self, run: &ReplayRun, _nodes: u32, _end: Nanos) -> Option<SweepSample> {
        sample(run)
    }

    fn name(&self) -> &'static str {
        "probe"
    }

    fn family(&self) -> Family {
        Family::Detector
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        if run.timeout + settings.processing >= run.interval {
            return Err(run.unfit_timeout(
                self.name(),
                format!(
                    "a probe timeout is the wait for a direct ack, and the indirect probes must \
                     fit in the rest of the period h = {} s",
                    run.names.h
                ),
            ));
        }
        let config = ProbeConfig {
            period: run.interval,
            timeout: run.timeout,
            processing: settings.processing,
        };
        // A peer is probed once per round of N - 1 periods.
        let round = run.interval * u64::from(settings.nodes - 1);
        let end = run.end_of(run.interval, round);
        Ok(detect::<Probe>(run, config, end, progress, outcome(run)))
    }
}

impl Runner for PhiRunner {
    fn sweep_sample(&self, run: &ReplayRun, _nodes: u32, _end: Nanos) -> Option<SweepSample> {
        sample(run)
    }

    fn name(&self) -> &'static str {
        "phi"
    }

    fn family(&self) -> Family {
        Family::Detector
    }

    /// φ has a threshold instead and ignores it.
    fn default_timeout(&self) -> &'static str {
        "h+2d+r"
    }

    fn swept_by_threshold(&self) -> bool {
        true
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let threshold = run.settings.threshold;
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(ReplayError::Threshold);
        }
        run.all_to_all_at_most()?;
        let config = PhiConfig {
            interval: run.interval,
            threshold,
        };
        let end = run.end_of(run.interval, from_secs(phi::ACCEPTABLE_PAUSE + 1.0));
        let timed = outcome(run);
        let phi_outcome = move |qos: Qos| DetectorOutcome {
            timeout_expr: None,
            timeout_s: None,
            threshold: Some(threshold),
            ..timed(qos)
        };
        Ok(detect::<Phi>(run, config, end, progress, phi_outcome))
    }
}

/// A detector run's QoS, for the timeout sweep.
fn sample(run: &ReplayRun) -> Option<SweepSample> {
    let outcome: &DetectorOutcome = run.report.outcome.get()?;
    Some(SweepSample {
        qos: outcome.qos.clone(),
        leadership: None,
    })
}

/// The outcome of a detector with a timeout, given its QoS.
fn outcome(run: &RunContext<'_>) -> impl Fn(Qos) -> DetectorOutcome + use<> {
    let (interval_s, d_s, r_s) = (run.names.h, run.names.d, run.names.r);
    let timeout_expr = Some(run.expr.to_string());
    let timeout_s = Some(to_secs(run.timeout));
    move |qos| DetectorOutcome {
        interval_s,
        timeout_expr: timeout_expr.clone(),
        timeout_s,
        threshold: None,
        d_s,
        r_s,
        qos,
    }
}

/// Runs a failure detector and measures its quality of service.
fn detect<P: SimProtocol>(
    run: &RunContext<'_>,
    config: P::Config,
    end: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
    outcome: impl Fn(Qos) -> DetectorOutcome,
) -> ReplayRun {
    let mut sim = run.simulation::<P>(config).build();
    sim.run_until(end, &mut |now| progress(now, end));
    let nodes = run.settings.nodes;
    let qos = qos::measure(&sim.metrics().timeline, nodes, end);
    let mut metrics = sim.metrics().clone();
    for &sample in &qos.detection {
        metrics.record("detection", sample);
    }
    run.finish(&sim, metrics, end, Outcome::new(outcome(qos)))
}
