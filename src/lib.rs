//! faultline: reliability analytics and a deterministic trace-replay harness.
//!
//! # Layout
//!
//! | module | job |
//! | --- | --- |
//! | [`trace`] | the trace model (nodes with service windows, merged outages, scenario events), its readers (interval CSV, event CSV, JSONL, LANL, FTA, Backblaze, Titan), the synthetic generator (`synth`) and writers |
//! | [`analytics`] | availability, MTBF, MTTF, MTTR, nines per node, fleet and system (a rule, or an expression over selections of nodes set against independent failures; polars inside), breakdowns, non-repairable lifetimes |
//! | [`report`] | rendering results: aligned tables, JSON, CSV, Markdown, `.hgrm`, plots, the HTML report |
//! | [`sim`] | the deterministic discrete-event simulator: engine, network, servers of finite capacity, faults, metrics |
//! | [`protocols`] | protocols on the simulator: failure detectors, leader elections, Paxos, Multi-Paxos, the ZooKeeper-style store, alone and replicated by Zab with sessions and clients; client policies (backoff, retry budget, circuit breaker) |
//! | [`check`] | history checkers: the linearizability checker (Wing–Gong search with Lowe's memo, step-bounded) over a sequential `Model` |
//! | [`harness`] | runs the protocols on the simulator: a registry of runners (one per protocol, in `harness::runners`), `replay` (one protocol, one scenario, one report), fault sweeps over many seeds, timeout sweeps, client policies side by side with recovery after a trigger |
//! | [`units`] | durations (`250ms`, `30d`) and human-readable numbers |
//! | [`output`] | atomic file writes (temp file, then rename) |
//! | [`heap`] | the C allocator's policy for freed memory: returned at once while reading a trace, kept for reuse while simulating |
//! | `cli` (binary only) | clap definitions, one file per subcommand; the only place that prints or exits |
//!
//! Data flows one way: files → [`trace::read_traces`] → [`trace::Trace`] (canonical: outages
//! sorted and merged per node) → [`analytics::analyze`] → [`analytics::Analysis`] (plain
//! `Serialize` structs) → [`report`]. The library never prints and never exits; every error is
//! a typed `thiserror` enum whose message names the file, line and column and says how to fix it.
//! A message never includes its cause: the cause (an operating-system error, say) is the error's
//! `#[source]`, and the CLI prints the chain once with `{:#}`, `message: cause: cause…`.
//!
//! Determinism: the same inputs and seed give byte-identical output. Maps whose order reaches
//! output are ordered, and every random choice comes from an explicitly seeded ChaCha stream.

#![deny(missing_docs)]

pub mod analytics;
pub mod check;
pub mod flags;
pub mod harness;
pub mod heap;
pub mod output;
pub mod protocols;
pub mod report;
pub mod sim;
pub mod trace;
pub mod units;
