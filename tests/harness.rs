//! A protocol the harness has never seen, added the way a new one is: its logic (a `Protocol`
//! for the simulator), its runner and its outcome, all in this file, with no edit anywhere else.
//! The registry line that would list it for `--protocol` is the only other change a built-in
//! protocol needs; here the runner is handed to the harness directly.
//!
//! The toy: every node greets every other once at boot; a node that is greeted answers.

use faultline::harness::outcome::{Outcome, Summary};
use faultline::harness::registry::{Family, Runner};
use faultline::harness::replay::{
    Protocol, ReplayError, ReplayRun, ReplaySettings, RunContext, replay,
};
use faultline::report::replay::table;
use faultline::sim::protocol::{Ctx, NodeIdx, Protocol as SimProtocol};
use faultline::sim::scenario::Fault;
use faultline::sim::time::{Nanos, SECOND};
use serde::Serialize;

#[derive(Debug, Clone)]
enum Msg {
    Hello,
    Answer,
}

struct Greeter {
    answers: u64,
}

impl SimProtocol for Greeter {
    type Msg = Msg;
    type Timer = ();
    type Stable = ();
    type Config = ();
    const NAME: &'static str = "greeter";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        ctx.broadcast(Msg::Hello);
        Greeter { answers: 0 }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match msg {
            Msg::Hello => ctx.send(from, Msg::Answer),
            Msg::Answer => self.answers += 1,
        }
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Hello => "hello",
            Msg::Answer => "answer",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct Greetings {
    answered: u64,
}

impl Summary for Greetings {
    fn summary(&self) -> String {
        format!("greeter: {} answers", self.answered)
    }
}

struct GreeterRunner;

static GREETER: GreeterRunner = GreeterRunner;

impl Runner for GreeterRunner {
    fn name(&self) -> &'static str {
        "greeter"
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let end = run.end_of(SECOND, SECOND);
        let mut sim = run.simulation::<Greeter>(()).build();
        sim.run_until(end, &mut |now| progress(now, end));
        let answered = (0..run.settings.nodes)
            .filter_map(|n| sim.process(n))
            .map(|g| g.answers)
            .sum();
        let metrics = sim.metrics().clone();
        Ok(run.finish(&sim, metrics, end, Outcome::new(Greetings { answered })))
    }
}

#[test]
fn a_protocol_from_outside_runs_through_the_harness() {
    let protocol = Protocol::from(&GREETER as &'static dyn Runner);
    // n3 is down before anyone greets it: its greetings and answers are lost.
    let settings = ReplaySettings {
        duration: Some(2 * SECOND),
        faults: vec![(0, Fault::Crash(2))],
        ..ReplaySettings::new(protocol, 3)
    };
    let run = replay(&settings, &mut |_, _| {}).expect("valid settings");
    let report = &run.report;
    assert_eq!(report.protocol, "greeter");
    // Each of 3 nodes greets the 2 others as it boots (6 hellos); then the crash at time 0 takes
    // n3, so the hellos to it are dropped and it answers nobody. n1 and n2 answer each other
    // and n3 (4 answers), and only the 2 between them arrive.
    assert_eq!(report.messages.by_type.get("hello"), Some(&6));
    assert_eq!(report.messages.by_type.get("answer"), Some(&4));
    assert_eq!(report.messages.dropped, 2 + 2);
    let outcome: Option<&Greetings> = report.outcome.get();
    assert_eq!(outcome.map(|g| g.answered), Some(2));
    let json = serde_json::to_value(report).expect("json");
    assert_eq!(json["outcome"], serde_json::json!({"answered": 2}));
    assert!(
        table(report).contains("\ngreeter: 2 answers\n"),
        "{}",
        table(report)
    );
}
