//! A linearizability checker: does a concurrent history of operations match some sequential
//! execution of a [`Model`] that respects real time?
//!
//! A history is linearizable (Herlihy and Wing) if every operation can be given a single instant
//! between its call and its return at which it takes effect, such that taking the operations in
//! the order of those instants is a legal sequential execution of the model, producing the
//! outputs the history recorded. Op `a` happens before op `b` when `a` returned strictly before
//! `b` was called (`a.ret < b.call`); anything else, equal times included, is concurrent and may
//! be ordered either way.
//!
//! # The search
//!
//! This is the Wing–Gong search with Lowe's refinement (the "WGL" algorithm; Knossos and
//! Porcupine check histories the same way). The calls and returns of the completed ops are laid
//! out as one list of entries in time order, calls before returns at equal times. The search
//! walks the list from its head:
//! - at a call entry, it tries to linearize that op next: if the model accepts the op's output
//!   in the current state, the op's call and return entries are unlinked from the list, the op is
//!   pushed on a stack and the walk restarts at the head;
//! - at a return entry, the op it belongs to had to take effect before this point: once every
//!   candidate in front of it has been tried, the search backtracks, popping the last op,
//!   relinking its entries (dancing links: relinking in reverse order of unlinking restores the
//!   list exactly) and resuming just after that op's call;
//! - it succeeds once every completed op is linearized.
//!
//! Invariants: the list holds exactly the entries of the completed ops not linearized, in time
//! order; the stack, bottom to top, is the linearization so far and the current state is the
//! model's state after it. The candidates at any point are the ops called no later than the
//! first return entry: exactly the ops that no pending op happens before.
//!
//! Lowe's refinement is a memo of configurations: the set of linearized ops (a bitset) with the
//! model state after them determines everything the rest of the search can do, so a
//! configuration reached a second time, by another order of the same ops, is not explored
//! again. This turns the factorial blow-up of concurrent ops into, at worst, one visit per
//! reachable (set, state).
//!
//! # Ops with an unknown outcome
//!
//! An op without a return time (Jepsen's `info`: a request that timed out) may take effect at
//! any instant after its call, or never. Its return is at infinity: it has no return entry and
//! never forces a backtrack, and since nothing can observe an op after the last completed one,
//! "never" is the same as "at the very end", so the search succeeds as soon as every completed
//! op is placed. Left as ordinary candidates, such ops stay candidates for the rest of the
//! history and multiply the configurations; two exact rules keep them cheap:
//! - unknown ops sit in a list of their own and are tried only after every completed candidate
//!   in front of the first return entry has been tried, so the search assumes they did not take
//!   effect until a completed op needs them to have;
//! - a configuration dominates another with the same completed ops placed, the same state and
//!   more unknown ops placed: the extra ones never block an op (their return is at infinity),
//!   so any way to finish from the second is a way to finish from the first. The memo keeps,
//!   for each (completed ops placed, state), the sets of unknown ops placed it has seen, and
//!   skips a configuration dominated by one of them. That one was explored or is still being
//!   explored, and has a way to finish no longer than the skipped one's, so (by induction on
//!   that length) the search still finds a way to finish if there is one. An unknown op that
//!   would leave the state unchanged is the simplest case, checked without the memo.
//!
//! # Cost and bounds
//!
//! Completed ops are numbered in call order, and the memo stores their bitset as the number of
//! leading words that are all ones plus the words from there to the last non-zero one. With
//! little concurrency the placed set is a prefix of the call order plus a few ops beyond it, so
//! a key is a word or two, and when the first candidate is the right one each op costs one
//! step: a history of thousands of ops is checked in about as many steps.
//!
//! Unknown ops are the expensive part (deciding linearizability is NP-complete in general, and
//! they are where it shows). Each time the search is stuck, it tries every unknown op called
//! before that point and not placed, including those that never took effect: one that changes
//! nothing costs a step, one that changes the state opens a subtree, and those that never took
//! effect stay candidates to the end of the history. Callers should leave out unknown reads
//! (they constrain nothing) and check one key at a time.
//!
//! A step is one call to [`Model::step`]. The search stops after `budget` steps with
//! [`Verdict::Undecided`]; every memo entry and every recorded stack push follows a successful
//! step, so memory is bounded by the budget times the size of a state and a key, plus the
//! history itself.
//!
//! References: M. Herlihy and J. Wing, "Linearizability: a correctness condition for concurrent
//! objects", TOPLAS 12(3), 1990; J. Wing and C. Gong, "Testing and verifying concurrent
//! objects", JPDC 17, 1993; G. Lowe, "Testing for linearizability", Concurrency and
//! Computation: Practice and Experience 29(4), 2017.

use std::fmt::Debug;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// A sequential specification.
///
/// `step` must be a function of its arguments: the checker stores states and replays nothing,
/// so a model that answered differently for the same arguments would make it unsound.
pub trait Model {
    /// The object's state. Hashed and compared to recognise configurations seen before.
    type State: Clone + Eq + Hash + Debug;
    /// What an op asks for.
    type Input: Clone + Debug;
    /// What an op returned.
    type Output: Clone + Debug;

    /// The state before any op.
    fn init(&self) -> Self::State;

    /// The state after `input` in `state` if it could have returned `output` there; `output`
    /// None = unknown (the op may or may not have taken effect, any output allowed): the state
    /// the op leaves when it does take effect (the checker covers "never" by not placing it).
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;
}

/// One op of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// Who issued it (informational; a process may have several ops open at once).
    pub process: u32,
    /// Invocation time, ns.
    pub call: u64,
    /// Completion time; None = outcome unknown (Jepsen's `info`): it may take effect at any
    /// time after `call`, or never. An op with a return time must be placed before it.
    pub ret: Option<u64>,
    /// What it asked for.
    pub input: I,
    /// What it returned; None exactly when `ret` is None. The checker reads the two fields
    /// separately: `output` None with a return time is a completed op whose result was lost,
    /// and an output without a return time binds the op if it is placed.
    pub output: Option<O>,
}

/// What the checker decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<S> {
    /// Some order of the ops, respecting real time, is a legal sequential execution.
    Linearizable,
    /// No order is; the witness shows how far the search got.
    NotLinearizable(Witness<S>),
    /// The budget ran out after this many steps.
    Undecided {
        /// Calls to [`Model::step`] made.
        steps: u64,
    },
}

/// Why a history is not linearizable, for a human: the deepest point the search reached and the
/// op it could not place there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness<S> {
    /// Index (into the history) of the op that had to come next after the longest prefix and
    /// could not: of the completed ops not in the prefix, the one that returned first (called
    /// first, if several returned at that instant).
    pub unplaceable_op: usize,
    /// The longest linearizable prefix found: history indices in linearization order (the first
    /// found, if several are as long).
    pub longest_prefix: Vec<usize>,
    /// The model state after the longest prefix.
    pub state_after_prefix: S,
}

/// Checks `history` against `model`, taking at most `budget` steps.
///
/// An op that returns before it is called can never be placed: the verdict is
/// [`Verdict::NotLinearizable`] naming the first such op, with an empty prefix.
pub fn check<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    budget: u64,
) -> Verdict<M::State> {
    if let Some(backwards) = history
        .iter()
        .position(|op| op.ret.is_some_and(|ret| ret < op.call))
    {
        return Verdict::NotLinearizable(Witness {
            unplaceable_op: backwards,
            longest_prefix: Vec::new(),
            state_after_prefix: model.init(),
        });
    }
    Search::new(model, history).run(budget)
}

/// Marks "no node": the parent of the first op of a path, the empty path.
const NO_NODE: usize = usize::MAX;

/// A doubly linked list over nodes 1..=len, with sentinels 0 (head) and len + 1 (tail) so
/// unlinking never meets an edge case. Nodes come back with [`Links::relink`] in reverse order
/// of [`Links::unlink`] (dancing links).
struct Links {
    next: Vec<usize>,
    prev: Vec<usize>,
}

impl Links {
    fn new(len: usize) -> Self {
        Links {
            next: (1..=len + 2).collect(),
            prev: (0..=len + 1).map(|node| node.saturating_sub(1)).collect(),
        }
    }

    fn first(&self) -> usize {
        self.next[0]
    }

    fn tail(&self) -> usize {
        self.prev.len() - 1
    }

    fn unlink(&mut self, node: usize) {
        let (before, after) = (self.prev[node], self.next[node]);
        self.next[before] = after;
        self.prev[after] = before;
    }

    /// Puts back the node unlinked last among those still out.
    fn relink(&mut self, node: usize) {
        let (before, after) = (self.prev[node], self.next[node]);
        self.next[before] = node;
        self.prev[after] = node;
    }
}

/// The search's fixed data and its two lists. Completed ops are numbered in call order
/// ("completed ids"), their entries are the nodes of `entries`; unknown ops are numbered in call
/// order too ("unknown ids"), unknown id `k` being node `k + 1` of `unknown_calls`.
struct Search<'h, M: Model> {
    model: &'h M,
    history: &'h [Operation<M::Input, M::Output>],
    /// History index of each completed id.
    completed: Vec<usize>,
    /// History index of each unknown id.
    unknown: Vec<usize>,
    /// Calls and returns of the completed ops not placed, in time order.
    entries: Links,
    /// Completed id of each entry node (sentinels: unused).
    entry_op: Vec<usize>,
    /// Whether each entry node is a return (sentinels: false).
    entry_is_return: Vec<bool>,
    /// Time of each entry node (sentinels: unused).
    entry_time: Vec<u64>,
    /// Entry nodes of each completed id's call and return.
    call_node: Vec<usize>,
    return_node: Vec<usize>,
    /// Calls of the unknown ops not placed, in time order.
    unknown_calls: Links,
}

/// Where the walk is.
#[derive(Clone, Copy)]
enum Cursor {
    /// Trying completed ops: at this entry node.
    Completed(usize),
    /// Completed ops exhausted up to the return entry `blocking_return`; trying the unknown ops
    /// called no later than it, in call order: at this node of the unknown list.
    Unknown { node: usize, blocking_return: usize },
}

/// An op placed: which one, and for an unknown op, the return entry that bounded the
/// candidates when it was placed (the walk resumes there on backtracking).
#[derive(Clone, Copy)]
enum Placement {
    Completed { id: usize },
    Unknown { id: usize, blocking_return: usize },
}

/// A stack frame: an op placed, and what to restore when it is taken back.
struct Frame<S> {
    placement: Placement,
    state_before: S,
    /// This placement's node in the path tree.
    path_node: usize,
}

/// The deepest configuration seen so far.
struct Deepest<S> {
    depth: usize,
    /// Its last placement's node in the path tree (NO_NODE: the empty prefix).
    path_node: usize,
    state: S,
    /// History index of the op whose return stopped the search there.
    stuck_op: usize,
}

/// The memo's key: the set of completed ids placed (see [`OpSet::key`]) and the state. Its value
/// is the list of sets of unknown ids placed seen with it.
#[derive(PartialEq, Eq, Hash)]
struct Configuration<S> {
    full_words: usize,
    rest: Box<[u64]>,
    state: S,
}

type Memo<S> = FxHashMap<Configuration<S>, Vec<Box<[u64]>>>;

impl<'h, M: Model> Search<'h, M> {
    fn new(model: &'h M, history: &'h [Operation<M::Input, M::Output>]) -> Self {
        let mut by_call: Vec<usize> = (0..history.len()).collect();
        by_call.sort_by_key(|&index| (history[index].call, index));
        let (completed, unknown): (Vec<usize>, Vec<usize>) = by_call
            .into_iter()
            .partition(|&index| history[index].ret.is_some());

        // (time, is_return, completed id): calls before returns at equal times, so an op
        // returning at t and one called at t are concurrent.
        let mut timeline: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * completed.len());
        for (id, &index) in completed.iter().enumerate() {
            let op = &history[index];
            timeline.push((op.call, false, id));
            if let Some(ret) = op.ret {
                timeline.push((ret, true, id));
            }
        }
        timeline.sort_unstable();

        let nodes = timeline.len() + 2;
        let mut entry_op = vec![0; nodes];
        let mut entry_is_return = vec![false; nodes];
        let mut entry_time = vec![0; nodes];
        let mut call_node = vec![0; completed.len()];
        let mut return_node = vec![0; completed.len()];
        for (offset, &(time, is_return, id)) in timeline.iter().enumerate() {
            let node = offset + 1;
            entry_op[node] = id;
            entry_is_return[node] = is_return;
            entry_time[node] = time;
            if is_return {
                return_node[id] = node;
            } else {
                call_node[id] = node;
            }
        }
        Search {
            model,
            history,
            entries: Links::new(timeline.len()),
            unknown_calls: Links::new(unknown.len()),
            completed,
            unknown,
            entry_op,
            entry_is_return,
            entry_time,
            call_node,
            return_node,
        }
    }

    /// The cursor moved past the op it points at.
    fn advance(&self, cursor: Cursor) -> Cursor {
        match cursor {
            Cursor::Completed(node) => Cursor::Completed(self.entries.next[node]),
            Cursor::Unknown {
                node,
                blocking_return,
            } => Cursor::Unknown {
                node: self.unknown_calls.next[node],
                blocking_return,
            },
        }
    }

    fn run(mut self, budget: u64) -> Verdict<M::State> {
        let mut state = self.model.init();
        let mut placed_completed = OpSet::new(self.completed.len());
        let mut placed_unknown = vec![0u64; self.unknown.len().div_ceil(64)];
        let mut memo: Memo<M::State> = FxHashMap::default();
        remember(&mut memo, &placed_completed, &placed_unknown, &state);
        let mut stack: Vec<Frame<M::State>> = Vec::new();
        // Every placement ever made, as (history index, parent placement): the stack at any
        // moment is a path in this tree, so the deepest prefix is kept without copying stacks.
        let mut paths: Vec<(usize, usize)> = Vec::new();
        let mut deepest = Deepest {
            depth: 0,
            path_node: NO_NODE,
            state: state.clone(),
            stuck_op: 0, // set when the search leaves the deepest configuration, see below
        };
        let mut pending_returns = self.completed.len();
        let mut steps: u64 = 0;
        let mut cursor = Cursor::Completed(self.entries.first());

        loop {
            if pending_returns == 0 {
                return Verdict::Linearizable;
            }
            let (index, placement) = match cursor {
                Cursor::Completed(node) if self.entry_is_return[node] => {
                    cursor = Cursor::Unknown {
                        node: self.unknown_calls.first(),
                        blocking_return: node,
                    };
                    continue;
                }
                // While a return entry is in the list, the walk meets it before the tail.
                Cursor::Completed(node) if node == self.entries.tail() => {
                    return Verdict::Linearizable;
                }
                Cursor::Completed(node) => {
                    let id = self.entry_op[node];
                    (self.completed[id], Placement::Completed { id })
                }
                Cursor::Unknown {
                    node,
                    blocking_return,
                } => {
                    let candidate = node
                        .checked_sub(1)
                        .and_then(|id| Some((id, *self.unknown.get(id)?)))
                        .filter(|&(_, index)| {
                            self.history[index].call <= self.entry_time[blocking_return]
                        });
                    if let Some((id, index)) = candidate {
                        (
                            index,
                            Placement::Unknown {
                                id,
                                blocking_return,
                            },
                        )
                    } else {
                        // Every candidate in front of `blocking_return` has been tried.
                        let top = stack.last().map_or(NO_NODE, |frame| frame.path_node);
                        // The deepest configuration admits no further placement (that would
                        // be deeper), so the search leaves it here.
                        if top == deepest.path_node {
                            deepest.stuck_op = self.completed[self.entry_op[blocking_return]];
                        }
                        let Some(frame) = stack.pop() else {
                            return Verdict::NotLinearizable(witness(&paths, deepest));
                        };
                        state = frame.state_before;
                        cursor = match frame.placement {
                            Placement::Completed { id } => {
                                self.entries.relink(self.return_node[id]);
                                self.entries.relink(self.call_node[id]);
                                placed_completed.remove(id);
                                pending_returns += 1;
                                Cursor::Completed(self.entries.next[self.call_node[id]])
                            }
                            Placement::Unknown {
                                id,
                                blocking_return,
                            } => {
                                self.unknown_calls.relink(id + 1);
                                placed_unknown[id / 64] &= !(1 << (id % 64));
                                Cursor::Unknown {
                                    node: self.unknown_calls.next[id + 1],
                                    blocking_return,
                                }
                            }
                        };
                        continue;
                    }
                }
            };

            if steps == budget {
                return Verdict::Undecided { steps };
            }
            steps += 1;
            let op = &self.history[index];
            let Some(after) = self.model.step(&state, &op.input, op.output.as_ref()) else {
                cursor = self.advance(cursor);
                continue;
            };
            // An unknown op that changes nothing is dominated by the current configuration.
            if matches!(placement, Placement::Unknown { .. }) && after == state {
                cursor = self.advance(cursor);
                continue;
            }
            match placement {
                Placement::Completed { id } => placed_completed.insert(id),
                Placement::Unknown { id, .. } => placed_unknown[id / 64] |= 1 << (id % 64),
            }
            if !remember(&mut memo, &placed_completed, &placed_unknown, &after) {
                match placement {
                    Placement::Completed { id } => placed_completed.remove(id),
                    Placement::Unknown { id, .. } => placed_unknown[id / 64] &= !(1 << (id % 64)),
                }
                cursor = self.advance(cursor);
                continue;
            }
            match placement {
                Placement::Completed { id } => {
                    self.entries.unlink(self.call_node[id]);
                    self.entries.unlink(self.return_node[id]);
                    pending_returns -= 1;
                }
                Placement::Unknown { id, .. } => self.unknown_calls.unlink(id + 1),
            }
            let parent = stack.last().map_or(NO_NODE, |frame| frame.path_node);
            paths.push((index, parent));
            stack.push(Frame {
                placement,
                state_before: std::mem::replace(&mut state, after),
                path_node: paths.len() - 1,
            });
            if stack.len() > deepest.depth {
                deepest.depth = stack.len();
                deepest.path_node = paths.len() - 1;
                deepest.state = state.clone();
            }
            cursor = Cursor::Completed(self.entries.first());
        }
    }
}

/// Records the configuration (completed ids placed, unknown ids placed, state) unless one
/// dominating it was recorded before: same completed ids and state, a subset of the unknown
/// ids. Returns whether it is new, i.e. whether to explore it.
fn remember<S: Clone + Eq + Hash>(
    memo: &mut Memo<S>,
    placed_completed: &OpSet,
    placed_unknown: &[u64],
    state: &S,
) -> bool {
    let (full_words, rest) = placed_completed.key();
    let seen = memo
        .entry(Configuration {
            full_words,
            rest,
            state: state.clone(),
        })
        .or_default();
    let within_placed = |seen_unknown: &[u64]| {
        seen_unknown
            .iter()
            .zip(placed_unknown)
            .all(|(&theirs, &ours)| theirs & !ours == 0)
    };
    if seen.iter().any(|seen_unknown| within_placed(seen_unknown)) {
        return false;
    }
    // Stored without trailing zero words (a missing word is all zeros).
    let used = placed_unknown
        .iter()
        .rposition(|&word| word != 0)
        .map_or(0, |last| last + 1);
    seen.push(placed_unknown[..used].into());
    true
}

/// The witness for the deepest configuration, its prefix read back from the path tree.
fn witness<S>(paths: &[(usize, usize)], deepest: Deepest<S>) -> Witness<S> {
    let mut longest_prefix = Vec::with_capacity(deepest.depth);
    let mut path_node = deepest.path_node;
    while let Some(&(index, parent)) = paths.get(path_node) {
        longest_prefix.push(index);
        path_node = parent;
    }
    longest_prefix.reverse();
    Witness {
        unplaceable_op: deepest.stuck_op,
        longest_prefix,
        state_after_prefix: deepest.state,
    }
}

/// A set of op ids as a bitset that also knows its first word not all ones and its last
/// non-zero word, so its memo key skips the settled past and the untouched future.
///
/// Invariant: `full_words` is exactly the number of leading words equal to `u64::MAX`, and
/// `used_words` is exactly one past the last non-zero word (0 if none): with both exact, equal
/// sets have equal keys.
struct OpSet {
    words: Vec<u64>,
    full_words: usize,
    used_words: usize,
}

impl OpSet {
    fn new(len: usize) -> Self {
        OpSet {
            words: vec![0; len.div_ceil(64)],
            full_words: 0,
            used_words: 0,
        }
    }

    fn insert(&mut self, id: usize) {
        let word = id / 64;
        self.words[word] |= 1 << (id % 64);
        self.used_words = self.used_words.max(word + 1);
        if word == self.full_words {
            while self.words.get(self.full_words) == Some(&u64::MAX) {
                self.full_words += 1;
            }
        }
    }

    fn remove(&mut self, id: usize) {
        let word = id / 64;
        self.words[word] &= !(1 << (id % 64));
        self.full_words = self.full_words.min(word);
        if word + 1 == self.used_words {
            while self.used_words > 0 && self.words[self.used_words - 1] == 0 {
                self.used_words -= 1;
            }
        }
    }

    /// The leading all-ones word count and the words after them up to the last non-zero one.
    fn key(&self) -> (usize, Box<[u64]>) {
        let end = self.used_words.max(self.full_words);
        (self.full_words, self.words[self.full_words..end].into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A register holding a small number, starting at 0, with compare-and-set.
    struct Register;

    #[derive(Debug, Clone, Copy)]
    enum RegisterOp {
        Write(u8),
        Read,
        /// Compare-and-set from, to.
        Cas(u8, u8),
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum RegisterOutput {
        Written,
        Value(u8),
        Swapped(bool),
    }

    impl Model for Register {
        type State = u8;
        type Input = RegisterOp;
        type Output = RegisterOutput;

        fn init(&self) -> u8 {
            0
        }

        fn step(
            &self,
            state: &u8,
            input: &RegisterOp,
            output: Option<&RegisterOutput>,
        ) -> Option<u8> {
            let (result, after) = match *input {
                RegisterOp::Write(value) => (RegisterOutput::Written, value),
                RegisterOp::Read => (RegisterOutput::Value(*state), *state),
                RegisterOp::Cas(from, to) if from == *state => (RegisterOutput::Swapped(true), to),
                RegisterOp::Cas(..) => (RegisterOutput::Swapped(false), *state),
            };
            match output {
                Some(seen) if *seen != result => None,
                _ => Some(after),
            }
        }
    }

    type RegisterHistory = Vec<Operation<RegisterOp, RegisterOutput>>;

    fn done(
        call: u64,
        ret: u64,
        input: RegisterOp,
        output: RegisterOutput,
    ) -> Operation<RegisterOp, RegisterOutput> {
        Operation {
            process: 0,
            call,
            ret: Some(ret),
            input,
            output: Some(output),
        }
    }

    fn unknown(call: u64, input: RegisterOp) -> Operation<RegisterOp, RegisterOutput> {
        Operation {
            process: 0,
            call,
            ret: None,
            input,
            output: None,
        }
    }

    fn write(call: u64, ret: u64, value: u8) -> Operation<RegisterOp, RegisterOutput> {
        done(call, ret, RegisterOp::Write(value), RegisterOutput::Written)
    }

    fn read(call: u64, ret: u64, value: u8) -> Operation<RegisterOp, RegisterOutput> {
        done(call, ret, RegisterOp::Read, RegisterOutput::Value(value))
    }

    const BUDGET: u64 = 100_000;

    #[test]
    fn a_sequential_history_that_follows_the_model_is_linearizable() {
        let history = vec![
            read(0, 1, 0),
            write(2, 3, 4),
            read(4, 5, 4),
            done(6, 7, RegisterOp::Cas(4, 7), RegisterOutput::Swapped(true)),
            done(8, 9, RegisterOp::Cas(4, 1), RegisterOutput::Swapped(false)),
            read(10, 11, 7),
        ];
        assert_eq!(check(&Register, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn the_empty_history_is_linearizable_without_a_step() {
        assert_eq!(
            check(&Register, &RegisterHistory::new(), 0),
            Verdict::Linearizable
        );
    }

    #[test]
    fn a_read_after_a_completed_write_that_returns_the_old_value_is_rejected() {
        // Reference: Herlihy and Wing 1990, section 2: once write(1) has returned, a read that
        // starts later must see it.
        let history = vec![write(0, 10, 1), read(20, 30, 0)];
        assert_eq!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 1,
                longest_prefix: vec![0],
                state_after_prefix: 1,
            })
        );
    }

    #[test]
    fn the_witness_names_history_indices_not_call_order() {
        // The same history listed out of time order: indices refer to the slice given.
        let history = vec![read(20, 30, 0), write(0, 10, 1)];
        assert_eq!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 0,
                longest_prefix: vec![1],
                state_after_prefix: 1,
            })
        );
    }

    #[test]
    fn concurrent_ops_may_be_ordered_either_way() {
        // Two overlapping writes; a later read may see either, whichever the order.
        for last in [1, 2] {
            let history = vec![write(0, 10, 1), write(5, 15, 2), read(20, 30, last)];
            assert_eq!(
                check(&Register, &history, BUDGET),
                Verdict::Linearizable,
                "read {last}"
            );
        }
        // A read overlapping a write may see the value before or after it.
        for seen in [0, 5] {
            let history = vec![write(0, 10, 5), read(3, 8, seen), read(11, 12, 5)];
            assert_eq!(
                check(&Register, &history, BUDGET),
                Verdict::Linearizable,
                "read {seen}"
            );
        }
        // But not a value nobody wrote.
        let history = vec![write(0, 10, 1), write(5, 15, 2), read(20, 30, 3)];
        assert!(matches!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn a_return_and_a_call_at_the_same_instant_are_concurrent() {
        let at_the_same_time = vec![write(0, 10, 1), read(10, 20, 0)];
        assert_eq!(
            check(&Register, &at_the_same_time, BUDGET),
            Verdict::Linearizable
        );
        let strictly_after = vec![write(0, 10, 1), read(11, 20, 0)];
        assert!(matches!(
            check(&Register, &strictly_after, BUDGET),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn an_unknown_write_that_a_later_read_observed_took_effect() {
        let history = vec![
            write(0, 10, 1),
            unknown(20, RegisterOp::Write(2)),
            read(30, 40, 1),
            read(50, 60, 2),
        ];
        assert_eq!(check(&Register, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn an_unknown_write_that_nobody_observed_may_never_have_happened() {
        let history = vec![
            write(0, 10, 1),
            unknown(20, RegisterOp::Write(2)),
            read(30, 40, 1),
            read(50, 60, 1),
        ];
        assert_eq!(check(&Register, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn an_unknown_write_cannot_take_effect_before_its_call() {
        let history = vec![read(0, 10, 2), unknown(20, RegisterOp::Write(2))];
        assert_eq!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 0,
                longest_prefix: vec![],
                state_after_prefix: 0,
            })
        );
    }

    #[test]
    fn an_unknown_write_takes_effect_once_at_most() {
        // Write(2) may explain one change to 2, not a return to 2 after a completed write(1).
        let history = vec![
            unknown(0, RegisterOp::Write(2)),
            read(10, 20, 2),
            write(30, 40, 1),
            read(50, 60, 2),
        ];
        assert!(matches!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn concurrent_compare_and_sets_from_the_same_value_cannot_both_succeed() {
        let swap = |call, ret, ok| {
            done(
                call,
                ret,
                RegisterOp::Cas(0, 1),
                RegisterOutput::Swapped(ok),
            )
        };
        let one_wins = vec![swap(0, 10, true), swap(5, 15, false)];
        assert_eq!(check(&Register, &one_wins, BUDGET), Verdict::Linearizable);
        let both_win = vec![swap(0, 10, true), swap(5, 15, true)];
        assert_eq!(
            check(&Register, &both_win, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 1,
                longest_prefix: vec![0],
                state_after_prefix: 1,
            })
        );
    }

    #[test]
    fn an_op_that_returns_before_its_call_is_never_placed() {
        let history = vec![write(0, 10, 1), read(30, 20, 1)];
        assert_eq!(
            check(&Register, &history, BUDGET),
            Verdict::NotLinearizable(Witness {
                unplaceable_op: 1,
                longest_prefix: vec![],
                state_after_prefix: 0,
            })
        );
    }

    #[test]
    fn a_search_past_its_budget_is_undecided() {
        // 30 fully concurrent writes and reads: a linearization needs 30 steps at least.
        let history: RegisterHistory = (0..30)
            .map(|i| {
                if i % 2 == 0 {
                    write(i, 1_000, 1)
                } else {
                    read(i, 1_000, 1)
                }
            })
            .collect();
        assert_eq!(
            check(&Register, &history, 5),
            Verdict::Undecided { steps: 5 }
        );
        assert_eq!(check(&Register, &history, BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn a_long_history_with_little_concurrency_takes_one_step_per_op() {
        // Each op overlaps the next one; call order is a linearization, found greedily.
        let count: u64 = 10_000;
        let history: RegisterHistory = (0..count)
            .map(|i| {
                let (call, ret) = (10 * i, 10 * i + 15);
                let value = (i / 2 % 200) as u8;
                if i % 2 == 0 {
                    write(call, ret, value)
                } else {
                    read(call, ret, value)
                }
            })
            .collect();
        assert_eq!(check(&Register, &history, count), Verdict::Linearizable);
        assert_eq!(
            check(&Register, &history, count - 1),
            Verdict::Undecided { steps: count - 1 }
        );
    }

    #[test]
    fn the_memo_makes_many_concurrent_writes_exponential_not_factorial() {
        // Twelve concurrent write(1)s, then a read of 2 nobody wrote. Without the memo the
        // search tries all 12! orders. With it each set S of placed writes (state 1 once any is
        // placed) is expanded once, trying the 12 - |S| writes still out (the read is called
        // after they return), and the full set tries the read: 12 * 2^11 + 1 = 24 577 steps.
        let mut history: RegisterHistory = (0..12).map(|i| write(i, 100, 1)).collect();
        history.push(read(200, 300, 2));
        assert_eq!(
            check(&Register, &history, 24_576),
            Verdict::Undecided { steps: 24_576 }
        );
        let Verdict::NotLinearizable(witness) = check(&Register, &history, 24_577) else {
            panic!("expected a rejection in 24 577 steps");
        };
        assert_eq!(witness.unplaceable_op, 12);
        assert_eq!(witness.longest_prefix, (0..12).collect::<Vec<_>>());
        assert_eq!(witness.state_after_prefix, 1);
    }

    #[test]
    fn an_unknown_op_that_changes_nothing_costs_one_step_per_configuration() {
        // The twelve concurrent writes and impossible read above, plus eight unknown reads
        // called at once. Each of the 2^12 configurations tries them once its completed
        // candidates are exhausted, and each leaves the state unchanged, so it is dominated:
        // 8 * 2^12 more steps, where placing them would multiply the configurations by 2^8.
        let mut history: RegisterHistory = (0..12).map(|i| write(i, 100, 1)).collect();
        history.push(read(200, 300, 2));
        history.extend((0..8).map(|_| unknown(0, RegisterOp::Read)));
        let steps = 12 * (1 << 11) + 1 + 8 * (1 << 12);
        assert_eq!(
            check(&Register, &history, steps - 1),
            Verdict::Undecided { steps: steps - 1 }
        );
        assert!(matches!(
            check(&Register, &history, steps),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn a_configuration_with_more_unknown_ops_placed_is_dominated() {
        // The twelve concurrent writes and impossible read, plus one unknown write(1) called
        // at 0. Steps, with dominance:
        // - every set S of writes is reached with state 1 once S is not empty (the unknown
        //   write not placed), trying its 12 - |S| writes still out: 12 * 2^11 - 12;
        // - the full set tries the read: 1;
        // - each of the 2^12 - 1 non-empty sets tries the unknown write, which leaves state 1
        //   unchanged: 2^12 - 1;
        // - the empty set tries its 12 writes and then the unknown write, which makes state 1:
        //   12 + 1;
        // - from there each write gives (that write, state 1, unknown write placed), dominated
        //   by (that write, state 1, nothing unknown placed) seen before: 12.
        // Without dominance, the second copy of the 2^12 - 1 sets would be explored again.
        let mut history: RegisterHistory = (0..12).map(|i| write(i + 1, 100, 1)).collect();
        history.push(read(200, 300, 2));
        history.push(unknown(0, RegisterOp::Write(1)));
        let steps = (12 * (1 << 11) - 12) + 1 + ((1 << 12) - 1) + (12 + 1) + 12;
        assert_eq!(steps, 28_685);
        assert_eq!(
            check(&Register, &history, steps - 1),
            Verdict::Undecided { steps: steps - 1 }
        );
        assert!(matches!(
            check(&Register, &history, steps),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn an_op_set_key_is_the_same_however_the_set_was_reached() {
        let mut grown = OpSet::new(200);
        for id in 0..130 {
            grown.insert(id);
        }
        grown.insert(150);
        let mut shrunk = OpSet::new(200);
        for id in (0..200).rev() {
            shrunk.insert(id);
        }
        for id in (130..200).filter(|&id| id != 150) {
            shrunk.remove(id);
        }
        assert_eq!(grown.key(), shrunk.key());
        // Ids 128 and 129 and 150 are bits 0, 1 and 22 of word 2.
        assert_eq!(grown.key(), (2, vec![0b11 | 1 << 22].into()));
        shrunk.remove(3);
        assert_eq!(shrunk.key().0, 0);
        assert_ne!(grown.key(), shrunk.key());
    }
}
