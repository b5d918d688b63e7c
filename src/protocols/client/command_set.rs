//! A set of command ids stored as one bitmap per client.
//!
//! Clients number their commands densely from 1, so "has this command been applied?" is one
//! bit, and a set of a million commands is 125 KB instead of a hash table of 16 MB that rehashes
//! as it grows. The bitmaps grow to the highest number seen at each client.

use super::CommandId;

/// Command ids, as one bitmap per client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandSet {
    clients: Vec<Vec<u64>>,
}

/// The word and the bit of a command number.
fn position(seq: u64) -> (usize, u64) {
    ((seq / 64) as usize, 1 << (seq % 64))
}

impl CommandSet {
    /// Whether `command` is in the set.
    pub fn contains(&self, command: &CommandId) -> bool {
        let (word, bit) = position(command.seq);
        self.clients
            .get(command.client as usize)
            .and_then(|words| words.get(word))
            .is_some_and(|w| w & bit != 0)
    }

    /// Adds `command`; whether it was not in the set yet.
    pub fn insert(&mut self, command: CommandId) -> bool {
        let client = command.client as usize;
        if self.clients.len() <= client {
            self.clients.resize_with(client + 1, Vec::new);
        }
        let words = &mut self.clients[client];
        let (word, bit) = position(command.seq);
        if words.len() <= word {
            words.resize(word + 1, 0);
        }
        let new = words[word] & bit == 0;
        words[word] |= bit;
        new
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.clients.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(client: u32, seq: u64) -> CommandId {
        CommandId { client, seq }
    }

    #[test]
    fn holds_what_was_inserted_and_nothing_else() {
        let mut set = CommandSet::default();
        assert!(set.insert(id(2, 1)));
        assert!(set.insert(id(0, 64)));
        assert!(set.insert(id(0, 63)));
        assert!(!set.insert(id(2, 1)), "the second insert is not new");
        for present in [id(2, 1), id(0, 64), id(0, 63)] {
            assert!(set.contains(&present), "{present}");
        }
        for absent in [
            id(1, 1),
            id(2, 2),
            id(0, 65),
            id(0, 1),
            id(7, 1),
            id(0, 1 << 40),
        ] {
            assert!(!set.contains(&absent), "{absent}");
        }
        set.clear();
        assert!(!set.contains(&id(2, 1)));
        assert!(set.insert(id(2, 1)));
    }
}
