//! Finding a wire form among a vocabulary's values: a hash table built at compile time.

/// Finds a wire form among a vocabulary's values without comparing it to each: an
/// open-addressing hash table of 256 slots (at most 128 values), built at compile time by
/// [`vocabulary!`](super::vocabulary!). A candidate is confirmed by its length and first and
/// last eight bytes, which is the whole string up to 16 bytes; longer ones are compared in full.
pub(crate) struct WireIndex {
    /// For each slot, the index of the value there, or [`WireIndex::EMPTY`].
    slots: [u8; 256],
    /// Each value's first eight bytes, by index.
    heads: [u64; 128],
    /// Each value's last eight bytes, by index.
    tails: [u64; 128],
}

impl WireIndex {
    const EMPTY: u8 = u8::MAX;

    /// The index of `words` (distinct, at most 128). Fails to compile otherwise.
    pub(crate) const fn new(words: &[&str]) -> Self {
        assert!(words.len() <= 128, "a vocabulary holds at most 128 values");
        let mut index = Self {
            slots: [Self::EMPTY; 256],
            heads: [0; 128],
            tails: [0; 128],
        };
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_bytes();
            let (head, tail) = (load_head(word), load_tail(word));
            index.heads[i] = head;
            index.tails[i] = tail;
            let mut slot = wire_hash(word.len(), head, tail);
            while index.slots[slot] != Self::EMPTY {
                assert!(
                    !const_eq(words[index.slots[slot] as usize].as_bytes(), word),
                    "a vocabulary's wire forms are distinct"
                );
                slot = (slot + 1) % 256;
            }
            index.slots[slot] = i as u8;
            i += 1;
        }
        index
    }

    /// The index in `words` (the list the index was built from) of `s`, if it is there.
    #[inline(always)]
    pub(crate) fn find(&self, words: &[&str], s: &str) -> Option<usize> {
        let b = s.as_bytes();
        let (head, tail) = (load_head(b), load_tail(b));
        let mut slot = wire_hash(b.len(), head, tail);
        loop {
            let i = self.slots[slot] as usize;
            let word = words.get(i)?;
            if word.len() == b.len()
                && self.heads[i] == head
                && self.tails[i] == tail
                && (b.len() <= 16 || word.as_bytes() == b)
            {
                return Some(i);
            }
            slot = (slot + 1) % 256;
        }
    }
}

/// The slot a wire form hashes to, from its length and its first and last eight bytes.
#[inline]
const fn wire_hash(len: usize, head: u64, tail: u64) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let x = head.wrapping_mul(K) ^ tail ^ len as u64;
    (x.wrapping_mul(K) >> 56) as usize
}

/// The first eight bytes, little-endian; a shorter string whole, zero-padded.
#[inline]
const fn load_head(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    } else {
        load_short(b)
    }
}

/// The last eight bytes, little-endian; a shorter string whole, zero-padded.
#[inline]
const fn load_tail(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        u64::from_le_bytes([
            b[n - 8],
            b[n - 7],
            b[n - 6],
            b[n - 5],
            b[n - 4],
            b[n - 3],
            b[n - 2],
            b[n - 1],
        ])
    } else {
        load_short(b)
    }
}

/// A string of at most seven bytes, little-endian, zero-padded: two overlapping loads, whose
/// overlap holds the same bytes.
#[inline]
const fn load_short(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]) as u64;
        lo | hi << (8 * (n - 4))
    } else if n >= 1 {
        b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1))
    } else {
        0
    }
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{load_head, load_tail};
    use crate::exact::Permission;
    use crate::scope::Vocabulary;
    use crate::voucherify::Scope;
    use proptest::prelude::*;

    /// What `from_wire` did before the index: compare with every value.
    fn linear<V: Vocabulary>(s: &str) -> Option<V> {
        V::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    #[test]
    fn every_wire_form_is_found() {
        for v in Scope::ALL {
            assert_eq!(Scope::from_wire(v.as_str()), Some(*v));
        }
        for v in Permission::ALL {
            assert_eq!(Permission::from_wire(v.as_str()), Some(*v));
        }
        for s in [
            "",
            "Api",
            "api ",
            "apis",
            "client_",
            "users.read.",
            "users.rea",
            "\0\0\0",
        ] {
            assert_eq!(Scope::from_wire(s), None);
            assert_eq!(Permission::from_wire(s), None);
        }
    }

    #[test]
    fn loads_agree_with_slices() {
        let b = b"validation-rules-assignments";
        assert_eq!(load_head(b), u64::from_le_bytes(*b"validati"));
        assert_eq!(load_tail(b), u64::from_le_bytes(*b"ignments"));
        assert_eq!(
            load_head(b"api"),
            u64::from(b'a') | u64::from(b'p') << 8 | u64::from(b'i') << 16
        );
        for n in 0..=8 {
            let b = &b"abcdefgh"[..n];
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(b);
            assert_eq!(load_head(b), u64::from_le_bytes(padded), "{n}");
            assert_eq!(load_tail(b), u64::from_le_bytes(padded), "{n}");
        }
    }

    proptest! {
        #[test]
        fn from_wire_agrees_with_a_linear_search(s in "[a-z_.-]{0,30}") {
            prop_assert_eq!(Scope::from_wire(&s), linear::<Scope>(&s));
            prop_assert_eq!(Permission::from_wire(&s), linear::<Permission>(&s));
        }
    }
}
