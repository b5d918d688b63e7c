//! The engine's queue of pending events: a calendar of time slots for what is due soon, over a
//! radix heap for what is due later.
//!
//! Time is cut into ticks of 2^`SHIFT` ns (about 33 µs). The calendar has `SLOTS` slots, one
//! per tick of the `SLOTS` ticks from the one being served (about 134 ms ahead); each slot is
//! a list of its events, threaded through the events' own slab entries, and a two-level bitmap
//! says which slots hold any. Serving a tick sorts its few events by time into `due`; a
//! push for the tick being served goes straight into `due` at its place. Most events of a
//! simulation are due within milliseconds (deliveries, heartbeats, timeouts), so a push is an
//! append and a pop a bitmap scan, whatever the number waiting. Events due beyond the calendar
//! wait in a radix heap (`radix`) and move into their slots, in order, when the calendar comes
//! within reach of them.
//!
//! The events themselves stay put in a slab; the slots, `due` and the overflow move only their
//! slab indexes.
//!
//! Order: earliest time first and, among events due at the same time, the order in which they
//! were pushed. Events of one time share a tick, and so one slot (in push order), `due` (where a
//! push goes behind every event due no later) or the overflow (in push order; an event moves
//! from it to its slot before any later push can reach that slot).

mod radix;

use crate::sim::time::Nanos;
use radix::RadixHeap;

/// A tick is 2^`SHIFT` nanoseconds.
const SHIFT: u32 = 15;
/// Slots in the calendar (64 bitmap words of 64).
const SLOTS: usize = 4096;
const WORDS: usize = SLOTS / 64;
/// The end of a slot's list.
const NIL: u32 = u32::MAX;

/// Ticks with at most this many events are sorted in line: most hold one or two.
const SHORT: usize = 16;

/// The tick of a time.
fn tick(time: Nanos) -> u64 {
    time >> SHIFT
}

/// A place in the slab: an event, when it is due and the event pushed before it to the same
/// slot (lists run from the latest push back).
#[derive(Debug)]
struct Entry<T> {
    time: Nanos,
    before: u32,
    item: Option<T>,
}

/// A min-queue of items keyed by time, first-in first-out among equal times; a time pushed must
/// not be before the last one popped (a peek does not count: it may look past a time still to be
/// pushed).
#[derive(Debug)]
pub struct EventQueue<T> {
    /// The tick being served: `due` holds its events (and any pushed for earlier since a peek);
    /// the calendar holds the next `SLOTS - 1` ticks.
    current: u64,
    /// The time of the last item taken (or 0): no push may be earlier.
    served: Nanos,
    /// Events of the current tick from `due[taken]` on, in time and then push order.
    due: Vec<(Nanos, u32)>,
    taken: usize,
    /// The latest event pushed to each slot (`NIL` when empty).
    latest: Vec<u32>,
    /// Bit `s % 64` of word `s / 64`: slot `s` holds events.
    occupied: [u64; WORDS],
    /// Bit `w`: word `w` of `occupied` is not zero.
    summary: u64,
    /// Events due after the calendar's reach.
    overflow: RadixHeap,
    /// The events, by the index the rest holds.
    slab: Vec<Entry<T>>,
    /// Free places in the slab.
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self {
            current: 0,
            served: 0,
            due: Vec::new(),
            taken: 0,
            latest: vec![NIL; SLOTS],
            occupied: [0; WORDS],
            summary: 0,
            overflow: RadixHeap::default(),
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
        let index = self.store(time, item);
        self.len += 1;
        let tick = tick(time);
        if tick <= self.current {
            self.insert_due(time, index);
        } else if tick - self.current < SLOTS as u64 {
            self.append(tick, index);
        } else {
            self.overflow.push(time, index);
        }
    }

    /// The time of the earliest item, if any (the engine peeks through [`Self::pop_until`];
    /// the model test peeks alone).
    #[cfg(test)]
    pub fn peek_time(&mut self) -> Option<Nanos> {
        if self.taken == self.due.len() {
            self.advance();
        }
        self.due.get(self.taken).map(|(time, _)| *time)
    }

    /// Takes the earliest item (the first pushed among the earliest).
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, T)> {
        self.pop_until(Nanos::MAX)
    }

    /// Takes the earliest item if it is due no later than `until`; else leaves it, as a peek
    /// would.
    #[inline]
    pub fn pop_until(&mut self, until: Nanos) -> Option<(Nanos, T)> {
        if self.taken == self.due.len() {
            self.advance();
        }
        let (time, index) = *self.due.get(self.taken)?;
        if time > until {
            return None;
        }
        self.taken += 1;
        self.served = time;
        self.len -= 1;
        self.free.push(index);
        let item = self.slab[index as usize].item.take()?;
        Some((time, item))
    }

    /// Puts an item in the slab; its index.
    fn store(&mut self, time: Nanos, item: T) -> u32 {
        let entry = Entry {
            time,
            before: NIL,
            item: Some(item),
        };
        match self.free.pop() {
            Some(index) => {
                self.slab[index as usize] = entry;
                index
            }
            None => {
                // At most one place per waiting item: far fewer than 2^32 fit in memory.
                let index = u32::try_from(self.slab.len())
                    .ok()
                    .filter(|&index| index != NIL)
                    .expect("fewer than 2^32 - 1 events waiting");
                self.slab.push(entry);
                index
            }
        }
    }

    /// Into `due`, behind every event due no later.
    fn insert_due(&mut self, time: Nanos, index: u32) {
        match self.due.last() {
            Some(&(last, _)) if last > time => {
                let at = self.taken + self.due[self.taken..].partition_point(|&(t, _)| t <= time);
                self.due.insert(at, (time, index));
            }
            _ => self.due.push((time, index)),
        }
    }

    /// Onto the list of `tick`'s slot.
    fn append(&mut self, tick: u64, index: u32) {
        let slot = tick as usize % SLOTS;
        self.slab[index as usize].before = std::mem::replace(&mut self.latest[slot], index);
        self.occupied[slot / 64] |= 1 << (slot % 64);
        self.summary |= 1 << (slot / 64);
    }

    /// With nothing due: moves on to the next tick that holds events, brings what the
    /// calendar now reaches in from the overflow, and sorts the tick's events into `due`.
    fn advance(&mut self) {
        let next = match self.next_slot() {
            Some(slot) => self.current + ((slot as u64).wrapping_sub(self.current) % SLOTS as u64),
            None => match self.overflow.peek_time() {
                Some(time) => tick(time),
                None => return,
            },
        };
        self.current = next;
        while !self.overflow.is_empty()
            && let Some(time) = self.overflow.peek_time()
            && tick(time) - next < SLOTS as u64
            && let Some((time, index)) = self.overflow.pop()
        {
            self.append(tick(time), index);
        }
        let slot = next as usize % SLOTS;
        let mut at = std::mem::replace(&mut self.latest[slot], NIL);
        self.occupied[slot / 64] &= !(1 << (slot % 64));
        if self.occupied[slot / 64] == 0 {
            self.summary &= !(1 << (slot / 64));
        }
        self.due.clear();
        self.taken = 0;
        while at != NIL {
            let entry = &self.slab[at as usize];
            self.due.push((entry.time, at));
            at = entry.before;
        }
        // Into push order, then a stable sort: equal times keep it.
        self.due.reverse();
        if self.due.len() <= SHORT {
            insertion_sort(&mut self.due);
        } else {
            self.due.sort_by_key(|&(time, _)| time);
        }
    }

    /// The first slot holding events after the current tick's, going round.
    fn next_slot(&self) -> Option<usize> {
        let start = (self.current as usize + 1) % SLOTS;
        self.first_occupied_from(start)
            .or_else(|| self.first_occupied_from(0))
    }

    /// The first occupied slot at or after `start` (without going round).
    fn first_occupied_from(&self, start: usize) -> Option<usize> {
        let word = start / 64;
        let bits = self.occupied[word] & (u64::MAX << (start % 64));
        if bits != 0 {
            return Some(word * 64 + bits.trailing_zeros() as usize);
        }
        let later = self.summary & u64::MAX.checked_shl(word as u32 + 1).unwrap_or(0);
        if later == 0 {
            return None;
        }
        let word = later.trailing_zeros() as usize;
        Some(word * 64 + self.occupied[word].trailing_zeros() as usize)
    }
}

/// Sorts a few events by time, stably.
#[inline]
fn insertion_sort(events: &mut [(Nanos, u32)]) {
    for i in 1..events.len() {
        let event = events[i];
        let mut at = i;
        while at > 0 && events[at - 1].0 > event.0 {
            events[at] = events[at - 1];
            at -= 1;
        }
        events[at] = event;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tick's width in nanoseconds and the calendar's reach.
    const TICK: u64 = 1 << SHIFT;
    const REACH: u64 = TICK * SLOTS as u64;

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
        q.push(5 * TICK + 100, "late");
        q.push(5 * TICK + 100, "late too");
        assert_eq!(q.peek_time(), Some(5 * TICK + 100));
        q.push(40, "early");
        q.push(5 * TICK + 100, "last");
        q.push(5 * TICK + 1, "sooner");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [
                (40, "early"),
                (5 * TICK + 1, "sooner"),
                (5 * TICK + 100, "late"),
                (5 * TICK + 100, "late too"),
                (5 * TICK + 100, "last")
            ]
        );
    }

    /// Ticks short enough to sort in line and longer ones: time order, then push order.
    #[test]
    fn a_crowded_tick_comes_out_in_time_then_push_order() {
        for count in [2, SHORT - 1, SHORT, SHORT + 1, 100] {
            let mut q = EventQueue::default();
            // Times in one tick, out of order, each repeated.
            let times: Vec<Nanos> = (0..count as u64).map(|i| TICK + (i * 7919) % 5).collect();
            for (key, &time) in times.iter().enumerate() {
                q.push(time, key);
            }
            let mut expected: Vec<(Nanos, usize)> =
                times.iter().enumerate().map(|(k, &t)| (t, k)).collect();
            expected.sort_by_key(|&(time, key)| (time, key));
            let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
            assert_eq!(order, expected, "{count} events");
        }
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

    /// An event beyond the calendar's reach, and one for the same time pushed once the calendar
    /// reaches it, keep their push order; so do two slots that share a place a round apart.
    #[test]
    fn events_beyond_the_calendar_keep_their_order() {
        let mut q = EventQueue::default();
        let far = 3 * REACH + 7;
        q.push(far, "far, first");
        q.push(REACH - TICK, "near the end");
        q.push(far + REACH, "farther");
        assert_eq!(q.pop(), Some((REACH - TICK, "near the end")));
        q.push(far, "far, second");
        q.push(far - 1, "just before");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [
                (far - 1, "just before"),
                (far, "far, first"),
                (far, "far, second"),
                (far + REACH, "farther")
            ]
        );
    }

    impl model::Queue for EventQueue<u32> {
        fn push(&mut self, time: Nanos, key: u32) {
            EventQueue::push(self, time, key);
        }
        fn pop(&mut self) -> Option<(Nanos, u32)> {
            EventQueue::pop(self)
        }
        fn peek_time(&mut self) -> Option<Nanos> {
            EventQueue::peek_time(self)
        }
        fn is_empty(&self) -> bool {
            EventQueue::is_empty(self)
        }
    }

    #[test]
    fn agrees_with_a_binary_heap_on_time_then_sequence() {
        model::agrees_with_a_binary_heap::<EventQueue<u32>>();
    }
}

/// The model both queues are tested against.
#[cfg(test)]
mod model {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::{Nanos, SHIFT, SLOTS};

    /// What the test drives.
    pub trait Queue: Default {
        fn push(&mut self, time: Nanos, key: u32);
        fn pop(&mut self) -> Option<(Nanos, u32)>;
        fn peek_time(&mut self) -> Option<Nanos>;
        fn is_empty(&self) -> bool;
    }

    /// Against a binary heap on `(time, sequence)` over random interleavings of pushes (never
    /// before the last pop), peeks and pops, with times from the same tick to far beyond the
    /// calendar: the same keys in the same order.
    pub fn agrees_with_a_binary_heap<Q: Queue>() {
        const TICK: u64 = 1 << SHIFT;
        const REACH: u64 = TICK * SLOTS as u64;
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut q = Q::default();
            let mut heap = BinaryHeap::new();
            let (mut now, mut seq) = (0u64, 0u32);
            for _ in 0..5_000 {
                let roll = rng.random_range(0..20);
                if roll < 11 {
                    let ahead = match rng.random_range(0..10) {
                        0 => 0,
                        1 => rng.random_range(0..4 * REACH),
                        2 => rng.random_range(0..u64::from(u32::MAX) << 8),
                        3 => rng.random_range(0..TICK),
                        _ => rng.random_range(0..REACH / 64),
                    };
                    seq += 1;
                    q.push(now + ahead, seq);
                    heap.push(Reverse((now + ahead, seq)));
                } else if roll == 11 {
                    let expected = heap.peek().map(|Reverse((time, _))| *time);
                    assert_eq!(q.peek_time(), expected, "seed {seed}");
                } else {
                    let expected = heap.pop().map(|Reverse(x)| x);
                    assert_eq!(q.pop(), expected, "seed {seed}");
                    if let Some((time, _)) = expected {
                        now = time;
                    }
                }
                assert_eq!(q.is_empty(), heap.is_empty(), "seed {seed}");
            }
        }
    }
}
