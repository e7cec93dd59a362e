//! Equality of two short byte strings (a host, a request path) compared a word at a time in
//! line, where a call to `memcmp` would cost as much as the comparison itself.

/// Whether `a == b`: eight bytes at a time, the last word overlapping the one before it.
#[inline]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 8 {
        return a == b;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default())
    };
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, len - 8) == word(b, len - 8)
}

#[cfg(test)]
mod tests {
    /// The word comparison answers as `==` for every length up to 40 and a difference at every
    /// position (and for no difference).
    #[test]
    fn answers_as_slice_equality() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(super::eq(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!super::eq(&a, &b), "{len} {at}");
                assert!(!super::eq(&b, &a), "{len} {at}");
            }
            assert!(!super::eq(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }
}
