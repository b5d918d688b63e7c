//! Node names to ids, the lookup every trace row makes.
//!
//! A trace names its nodes in every row, so a 5-million-row file makes 5 million lookups. In a
//! map keyed by `String`, each lookup hashes the name, then follows the key's pointer to its
//! heap bytes and compares them: a cache miss and a `memcmp` call per row, a fifth of the time
//! `analyze` spent reading. Most names are short (`n5108`, `gpu-0412`, a drive's serial
//! number), so names of up to 15 bytes are keyed by their bytes packed into a `u128` (the
//! length in the last byte, so `a` and `a\0` differ): hashed in two multiplications and
//! compared in one instruction, with nothing to follow. Longer names use the `String` map.

use rustc_hash::FxHashMap;

use super::model::NodeId;

/// The longest name kept inline.
const INLINE: usize = 15;

/// Node ids by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    short: FxHashMap<u128, NodeId>,
    long: FxHashMap<String, NodeId>,
}

/// `name`'s bytes and length packed into one integer, if it is short enough.
fn packed(name: &str) -> Option<u128> {
    let bytes = name.as_bytes();
    if bytes.len() > INLINE {
        return None;
    }
    let mut key = [0u8; 16];
    key[..bytes.len()].copy_from_slice(bytes);
    key[INLINE] = bytes.len() as u8;
    Some(u128::from_le_bytes(key))
}

impl NameIndex {
    /// The id of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<NodeId> {
        match packed(name) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(name).copied(),
        }
    }

    /// Gives `name` the id `id`.
    pub fn insert(&mut self, name: &str, id: NodeId) {
        match packed(name) {
            Some(key) => self.short.insert(key, id),
            None => self.long.insert(name.to_string(), id),
        };
    }

    /// Renumbers every id through `new_id` (indexed by the old id).
    pub fn renumber(&mut self, new_id: &[NodeId]) {
        let ids = self.short.values_mut().chain(self.long.values_mut());
        ids.for_each(|id| *id = new_id[*id as usize]);
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
        assert_eq!(index.short.len(), 5);
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
