//! Node names to ids, the lookup every trace row makes.
//!
//! A trace names its nodes in every row, so a 5-million-row file makes 5 million lookups. In a
//! map keyed by `String`, each lookup hashes the name, then follows the key's pointer to its
//! heap bytes and compares them: a cache miss and a `memcmp` call per row, a fifth of the time
//! `analyze` spent reading. Most names are short (`n5108`, `gpu-0412`, a drive's serial
//! number), so they are keyed by their bytes packed into an integer, the length in the last
//! byte (so `a` and `a\0` differ): a `u64` for up to 7 bytes, a `u128` for up to 15. Such a
//! key is hashed in a multiplication or two and compared in one instruction, with nothing to
//! follow, and the smaller the table the more of it stays in cache (the lookups jump about a
//! table of every node; on 10,000 nodes most of their time is cache misses). Longer names use
//! the `String` map.

use rustc_hash::FxHashMap;

use super::model::NodeId;

/// Node ids by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    tiny: FxHashMap<u64, NodeId>,
    short: FxHashMap<u128, NodeId>,
    long: FxHashMap<String, NodeId>,
}

/// How a name is keyed.
enum Key<'a> {
    Tiny(u64),
    Short(u128),
    Long(&'a str),
}

/// `N` bytes: `name`'s bytes, zeros, and its length in the last byte.
fn packed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut key = [0u8; N];
    key[..bytes.len()].copy_from_slice(bytes);
    key[N - 1] = bytes.len() as u8;
    key
}

fn key(name: &str) -> Key<'_> {
    let bytes = name.as_bytes();
    match bytes.len() {
        0..8 => Key::Tiny(u64::from_le_bytes(packed(bytes))),
        8..16 => Key::Short(u128::from_le_bytes(packed(bytes))),
        _ => Key::Long(name),
    }
}

impl NameIndex {
    /// The id of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<NodeId> {
        match key(name) {
            Key::Tiny(key) => self.tiny.get(&key).copied(),
            Key::Short(key) => self.short.get(&key).copied(),
            Key::Long(name) => self.long.get(name).copied(),
        }
    }

    /// Gives `name` the id `id`.
    pub fn insert(&mut self, name: &str, id: NodeId) {
        match key(name) {
            Key::Tiny(key) => self.tiny.insert(key, id),
            Key::Short(key) => self.short.insert(key, id),
            Key::Long(name) => self.long.insert(name.to_string(), id),
        };
    }

    /// Forgets every name, keeping the room they took (a block's reader refills it).
    pub fn clear(&mut self) {
        self.tiny.clear();
        self.short.clear();
        self.long.clear();
    }

    /// Renumbers every id through `new_id` (indexed by the old id).
    pub fn renumber(&mut self, new_id: &[NodeId]) {
        let ids = self.tiny.values_mut().chain(self.short.values_mut());
        ids.chain(self.long.values_mut())
            .for_each(|id| *id = new_id[*id as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_names_are_found_and_kept_apart() {
        let names = [
            "",
            "a",
            "a\0",
            "n5108",
            "seven-b",
            "eight-by",
            "exactly15bytes!",
            "sixteen-bytes-xx",
            "a-much-longer-node-name.example.org",
        ];
        let mut index = NameIndex::default();
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), None, "{name:?}");
            index.insert(name, id as NodeId);
        }
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.get(name), Some(id as NodeId), "{name:?}");
        }
        assert_eq!(index.tiny.len(), 5);
        assert_eq!(index.short.len(), 2);
        assert_eq!(index.long.len(), 2);
        assert_eq!(index.get("n510"), None);
        assert_eq!(index.get("n51080"), None);
    }

    #[test]
    fn renumbering_maps_every_id() {
        let mut index = NameIndex::default();
        index.insert("b", 0);
        index.insert("a-name-longer-than-fifteen", 1);
        index.renumber(&[1, 0]);
        assert_eq!(index.get("b"), Some(1));
        assert_eq!(index.get("a-name-longer-than-fifteen"), Some(0));
    }
}
