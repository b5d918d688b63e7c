//! The ZooKeeper ensemble's runner: Zab servers, clients with sessions, their guarantees
//! checked, the client-visible history written for other checkers.
//!
//! A contention run (every client updating one record once, [`Workload::Contention`]) ends as
//! soon as every client is through, and reports what the clients spent in `outcome.clients`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use crate::harness::outcome::{Outcome, Progress, Summary};
use crate::harness::overload::ClientsOutcome;
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::settings::{ReplayError, ReplaySettings};
use crate::protocols::client::backoff::Backoff;
use crate::protocols::zab::client::{Completion, Operation, ZkClient, writes};
use crate::protocols::zab::invariants::{
    Agreement, ClientFifo, Durability, EphemeralLifetime, OneLeaderPerEpoch, SingleSystemImage,
    Truth,
};
use crate::protocols::zab::linearizable::check_writes;
use crate::protocols::zab::server::Server;
use crate::protocols::zab::workload::{Workload, contention_start, describe};
use crate::protocols::zab::{Zab, ZabConfig, Zxid};
use crate::protocols::zk::ops::Write;
use crate::protocols::zk::script;
use crate::protocols::zk::store::{Reply, Request, WatchEvent};
use crate::sim::engine::{Simulation, Violation};
use crate::sim::metrics::{Observation, ObservationKind};
use crate::sim::time::{Nanos, SECOND, to_secs};

/// The name of the check of the writes' linearizability, made once the run is over.
pub const LINEARIZABLE_WRITES: &str = "linearizable-writes";

/// The most servers an ensemble runs on.
pub const MAX_NODES: u32 = 31;

/// The longest a contention run lasts without `--duration`, in simulated time.
pub const CONTENTION_CAP: Nanos = 300 * SECOND;

/// The outcome of a ZooKeeper ensemble run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZkOutcome {
    /// The established leader at the end (of the highest epoch), if any.
    pub leader: Option<String>,
    /// The highest epoch a leader was established in.
    pub epoch: u32,
    /// Writes (creates, sets, deletes, multis, closes) that succeeded.
    pub writes_ok: u64,
    /// Writes that definitely did not happen: a ZooKeeper error, or never sent.
    pub writes_failed: u64,
    /// The failed writes by error: ZooKeeper's (`NoNode`, `BadVersion`, ... — what a mix of
    /// blind writes meets), `ConnectionLoss` for those never sent (no connection) and
    /// `SessionExpired`.
    pub write_errors: BTreeMap<String, u64>,
    /// Writes whose outcome the client cannot know (ConnectionLoss with the request in flight).
    pub writes_unknown: u64,
    /// Reads answered (get, exists, children).
    pub reads: u64,
    /// Reads answered by a server that had not applied the last committed change of the node.
    pub stale_reads: u64,
    /// Sessions the leader expired.
    pub sessions_expired: u64,
    /// Ephemeral nodes deleted with their session.
    pub ephemerals_deleted: u64,
    /// Transactions committed.
    pub committed: u64,
    /// Watch events delivered to clients.
    pub watch_events: u64,
    /// Keys whose writes were checked for linearizability.
    pub linearizable_keys: usize,
    /// The writes checked.
    pub linearizable_writes: usize,
    /// Keys whose check ran out of search budget (neither confirmed nor refuted).
    pub linearizability_undecided: Vec<String>,
    /// A contention run's clients: one request (update) each, its attempts the conditional
    /// writes sent, its completion from the start of the race.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<ClientsOutcome>,
}

/// A contention run's line: what the updates cost and when the last was through.
fn contention_summary(c: &ClientsOutcome) -> String {
    let head = format!(
        "zk contention: {} clients, {} conditional sets ({:.2} per update)",
        c.requests, c.attempts, c.amplification
    );
    let unfinished = c.requests.saturating_sub(c.succeeded + c.failed);
    match c.completion_s {
        Some(s) if c.failed == 0 => format!("{head}, all done in {s:.3} s"),
        Some(s) => format!(
            "{head}, {} done, {} gave up, all finished in {s:.3} s",
            c.succeeded, c.failed
        ),
        None => format!(
            "{head}, {} done, {} gave up, {unfinished} unfinished at the end",
            c.succeeded, c.failed
        ),
    }
}

impl Summary for ZkOutcome {
    fn summary(&self) -> String {
        if let Some(clients) = &self.clients {
            return contention_summary(clients);
        }
        format!(
            "zk: leader {} (epoch {}); writes {} ok, {} failed, {} unknown; {} reads ({} stale); \
             {} sessions expired, {} ephemerals deleted",
            self.leader.as_deref().unwrap_or("none"),
            self.epoch,
            self.writes_ok,
            self.writes_failed,
            self.writes_unknown,
            self.reads,
            self.stale_reads,
            self.sessions_expired,
            self.ephemerals_deleted,
        )
    }

    fn progress(&self) -> Option<Progress> {
        if let Some(c) = &self.clients {
            return Some(Progress {
                done: c.succeeded + c.failed,
                asked: c.requests,
                what: "updates finished",
            });
        }
        Some(Progress {
            done: self.writes_ok + self.writes_failed,
            asked: self.writes_ok + self.writes_failed + self.writes_unknown,
            what: "writes with a known outcome",
        })
    }
}

/// The ensemble's runner.
pub struct ZkRunner;

/// The ZooKeeper ensemble.
pub static ZK: ZkRunner = ZkRunner;

/// The time with no established leader after one was lost, each time, from the timeline.
pub fn failovers(timeline: &[Observation]) -> Vec<Nanos> {
    let mut leading = std::collections::BTreeSet::new();
    let mut lost_at = None;
    let mut gaps = Vec::new();
    for o in timeline {
        let Some(node) = o.node else { continue };
        match o.kind {
            ObservationKind::TookLead => {
                if leading.is_empty()
                    && let Some(at) = lost_at.take()
                {
                    gaps.push(o.time - at);
                }
                leading.insert(node);
            }
            ObservationKind::LeftLead | ObservationKind::Crash
                if leading.remove(&node) && leading.is_empty() =>
            {
                lost_at = Some(o.time);
            }
            _ => {}
        }
    }
    gaps
}

impl ZkRunner {
    /// The end of an ensemble's run: as asked, or ten rounds of a tick and five ticks past the
    /// last fault (at least a minute).
    pub fn end(run: &RunContext<'_>) -> Nanos {
        let tick = run.settings.zk.tick;
        run.end_of(tick, 5 * tick)
    }

    /// What the clients of a `zk` run do: the script, the contention race (retrying as the
    /// clients' policy says; without one at once and without limit), or the mix paced to end
    /// by `end`.
    fn workload(run: &RunContext<'_>, end: Nanos) -> Result<Workload, ReplayError> {
        let zk = &run.settings.zk;
        let policy = run.settings.clients.policy;
        Ok(match (&zk.script, zk.contention) {
            (Some(ops), _) => Workload::Script {
                ops: ops.as_ref().clone(),
                settle: zk.settle,
            },
            (None, true) => Workload::Contention {
                start: contention_start(zk.tick),
                backoff: policy.map_or(Backoff::None, |p| p.backoff),
                attempts: policy.and_then(|p| p.attempts),
            },
            (None, false) => {
                let clients = run.client_config(end, SECOND)?;
                Workload::Mix {
                    interval: clients.command_interval,
                    stop: clients.stop,
                    reads: zk.read_share,
                    readers: zk.readers,
                }
            }
        })
    }

    /// The ensemble's settings for a run whose clients do `workload`.
    pub fn config(run: &RunContext<'_>, workload: Workload) -> Result<ZabConfig, ReplayError> {
        let s = run.settings;
        let zk = &s.zk;
        let tick = zk.tick;
        if tick == 0 || zk.session_timeout == 0 {
            return Err(ReplayError::ZkTimes);
        }
        let sync_limit = match &s.timeout {
            Some(_) => run.timeout,
            None => 5 * tick,
        };
        Ok(ZabConfig {
            tick,
            sync_limit,
            session_timeout: zk.session_timeout,
            workload: Arc::new(workload),
            broken: zk.broken,
        })
    }
}

impl Runner for ZkRunner {
    fn name(&self) -> &'static str {
        "zk"
    }

    fn keeps_client_operations(&self) -> bool {
        true
    }

    /// The ensemble's clients follow ZooKeeper's session rules: a retry policy (backoff and
    /// attempts) applies to the contention workload's conflicts only; servers take a service
    /// time but no queue limit (a session's requests are answered in order); no spike.
    fn takes_client_settings(&self, settings: &ReplaySettings) -> bool {
        let clients = &settings.clients;
        (clients.policy.is_none() || settings.zk.contention)
            && clients.spike.is_none()
            && clients.capacity.is_none_or(|c| c.queue.is_none())
            && clients.policy.is_none_or(|p| {
                p.timeout.is_none()
                    && p.budget.is_none()
                    && p.breaker.is_none()
                    && p.in_flight.is_none()
            })
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        run.at_most(self.name(), MAX_NODES)?;
        let end = Self::end(run);
        let config = Self::config(run, Self::workload(run, end)?)?;
        let race = match config.workload.as_ref() {
            Workload::Contention { start, .. } => Some(*start),
            _ => None,
        };
        let truth = Truth::shared();
        let mut sim = run
            .simulation::<Zab>(config)
            .clients(settings.clients.count)
            .check(Agreement::new(truth.clone()))
            .check(Durability::default())
            .check(ClientFifo::new(truth.clone()))
            .check(SingleSystemImage)
            .check(OneLeaderPerEpoch::default())
            .check(EphemeralLifetime::new(truth.clone()))
            .build();
        let end = match race {
            Some(_) => {
                let cap = settings.duration.unwrap_or(CONTENTION_CAP);
                let clients = settings.nodes..settings.nodes + settings.clients.count;
                until_finished(&mut sim, clients, cap, progress)
            }
            None => {
                sim.run_until(end, &mut |now| progress(now, end));
                end
            }
        };
        let endpoints = settings.nodes + settings.clients.count;
        let processes: Vec<&Zab> = (0..endpoints).filter_map(|n| sim.process(n)).collect();
        let servers: Vec<&Server> = processes.iter().filter_map(|p| p.server()).collect();
        let clients: Vec<&ZkClient> = processes.iter().filter_map(|p| p.client()).collect();
        let history: Vec<&Operation> = clients.iter().flat_map(|c| c.history()).collect();
        let truth = truth.borrow();
        let leader = servers
            .iter()
            .filter_map(|s| s.established().map(|e| (e, s.id())))
            .max();
        let epoch = crate::harness::replay::observed_details(
            &sim.metrics().timeline,
            ObservationKind::TookLead,
        )
        .filter_map(|d| d.strip_prefix("epoch ")?.parse().ok())
        .max()
        .unwrap_or(0);
        let mut outcome = ZkOutcome {
            leader: leader.map(|(_, id)| format!("n{}", id + 1)),
            epoch,
            writes_ok: 0,
            writes_failed: 0,
            write_errors: BTreeMap::new(),
            writes_unknown: 0,
            reads: 0,
            stale_reads: truth.stale_reads,
            sessions_expired: truth.expired,
            ephemerals_deleted: truth.ephemerals_deleted,
            committed: truth.zxids().len() as u64,
            watch_events: clients.iter().map(|c| c.watch_events()).sum(),
            linearizable_keys: 0,
            linearizable_writes: 0,
            linearizability_undecided: Vec::new(),
            clients: race.map(|start| contention_outcome(&clients, start, end)),
        };
        for op in &history {
            let write = writes(op);
            match (&op.completion, write) {
                (
                    Some(Completion::Answered {
                        result: Ok(Reply::MultiFailed { error, .. }),
                        ..
                    }),
                    true,
                ) => {
                    outcome.writes_failed += 1;
                    *outcome.write_errors.entry(error.to_string()).or_default() += 1;
                }
                (Some(Completion::Answered { result: Ok(_), .. }), true) => outcome.writes_ok += 1,
                (Some(Completion::Answered { result: Err(e), .. }), true) => {
                    outcome.writes_failed += 1;
                    *outcome.write_errors.entry(e.to_string()).or_default() += 1;
                }
                (Some(Completion::NotSent { error, .. }), true) => {
                    outcome.writes_failed += 1;
                    *outcome.write_errors.entry(error.to_string()).or_default() += 1;
                }
                (Some(Completion::Unknown { .. }), true) => outcome.writes_unknown += 1,
                (Some(Completion::Answered { .. }), false)
                    if matches!(describe(&op.request).0, "read" | "children") =>
                {
                    outcome.reads += 1;
                }
                _ => {}
            }
        }
        let mut metrics = sim.metrics().clone();
        for gap in failovers(&metrics.timeline) {
            metrics.record("failover", gap);
        }
        let linearizability = check_writes(&history);
        outcome.linearizable_keys = linearizability.keys;
        outcome.linearizable_writes = linearizability.writes;
        outcome.linearizability_undecided = linearizability.undecided;
        let mut replay = run.finish(&sim, metrics, end, Outcome::new(outcome));
        let invariants = &mut replay.report.invariants;
        invariants.checked.push(LINEARIZABLE_WRITES);
        if let Some((time_s, detail)) = linearizability.violations.into_iter().next() {
            invariants.violations.push(Violation {
                name: LINEARIZABLE_WRITES,
                time_s,
                detail,
            });
            invariants
                .violations
                .sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        }
        replay
            .files
            .push(("history.jsonl", history_jsonl(&history)));
        Ok(replay)
    }
}

/// Runs a contention race until every client has finished, looking each simulated second, or
/// until `cap`; returns the time it stopped.
fn until_finished(
    sim: &mut Simulation<Zab>,
    clients: std::ops::Range<u32>,
    cap: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> Nanos {
    let mut now = 0;
    while now < cap {
        now = (now + SECOND).min(cap);
        sim.run_until(now, &mut |t| progress(t, cap));
        let finished = |n| {
            sim.process(n)
                .and_then(Zab::client)
                .is_some_and(|c| c.contention().finished.is_some())
        };
        if clients.clone().all(finished) {
            break;
        }
    }
    now
}

/// What a contention race's clients spent: one update each, its conditional writes, and the
/// time from the `start` of the race until the last client was through (none if some never
/// was by `end`); goodput is the updates done over that time (or until `end`).
fn contention_outcome(clients: &[&ZkClient], start: Nanos, end: Nanos) -> ClientsOutcome {
    let states: Vec<_> = clients.iter().map(|c| c.contention()).collect();
    let requests = states.len() as u64;
    let attempts: u64 = states.iter().map(|s| u64::from(s.attempts)).sum();
    let succeeded = states.iter().filter(|s| s.succeeded()).count() as u64;
    let last = states
        .iter()
        .map(|s| s.finished)
        .collect::<Option<Vec<_>>>()
        .map(|done| done.into_iter().max().unwrap_or(start));
    let span = last.unwrap_or(end).saturating_sub(start);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    ClientsOutcome {
        requests,
        attempts,
        amplification: ratio(attempts as f64, requests as f64),
        goodput_per_s: ratio(succeeded as f64, to_secs(span)),
        succeeded,
        failed: states.iter().filter(|s| s.failed).count() as u64,
        completion_s: last.map(|t| to_secs(t.saturating_sub(start))),
        ..ClientsOutcome::default()
    }
}

/// One line of `history.jsonl`: an operation's invocation or its completion.
#[derive(Serialize)]
struct HistoryEvent<'a> {
    process: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    f: &'static str,
    key: &'a str,
    value: Value,
    time_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zxid: Option<Zxid>,
}

/// The client-visible history in Jepsen's shape, one event a line, in time order.
pub fn history_jsonl(history: &[&Operation]) -> String {
    let described: Vec<(String, &'static str, String)> = history
        .iter()
        .map(|op| {
            let (f, key) = describe(&op.request);
            (format!("c{}", op.client + 1), f, key)
        })
        .collect();
    let mut events: Vec<(Nanos, usize, HistoryEvent)> = Vec::with_capacity(2 * history.len());
    for (i, (op, (process, f, key))) in history.iter().zip(&described).enumerate() {
        let event = |kind, value, at, error, zxid| HistoryEvent {
            process,
            kind,
            f,
            key,
            value,
            time_s: to_secs(at),
            error,
            zxid,
        };
        events.push((
            op.invoked,
            2 * i,
            event("invoke", input(&op.request), op.invoked, None, None),
        ));
        let Some(completion) = &op.completion else {
            continue;
        };
        let (at, kind, value, error, zxid) = match completion {
            Completion::Answered {
                at,
                zxid,
                result: Ok(r),
            } => (*at, "ok", output(r), None, Some(*zxid)),
            Completion::Answered {
                at,
                zxid,
                result: Err(e),
            } => (*at, "fail", Value::Null, Some(e.to_string()), Some(*zxid)),
            Completion::NotSent { at, error } => {
                (*at, "fail", Value::Null, Some(error.to_string()), None)
            }
            Completion::Unknown { at } => (
                *at,
                "info",
                Value::Null,
                Some("ConnectionLoss".into()),
                None,
            ),
        };
        events.push((at, 2 * i + 1, event(kind, value, at, error, zxid)));
    }
    events.sort_by_key(|(t, i, _)| (*t, *i));
    let mut out = Vec::new();
    for (_, _, event) in &events {
        // Into memory, with string keys only: this cannot fail.
        serde_json::to_writer(&mut out, event).expect("an event serializes");
        out.push(b'\n');
    }
    String::from_utf8(out).expect("JSON is UTF-8")
}

fn input(request: &Request) -> Value {
    match request {
        Request::Write(Write::Create { data, .. }) => {
            json!({"data": String::from_utf8_lossy(data)})
        }
        Request::Write(Write::SetData { data, version, .. }) => {
            json!({"data": String::from_utf8_lossy(data), "version": version})
        }
        Request::Write(Write::Delete { version, .. }) => json!({"version": version}),
        _ => Value::Null,
    }
}

fn output(reply: &Reply) -> Value {
    match reply {
        Reply::Created(path) => json!({"path": path}),
        Reply::Stat(Some(stat)) => json!({"version": stat.version}),
        Reply::Data(data, stat) => {
            json!({"data": String::from_utf8_lossy(data), "version": stat.version})
        }
        Reply::Children(children) => json!(children),
        _ => Value::Null,
    }
}

/// The longest a `zk exec --ensemble` script may take, in simulated time.
pub const EXEC_LIMIT: Nanos = 3_600 * SECOND;

/// Runs a `zk exec` script through an ensemble (`settings.zk.script`, client c1; session k on
/// server k mod N) and returns the lines `zk exec` prints: each op's result, then the watch
/// events it fired, in the order one server would have fired them. An op whose connection was
/// lost prints `ConnectionLoss`; a script still unfinished after [`EXEC_LIMIT`] stops there.
pub fn exec(settings: &ReplaySettings) -> Result<Vec<String>, ReplayError> {
    let mut settings = settings.clone();
    settings.clients.count = 1;
    settings.duration = Some(EXEC_LIMIT);
    let ops = settings.zk.script.as_ref().map_or(0, |s| s.len());
    let context = crate::harness::replay::context(&settings)?;
    let config = ZkRunner::config(&context, ZkRunner::workload(&context, EXEC_LIMIT)?)?;
    let mut sim = context.simulation::<Zab>(config).clients(1).build();
    let client = settings.nodes;
    let step = settings.zk.tick;
    let mut until = 0;
    while until < EXEC_LIMIT {
        until += step;
        sim.run_until(until, &mut |_| {});
        let done = sim
            .process(client)
            .and_then(Zab::client)
            .is_none_or(|c| c.script_done(ops));
        if done {
            break;
        }
    }
    let Some(c) = sim.process(client).and_then(Zab::client) else {
        return Ok(Vec::new());
    };
    let mut heard: Vec<_> = c.heard().to_vec();
    heard.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut lines = Vec::new();
    for (i, op) in c.history().iter().enumerate() {
        let result = match &op.completion {
            Some(Completion::Answered { result, .. }) => script::reply_json(result),
            Some(Completion::NotSent { error, .. }) => json!({"ok": false, "error": error}),
            Some(Completion::Unknown { .. }) | None => {
                json!({"ok": false, "error": "ConnectionLoss"})
            }
        };
        lines.push(result.to_string());
        for (_, h) in heard.iter().filter(|(after, _)| *after == i) {
            let event = WatchEvent {
                session: h.session.clone(),
                kind: h.kind,
                path: h.path.clone(),
                group: h.group,
            };
            lines.push(script::event_json(&event).to_string());
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn race(succeeded: u64, failed: u64, completion_s: Option<f64>) -> ClientsOutcome {
        ClientsOutcome {
            requests: 50,
            attempts: 312,
            amplification: 6.24,
            goodput_per_s: 0.0,
            succeeded,
            failed,
            completion_s,
            ..ClientsOutcome::default()
        }
    }

    #[test]
    fn the_contention_line_says_who_gave_up_and_who_never_finished() {
        let head = "zk contention: 50 clients, 312 conditional sets (6.24 per update)";
        assert_eq!(
            contention_summary(&race(50, 0, Some(4.2134))),
            format!("{head}, all done in 4.213 s")
        );
        assert_eq!(
            contention_summary(&race(47, 3, Some(4.2134))),
            format!("{head}, 47 done, 3 gave up, all finished in 4.213 s")
        );
        assert_eq!(
            contention_summary(&race(45, 2, None)),
            format!("{head}, 45 done, 2 gave up, 3 unfinished at the end")
        );
    }
}
