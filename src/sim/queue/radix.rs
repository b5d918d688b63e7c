//! The overflow of the event queue: a monotone radix heap of `(time, key)` pairs.
//!
//! A discrete-event simulation never schedules into the past, so a queue only has to serve
//! keys at or after the last one taken; a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan) uses
//! that. Entries sit in 65 buckets by the highest bit in which their time differs from the last
//! time taken: bucket 0 holds those due exactly then, bucket `b` those whose time first differs
//! from it at bit `b - 1`. Taking from an empty bucket 0 empties the lowest non-empty bucket
//! into lower ones around its earliest time; an entry moves down at most once per bit. Its cost
//! does not depend on how far ahead an entry is, which is what the far end of the event queue
//! needs (session timeouts, scenario faults hours away).
//!
//! Order: earliest time first and, among entries due at the same time, the order in which they
//! were pushed. Every bucket keeps its entries in push order (pushes append; a bucket is refilled
//! only while empty, from a bucket in push order, by a stable pass), so no sequence number is
//! needed for ties.

use std::collections::VecDeque;

use crate::sim::time::Nanos;

/// A min-queue of `u32` keys by time, first-in first-out among equal times; a time pushed must
/// not be before the last one popped (a peek does not count: it may look past a time still to be
/// pushed).
#[derive(Debug)]
pub struct RadixHeap {
    /// The reference time of the buckets: the time of the entries in `due` — the last entry
    /// taken, or, after a peek, the next one due.
    last: Nanos,
    /// The time of the last entry taken (or 0): no push may be earlier.
    served: Nanos,
    /// Entries due at `last`, in push order.
    due: VecDeque<(Nanos, u32)>,
    /// `later[b - 1]`: entries whose time differs from `last` first at bit `b - 1`.
    later: [Vec<(Nanos, u32)>; 64],
    /// Bit `b - 1` set when `later[b - 1]` holds entries.
    occupied: u64,
    len: usize,
}

impl Default for RadixHeap {
    fn default() -> Self {
        Self {
            last: 0,
            served: 0,
            due: VecDeque::new(),
            later: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            len: 0,
        }
    }
}

impl RadixHeap {
    /// Whether no entry is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `key`, due at `time`; a time before the last one popped counts as that time.
    pub fn push(&mut self, time: Nanos, key: u32) {
        debug_assert!(time >= self.served, "an event scheduled in the past");
        let time = time.max(self.served);
        if time < self.last {
            // A peek moved the buckets' reference past this time: place everything again
            // around it (rare: only a push between a peek and the next pop does it).
            self.rebase(time);
        }
        self.len += 1;
        self.place(time, key);
    }

    fn place(&mut self, time: Nanos, entry: u32) {
        match bucket(self.last, time) {
            0 => self.due.push_back((time, entry)),
            b => {
                self.later[b - 1].push((time, entry));
                self.occupied |= 1 << (b - 1);
            }
        }
    }

    /// The time of the earliest entry, if any.
    pub fn peek_time(&mut self) -> Option<Nanos> {
        self.refill();
        self.due.front().map(|(time, _)| *time)
    }

    /// Takes the earliest key (the first pushed among the earliest).
    pub fn pop(&mut self) -> Option<(Nanos, u32)> {
        self.refill();
        let (time, key) = self.due.pop_front()?;
        self.served = time;
        self.len -= 1;
        Some((time, key))
    }

    /// Makes `time` (earlier than every waiting entry) the buckets' reference and places every
    /// entry again. Entries of equal time come from one bucket, in push order, and stay in it.
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
        let mut entries = std::mem::take(&mut self.later[lowest]);
        if let Some(earliest) = entries.iter().map(|(time, _)| *time).min() {
            self.last = earliest;
        }
        for (time, entry) in entries.drain(..) {
            self.place(time, entry);
        }
        // Keep the allocation for the next entries to land here.
        self.later[lowest] = entries;
    }
}

/// The bucket of `time` relative to `last`: 0 when equal, else one more than the highest bit in
/// which they differ.
fn bucket(last: Nanos, time: Nanos) -> usize {
    (u64::BITS - (last ^ time).leading_zeros()) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peek moves on to the next entry's time; an entry pushed after it, but for earlier,
    /// still comes out first, and equal times keep their push order across the rebase.
    #[test]
    fn a_push_between_a_peek_and_a_pop_may_be_earlier_than_what_was_peeked() {
        let mut q = RadixHeap::default();
        q.push(100, 1);
        q.push(100, 2);
        assert_eq!(q.peek_time(), Some(100));
        q.push(40, 3);
        q.push(100, 4);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, [(40, 3), (100, 1), (100, 2), (100, 4)]);
        assert!(q.is_empty());
    }

    impl crate::sim::queue::model::Queue for RadixHeap {
        fn push(&mut self, time: Nanos, key: u32) {
            RadixHeap::push(self, time, key);
        }
        fn pop(&mut self) -> Option<(Nanos, u32)> {
            RadixHeap::pop(self)
        }
        fn peek_time(&mut self) -> Option<Nanos> {
            RadixHeap::peek_time(self)
        }
        fn is_empty(&self) -> bool {
            RadixHeap::is_empty(self)
        }
    }

    #[test]
    fn agrees_with_a_binary_heap_on_time_then_sequence() {
        crate::sim::queue::model::agrees_with_a_binary_heap::<RadixHeap>();
    }
}
