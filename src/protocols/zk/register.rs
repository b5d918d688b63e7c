//! One znode as a sequential model for the linearizability checker
//! ([`crate::check::linearizable`]): what ZooKeeper's writes to a single path must look like if
//! the ensemble behaves as one server.
//!
//! The state is the znode or its absence, with its data and data version:
//! - `create` succeeds only on an absent node, which starts at version 0, else `NodeExists`;
//! - `setData` with expected version `v` succeeds only on a present node whose version is `v`
//!   (-1 matches any), and bumps the version by one, returned in the reply's stat; else
//!   `NoNode` or `BadVersion`, checked in that order;
//! - `delete` with expected version `v` succeeds under the same conditions, else `NoNode` or
//!   `BadVersion`;
//! - a read returns the data and version, or absence.
//!
//! A failed write changes nothing. Versions are Java `int`s and wrap past `i32::MAX`, as in
//! ZooKeeper. The model is a single path: no children, so no `NotEmpty`, and no ACLs.
//!
//! What to put in a history: `NoNode`, `NodeExists` and `BadVersion` are outcomes of the model
//! and go in as completed ops. An op whose outcome is unknown (a timeout, a connection lost after
//! sending) goes in without a return. Any other error code makes [`ZnodeModel::step`] refuse the
//! op (return None), so leave out the ops whose failure means "never applied" (a request
//! rejected before it reached the leader, `NoAuth`, `BadArguments`): they would otherwise make
//! every history non-linearizable. A read whose outcome is unknown constrains nothing: leave it
//! out too, as it only costs search time. Include reads only when they are meant to be
//! linearizable (after a `sync`, or served by the leader): ZooKeeper's ordinary reads are served
//! by the server a client is connected to and may be stale, which this model rightly rejects.
//!
//! Reference: the ZooKeeper Programmer's Guide (3.8), "ZooKeeper Stat Structure" and the
//! `create`, `setData` and `delete` operations; `PrepRequestProcessor` for the order of checks
//! and `checkAndIncVersion` (`currentVersion + 1` on a Java `int`) for the version.

use super::ZkError;
use crate::check::linearizable::Model;

/// A present znode: its data and data version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Znode {
    /// Its data.
    pub data: String,
    /// Its data version: 0 when created, one more per successful set.
    pub version: i32,
}

/// An operation on the znode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZnodeOp {
    /// Create it with `data`.
    Create {
        /// Its data.
        data: String,
    },
    /// Set its data if its version is `version` (-1 = any).
    Set {
        /// The new data.
        data: String,
        /// Expected version, -1 for any.
        version: i32,
    },
    /// Delete it if its version is `version` (-1 = any).
    Delete {
        /// Expected version, -1 for any.
        version: i32,
    },
    /// Read its data and version.
    Read,
}

/// What an operation on the znode returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZnodeOutcome {
    /// The create succeeded.
    Created,
    /// The set succeeded; the node is now at `version`.
    SetOk {
        /// The version after the set.
        version: i32,
    },
    /// The delete succeeded.
    Deleted,
    /// The data and version read, None if the node was absent.
    Read(Option<(String, i32)>),
    /// The op failed. Only `NoNode`, `NodeExists` and `BadVersion` are outcomes of the model.
    Error(ZkError),
}

/// One znode as ZooKeeper's single-key operations see it; the state is `Option<Znode>`, None
/// while the node is absent, which it is at first.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZnodeModel;

impl Model for ZnodeModel {
    type State = Option<Znode>;
    type Input = ZnodeOp;
    type Output = ZnodeOutcome;

    fn init(&self) -> Option<Znode> {
        None
    }

    /// The state after `input` if it returned `output` (any output if None); None if the model
    /// could not have returned `output` in `state`, which includes every error code other than
    /// `NoNode`, `NodeExists` and `BadVersion`.
    fn step(
        &self,
        state: &Option<Znode>,
        input: &ZnodeOp,
        output: Option<&ZnodeOutcome>,
    ) -> Option<Option<Znode>> {
        let (outcome, after) = apply(state, input);
        match output {
            Some(seen) if *seen != outcome => None,
            _ => Some(after),
        }
    }
}

/// What `op` returns in `state` and the state after it: the sequential specification.
fn apply(state: &Option<Znode>, op: &ZnodeOp) -> (ZnodeOutcome, Option<Znode>) {
    let unchanged = |error| (ZnodeOutcome::Error(error), state.clone());
    match (op, state) {
        (ZnodeOp::Create { .. }, Some(_)) => unchanged(ZkError::NodeExists),
        (ZnodeOp::Create { data }, None) => (
            ZnodeOutcome::Created,
            Some(Znode {
                data: data.clone(),
                version: 0,
            }),
        ),
        (ZnodeOp::Set { .. } | ZnodeOp::Delete { .. }, None) => unchanged(ZkError::NoNode),
        (
            ZnodeOp::Set {
                version: expected, ..
            }
            | ZnodeOp::Delete { version: expected },
            Some(node),
        ) if !version_matches(node.version, *expected) => unchanged(ZkError::BadVersion),
        (ZnodeOp::Set { data, .. }, Some(node)) => {
            let version = node.version.wrapping_add(1);
            (
                ZnodeOutcome::SetOk { version },
                Some(Znode {
                    data: data.clone(),
                    version,
                }),
            )
        }
        (ZnodeOp::Delete { .. }, Some(_)) => (ZnodeOutcome::Deleted, None),
        (ZnodeOp::Read, _) => (
            ZnodeOutcome::Read(state.as_ref().map(|node| (node.data.clone(), node.version))),
            state.clone(),
        ),
    }
}

/// ZooKeeper's version check: -1 matches any version.
fn version_matches(current: i32, expected: i32) -> bool {
    expected == -1 || expected == current
}

#[cfg(test)]
mod tests {
    use rand::seq::{IndexedRandom, SliceRandom};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::check::linearizable::{Operation, Verdict, Witness, check};

    type ZnodeHistory = Vec<Operation<ZnodeOp, ZnodeOutcome>>;

    const BUDGET: u64 = 1_000_000;

    fn done(
        call: u64,
        ret: u64,
        input: ZnodeOp,
        output: ZnodeOutcome,
    ) -> Operation<ZnodeOp, ZnodeOutcome> {
        Operation {
            process: 0,
            call,
            ret: Some(ret),
            input,
            output: Some(output),
        }
    }

    fn create(data: &str) -> ZnodeOp {
        ZnodeOp::Create { data: data.into() }
    }

    fn set(data: &str, version: i32) -> ZnodeOp {
        ZnodeOp::Set {
            data: data.into(),
            version,
        }
    }

    fn node(data: &str, version: i32) -> Option<Znode> {
        Some(Znode {
            data: data.into(),
            version,
        })
    }

    fn read(data: &str, version: i32) -> ZnodeOutcome {
        ZnodeOutcome::Read(Some((data.into(), version)))
    }

    #[test]
    fn the_model_follows_zookeepers_version_rules() {
        // Reference: ZooKeeper Programmer's Guide, "ZooKeeper Stat Structure": version is the
        // number of changes to the data; -1 matches any version in setData and delete.
        let cases = [
            (None, create("a"), ZnodeOutcome::Created, node("a", 0)),
            (
                node("a", 0),
                create("b"),
                ZnodeOutcome::Error(ZkError::NodeExists),
                node("a", 0),
            ),
            (
                None,
                set("b", -1),
                ZnodeOutcome::Error(ZkError::NoNode),
                None,
            ),
            (
                node("a", 3),
                set("b", -1),
                ZnodeOutcome::SetOk { version: 4 },
                node("b", 4),
            ),
            (
                node("a", 3),
                set("b", 3),
                ZnodeOutcome::SetOk { version: 4 },
                node("b", 4),
            ),
            (
                node("a", 3),
                set("b", 2),
                ZnodeOutcome::Error(ZkError::BadVersion),
                node("a", 3),
            ),
            (
                node("a", i32::MAX),
                set("b", -1),
                ZnodeOutcome::SetOk { version: i32::MIN },
                node("b", i32::MIN),
            ),
            (
                None,
                ZnodeOp::Delete { version: 0 },
                ZnodeOutcome::Error(ZkError::NoNode),
                None,
            ),
            (
                node("a", 1),
                ZnodeOp::Delete { version: 0 },
                ZnodeOutcome::Error(ZkError::BadVersion),
                node("a", 1),
            ),
            (
                node("a", 1),
                ZnodeOp::Delete { version: 1 },
                ZnodeOutcome::Deleted,
                None,
            ),
            (
                node("a", 1),
                ZnodeOp::Delete { version: -1 },
                ZnodeOutcome::Deleted,
                None,
            ),
            (node("a", 1), ZnodeOp::Read, read("a", 1), node("a", 1)),
            (None, ZnodeOp::Read, ZnodeOutcome::Read(None), None),
        ];
        for (before, op, outcome, after) in cases {
            assert_eq!(
                ZnodeModel.step(&before, &op, Some(&outcome)),
                Some(after.clone()),
                "{op:?} in {before:?}"
            );
            assert_eq!(
                ZnodeModel.step(&before, &op, None),
                Some(after),
                "{op:?} in {before:?}, unknown"
            );
        }
        // A different outcome is refused.
        assert_eq!(
            ZnodeModel.step(
                &node("a", 3),
                &set("b", 3),
                Some(&ZnodeOutcome::SetOk { version: 5 })
            ),
            None
        );
        assert_eq!(
            ZnodeModel.step(
                &None,
                &create("a"),
                Some(&ZnodeOutcome::Error(ZkError::NodeExists))
            ),
            None
        );
    }

    #[test]
    fn error_codes_that_are_not_model_outcomes_are_refused() {
        for error in [
            ZkError::NotEmpty,
            ZkError::NoAuth,
            ZkError::BadArguments,
            ZkError::InvalidAcl,
        ] {
            let failed = Some(&ZnodeOutcome::Error(error));
            assert_eq!(
                ZnodeModel.step(&node("a", 0), &set("b", -1), failed),
                None,
                "{error}"
            );
            assert_eq!(
                ZnodeModel.step(&None, &create("a"), failed),
                None,
                "{error}"
            );
        }
    }

    #[test]
    fn a_znode_lifecycle_run_in_sequence_is_linearizable() {
        let steps = [
            (ZnodeOp::Read, ZnodeOutcome::Read(None)),
            (set("x", -1), ZnodeOutcome::Error(ZkError::NoNode)),
            (create("a"), ZnodeOutcome::Created),
            (create("b"), ZnodeOutcome::Error(ZkError::NodeExists)),
            (ZnodeOp::Read, read("a", 0)),
            (set("b", 0), ZnodeOutcome::SetOk { version: 1 }),
            (set("c", 0), ZnodeOutcome::Error(ZkError::BadVersion)),
            (set("c", -1), ZnodeOutcome::SetOk { version: 2 }),
            (
                ZnodeOp::Delete { version: 1 },
                ZnodeOutcome::Error(ZkError::BadVersion),
            ),
            (ZnodeOp::Delete { version: 2 }, ZnodeOutcome::Deleted),
            (ZnodeOp::Read, ZnodeOutcome::Read(None)),
            (create("d"), ZnodeOutcome::Created),
            (ZnodeOp::Read, read("d", 0)),
        ];
        let history: ZnodeHistory = (0u64..)
            .zip(steps)
            .map(|(i, (input, output))| done(10 * i, 10 * i + 5, input, output))
            .collect();
        assert_eq!(check(&ZnodeModel, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn two_concurrent_sets_expecting_the_same_version_cannot_both_succeed() {
        let history = vec![
            done(0, 10, create("a"), ZnodeOutcome::Created),
            done(20, 40, set("b", 0), ZnodeOutcome::SetOk { version: 1 }),
            done(25, 45, set("c", 0), ZnodeOutcome::SetOk { version: 1 }),
        ];
        // Deepest: create, then the first set; the second set then sees version 1 and would
        // fail with BadVersion.
        assert_eq!(
            check(&ZnodeModel, &history, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 2,
                longest_prefix: vec![0, 1],
                state_after_prefix: node("b", 1),
            })
        );
    }

    #[test]
    fn of_two_concurrent_sets_expecting_the_same_version_the_later_placed_fails() {
        // The set called second won: it must be placed first.
        let history = vec![
            done(0, 10, create("a"), ZnodeOutcome::Created),
            done(
                20,
                40,
                set("b", 0),
                ZnodeOutcome::Error(ZkError::BadVersion),
            ),
            done(25, 45, set("c", 0), ZnodeOutcome::SetOk { version: 1 }),
            done(50, 60, ZnodeOp::Read, read("c", 1)),
        ];
        assert_eq!(check(&ZnodeModel, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn a_set_whose_reply_was_lost_explains_a_later_version() {
        let lost = Operation {
            process: 1,
            call: 20,
            ret: None,
            input: set("b", 0),
            output: None,
        };
        let history = vec![
            done(0, 10, create("a"), ZnodeOutcome::Created),
            lost.clone(),
            done(30, 40, set("c", 1), ZnodeOutcome::SetOk { version: 2 }),
        ];
        assert_eq!(check(&ZnodeModel, &history, BUDGET), Verdict::Linearizable);
        // Without the lost set nothing explains version 1.
        let history = vec![history[0].clone(), history[2].clone()];
        assert!(matches!(
            check(&ZnodeModel, &history, BUDGET),
            Verdict::NotLinearizable(_)
        ));
        // And a lost set nobody observed may never have happened.
        let history = vec![
            done(0, 10, create("a"), ZnodeOutcome::Created),
            lost,
            done(30, 40, set("c", 0), ZnodeOutcome::SetOk { version: 1 }),
            done(50, 60, ZnodeOp::Read, read("c", 1)),
        ];
        assert_eq!(check(&ZnodeModel, &history, BUDGET), Verdict::Linearizable);
    }

    /// A random sequential execution of the znode model, as a history whose op `k` takes effect
    /// at `1000 + 100 k` inside a random window around that instant (so windows overlap their
    /// neighbours'), some completed ops turned unknown, and some unknown ops that never took
    /// effect added; shuffled. Data written is unique per op (`d<k>`).
    fn random_history(rng: &mut ChaCha8Rng, len: u64) -> ZnodeHistory {
        let mut state = None;
        let mut history = ZnodeHistory::new();
        for k in 0..len {
            let data = format!("d{k}");
            let current = state.as_ref().map_or(0, |node: &Znode| node.version);
            let version = match rng.random_range(0..4) {
                0 => -1,
                1 => current + 1, // wrong while present
                _ => current,
            };
            let input = match rng.random_range(0..7) {
                0 | 1 => ZnodeOp::Create { data },
                2 | 3 => ZnodeOp::Set { data, version },
                4 => ZnodeOp::Delete { version },
                _ => ZnodeOp::Read,
            };
            let (output, after) = apply(&state, &input);
            state = after;
            let effect = 1_000 + 100 * k;
            let call = effect - rng.random_range(0..=250);
            let unknown = rng.random_ratio(1, 20);
            history.push(Operation {
                process: rng.random_range(0..5),
                call,
                ret: (!unknown).then(|| effect + rng.random_range(0..=250)),
                input,
                output: (!unknown).then_some(output),
            });
            if rng.random_ratio(1, 40) {
                let data = format!("never{k}");
                let input = match rng.random_range(0..3) {
                    0 => ZnodeOp::Create { data },
                    1 => ZnodeOp::Set { data, version: -1 },
                    _ => ZnodeOp::Delete { version: -1 },
                };
                history.push(Operation {
                    process: rng.random_range(0..5),
                    call: rng.random_range(call..=effect + 1_000),
                    ret: None,
                    input,
                    output: None,
                });
            }
        }
        history.shuffle(rng);
        history
    }

    /// The prefix is a legal sequential execution ending in the witness's state, and it
    /// respects real time.
    fn assert_witness_replays(history: &ZnodeHistory, witness: &Witness<Option<Znode>>, seed: u64) {
        let mut state = None;
        for (position, &index) in witness.longest_prefix.iter().enumerate() {
            let op = &history[index];
            state = ZnodeModel
                .step(&state, &op.input, op.output.as_ref())
                .unwrap_or_else(|| panic!("seed {seed}: prefix op {index} refused"));
            for &later in &witness.longest_prefix[position + 1..] {
                assert!(
                    history[later].ret.is_none_or(|ret| ret >= op.call),
                    "seed {seed}: {later} before {index}"
                );
            }
        }
        assert_eq!(state, witness.state_after_prefix, "seed {seed}");
    }

    #[test]
    fn random_sequential_executions_are_linearizable_however_their_windows_overlap() {
        for seed in 0..64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let history = random_history(&mut rng, 150);
            assert_eq!(
                check(&ZnodeModel, &history, BUDGET),
                Verdict::Linearizable,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn an_impossible_output_in_a_random_history_is_rejected() {
        // Two mutations no order can explain: a set returning a version above the number of
        // sets in the history (each version step is one successful set since the last create),
        // and a read returning data nobody wrote.
        for seed in 0..64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut history = random_history(&mut rng, 150);
            let sets = history
                .iter()
                .filter(|op| matches!(op.input, ZnodeOp::Set { .. }))
                .count();
            let impossible_version = i32::try_from(sets + 1).unwrap_or(i32::MAX);
            let mutable: Vec<usize> = (0..history.len())
                .filter(|&i| {
                    matches!(
                        history[i].output,
                        Some(ZnodeOutcome::SetOk { .. } | ZnodeOutcome::Read(_))
                    )
                })
                .collect();
            let Some(&target) = mutable.choose(&mut rng) else {
                panic!("seed {seed}: no set or read to mutate");
            };
            let mutated = match history[target].output {
                Some(ZnodeOutcome::SetOk { .. }) => ZnodeOutcome::SetOk {
                    version: impossible_version,
                },
                _ => read("never written", 0),
            };
            history[target].output = Some(mutated);
            let Verdict::NotLinearizable(witness) = check(&ZnodeModel, &history, BUDGET) else {
                panic!("seed {seed}: mutating op {target} was not rejected");
            };
            assert!(!witness.longest_prefix.contains(&target), "seed {seed}");
            assert_witness_replays(&history, &witness, seed);
        }
    }
}
