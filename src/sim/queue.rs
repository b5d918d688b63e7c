//! The engine's queue of pending events: a monotone radix heap.
//!
//! A discrete-event simulation never schedules into the past, so its queue only has to serve
//! keys at or after the last one taken; a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan) uses
//! that. Items sit in 65 buckets by the highest bit in which their time differs from the last
//! time taken: bucket 0 holds those due exactly then, bucket `b` those whose time first differs
//! from it at bit `b - 1`. Taking from an empty bucket 0 empties the lowest non-empty bucket
//! into lower ones around its earliest time; an item moves down at most once per bit, and in a
//! simulation, where most events are due soon, it typically moves once or twice. Against a
//! binary heap of the same items this saves the `log n` sift of every push and pop.
//!
//! The items themselves stay put in a slab; the buckets move only their times and slab indexes,
//! sixteen bytes each, however large an event is.
//!
//! Order: earliest time first and, among items due at the same time, the order in which they
//! were pushed. Every bucket keeps its items in push order (pushes append; a bucket is refilled
//! only while empty, from a bucket in push order, by a stable pass), so no sequence number is
//! needed for ties.

use std::collections::VecDeque;

use super::time::Nanos;

/// A min-queue of items keyed by time, first-in first-out among equal times; a time pushed must
/// not be before the last one popped (a peek does not count: it may look past a time still to be
/// pushed).
#[derive(Debug)]
pub struct EventQueue<T> {
    /// The reference time of the buckets: the time of the items in `due` — the last item
    /// taken, or, after a peek, the next one due.
    last: Nanos,
    /// The time of the last item taken (or 0): no push may be earlier.
    served: Nanos,
    /// Items due at `last`, in push order.
    due: VecDeque<(Nanos, u32)>,
    /// `later[b - 1]`: items whose time differs from `last` first at bit `b - 1`.
    later: [Vec<(Nanos, u32)>; 64],
    /// The items, by the index the buckets hold.
    slab: Vec<Option<T>>,
    /// Free places in the slab.
    free: Vec<u32>,
    /// Bit `b - 1` set when `later[b - 1]` holds items.
    occupied: u64,
    len: usize,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self {
            last: 0,
            served: 0,
            due: VecDeque::new(),
            later: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            slab: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> EventQueue<T> {
    /// Items waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no item is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an item due at `time`; a time before the last one popped counts as that time.
    pub fn push(&mut self, time: Nanos, item: T) {
        debug_assert!(time >= self.served, "an event scheduled in the past");
        let time = time.max(self.served);
        if time < self.last {
            // A peek moved the buckets' reference past this time: place everything again
            // around it (rare: only a push between a peek and the next pop does it).
            self.rebase(time);
        }
        self.len += 1;
        let index = match self.free.pop() {
            Some(index) => {
                self.slab[index as usize] = Some(item);
                index
            }
            None => {
                // At most one place per waiting item: far fewer than 2^32 fit in memory.
                let index = u32::try_from(self.slab.len()).expect("fewer than 2^32 events waiting");
                self.slab.push(Some(item));
                index
            }
        };
        self.place(time, index);
    }

    fn place(&mut self, time: Nanos, item: u32) {
        match bucket(self.last, time) {
            0 => self.due.push_back((time, item)),
            b => {
                self.later[b - 1].push((time, item));
                self.occupied |= 1 << (b - 1);
            }
        }
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&mut self) -> Option<Nanos> {
        self.refill();
        self.due.front().map(|(time, _)| *time)
    }

    /// Takes the earliest item (the first pushed among the earliest).
    pub fn pop(&mut self) -> Option<(Nanos, T)> {
        self.refill();
        let (time, index) = self.due.pop_front()?;
        self.served = time;
        self.len -= 1;
        self.free.push(index);
        let item = self.slab[index as usize].take()?;
        Some((time, item))
    }

    /// Makes `time` (earlier than every waiting item) the buckets' reference and places every
    /// item again. Items of equal time come from one bucket, in push order, and stay in it.
    fn rebase(&mut self, time: Nanos) {
        let mut waiting: Vec<(Nanos, u32)> = self.due.drain(..).collect();
        for bucket in &mut self.later {
            waiting.append(bucket);
        }
        self.occupied = 0;
        self.last = time;
        for (time, index) in waiting {
            self.place(time, index);
        }
    }

    /// With nothing due at `last`: moves on to the earliest time waiting and spreads the lowest
    /// non-empty bucket around it, in order.
    fn refill(&mut self) {
        if !self.due.is_empty() {
            return;
        }
        if self.occupied == 0 {
            return;
        }
        let lowest = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << lowest);
        let mut items = std::mem::take(&mut self.later[lowest]);
        if let Some(earliest) = items.iter().map(|(time, _)| *time).min() {
            self.last = earliest;
        }
        for (time, item) in items.drain(..) {
            self.place(time, item);
        }
        // Keep the allocation for the next items to land here.
        self.later[lowest] = items;
    }
}

/// The bucket of `time` relative to `last`: 0 when equal, else one more than the highest bit in
/// which they differ.
fn bucket(last: Nanos, time: Nanos) -> usize {
    (u64::BITS - (last ^ time).leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn equal_times_come_out_in_push_order() {
        let mut q = EventQueue::default();
        for (time, name) in [(5, "a"), (3, "b"), (5, "c"), (3, "d"), (9, "e"), (5, "f")] {
            q.push(time, name);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [(3, "b"), (3, "d"), (5, "a"), (5, "c"), (5, "f"), (9, "e")]
        );
        assert!(q.is_empty());
    }

    /// A peek moves on to the next item's time; an item pushed after it, but for earlier, still
    /// comes out first.
    #[test]
    fn a_push_between_a_peek_and_a_pop_may_be_earlier_than_what_was_peeked() {
        let mut q = EventQueue::default();
        q.push(100, "late");
        q.push(100, "late too");
        assert_eq!(q.peek_time(), Some(100));
        q.push(40, "early");
        q.push(100, "last");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [
                (40, "early"),
                (100, "late"),
                (100, "late too"),
                (100, "last")
            ]
        );
    }

    #[test]
    fn pushes_at_the_time_being_served_go_behind_it() {
        let mut q = EventQueue::default();
        q.push(10, 1);
        q.push(10, 2);
        assert_eq!(q.pop(), Some((10, 1)));
        q.push(10, 3);
        q.push(11, 4);
        assert_eq!(q.peek_time(), Some(10));
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, [(10, 2), (10, 3), (11, 4)]);
    }

    /// Against a binary heap on `(time, sequence)` over random interleavings of pushes (never
    /// before the last pop) and pops: the same items in the same order.
    #[test]
    fn agrees_with_a_binary_heap_on_time_then_sequence() {
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut q = EventQueue::default();
            let mut heap = BinaryHeap::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for _ in 0..5_000 {
                if rng.random_bool(0.55) {
                    // Mostly soon, sometimes now, now and then far away.
                    let ahead = match rng.random_range(0..10) {
                        0 => 0,
                        1 => rng.random_range(0..u64::from(u32::MAX)),
                        _ => rng.random_range(0..1_000),
                    };
                    seq += 1;
                    q.push(now + ahead, seq);
                    heap.push(Reverse((now + ahead, seq)));
                } else {
                    let expected = heap.pop().map(|Reverse(x)| x);
                    assert_eq!(q.pop(), expected, "seed {seed}");
                    if let Some((time, _)) = expected {
                        now = time;
                    }
                }
                assert_eq!(q.len(), heap.len());
            }
        }
    }
}
