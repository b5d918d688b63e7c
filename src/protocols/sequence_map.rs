//! A map keyed by sequence numbers that are handed out in increasing order and retired in
//! roughly the same order: Multi-Paxos's open proposals by slot, a client's pending commands by
//! sequence number.
//!
//! The live keys span a short window (the commands in flight), so the map is that window: a
//! ring buffer of optional values from the lowest live key on. Lookups index it, and
//! inserting the next key or retiring the oldest is a push or a pop, where an ordered tree
//! allocated, rebalanced and freed nodes (a tenth of Multi-Paxos's time went to its trees).
//! Iteration is in key order, as the tree's was. Memory is the window's span, not the number
//! of live keys: a key far above the others would stretch it, which the callers never do
//! (slots and sequence numbers advance by one), and so does an old key that stays live while
//! new ones come and go, up to one empty entry per key handed out since (a command that never
//! completes). That is bounded by the commands a run issues, each of which the run keeps
//! anyway (in every replica's log and in the client history).

use std::collections::VecDeque;

/// Values by sequence number (see the module doc).
#[derive(Debug, Clone)]
pub struct SequenceMap<T> {
    /// The key of `window[0]`.
    base: u64,
    /// `Some` for live keys; the first and last entries are always live.
    window: VecDeque<Option<T>>,
    live: usize,
}

impl<T> Default for SequenceMap<T> {
    fn default() -> Self {
        Self {
            base: 0,
            window: VecDeque::new(),
            live: 0,
        }
    }
}

impl<T> SequenceMap<T> {
    /// How many keys are live.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no key is live.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn index(&self, key: u64) -> Option<usize> {
        let offset = usize::try_from(key.checked_sub(self.base)?).ok()?;
        (offset < self.window.len()).then_some(offset)
    }

    /// The value at `key`.
    pub fn get(&self, key: u64) -> Option<&T> {
        self.window.get(self.index(key)?)?.as_ref()
    }

    /// The value at `key`, to change.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut T> {
        let at = self.index(key)?;
        self.window.get_mut(at)?.as_mut()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: u64, value: T) -> Option<T> {
        if self.window.is_empty() {
            self.base = key;
        }
        while key < self.base {
            self.window.push_front(None);
            self.base -= 1;
        }
        let offset = (key - self.base) as usize;
        if offset >= self.window.len() {
            self.window.resize_with(offset + 1, || None);
        }
        let old = self.window[offset].replace(value);
        if old.is_none() {
            self.live += 1;
        }
        old
    }

    /// Retires `key`; returns its value.
    pub fn remove(&mut self, key: u64) -> Option<T> {
        let at = self.index(key)?;
        let value = self.window[at].take()?;
        self.live -= 1;
        while self.window.front().is_some_and(Option::is_none) {
            self.window.pop_front();
            self.base += 1;
        }
        while self.window.back().is_some_and(Option::is_none) {
            self.window.pop_back();
        }
        Some(value)
    }

    /// The live keys and their values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        (self.base..)
            .zip(&self.window)
            .filter_map(|(key, value)| Some((key, value.as_ref()?)))
    }

    /// The live keys and their values to change, in key order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u64, &mut T)> {
        (self.base..)
            .zip(&mut self.window)
            .filter_map(|(key, value)| Some((key, value.as_mut()?)))
    }

    /// The live values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.window.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn behaves_like_an_ordered_map_under_random_use() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut map = SequenceMap::default();
        let mut model = BTreeMap::new();
        let mut next = 100u64;
        for step in 0..20_000u64 {
            match rng.random_range(0..10) {
                0..4 => {
                    next += 1;
                    assert_eq!(map.insert(next, step), model.insert(next, step));
                }
                4..7 => {
                    let key = next.saturating_sub(rng.random_range(0..12));
                    assert_eq!(map.remove(key), model.remove(&key), "step {step}");
                }
                7 => {
                    let key = next.saturating_sub(rng.random_range(0..40));
                    assert_eq!(map.insert(key, step), model.insert(key, step));
                }
                8 => {
                    let key = next.saturating_sub(rng.random_range(0..12));
                    if let Some(value) = map.get_mut(key) {
                        *value += 1;
                    }
                    if let Some(value) = model.get_mut(&key) {
                        *value += 1;
                    }
                }
                _ => {
                    let key = next.saturating_sub(rng.random_range(0..12));
                    assert_eq!(map.get(key), model.get(&key));
                }
            }
            assert_eq!(map.len(), model.len());
            assert!(
                map.iter()
                    .map(|(k, v)| (k, *v))
                    .eq(model.iter().map(|(&k, &v)| (k, v)))
            );
        }
        assert!(map.values().eq(model.values()));
    }

    #[test]
    fn the_window_shrinks_to_the_live_keys() {
        let mut map = SequenceMap::default();
        for key in 10..20 {
            map.insert(key, ());
        }
        for key in 10..19 {
            map.remove(key);
        }
        assert_eq!((map.base, map.window.len(), map.len()), (19, 1, 1));
        map.remove(19);
        assert!(map.is_empty() && map.window.is_empty());
        map.insert(5, ());
        assert_eq!((map.base, map.window.len()), (5, 1));
        assert_eq!(map.get(4), None);
        assert_eq!(map.get(u64::MAX), None);
    }
}
