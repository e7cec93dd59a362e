//! A per-thread memo of the last few endpoints `authorize_checked` found: a caller checks the
//! same few calls over and over, and comparing a path with one seen before is cheaper than
//! walking the endpoint index again.
//!
//! [`endpoint`](super::endpoint) is a pure function of the method and the path (the table is
//! compiled in), so an entry holding the exact path bytes and the endpoint found (whose method
//! is the one looked up) answers exactly as the lookup would. Only matches are kept: a path
//! that is not in the table is looked up every time.

use super::Endpoint;
use http::Method;
use std::cell::RefCell;

/// Entries per thread, replaced in turn.
const ENTRIES: usize = 4;
/// The longest path kept; a longer one is looked up every time.
const PATH_MAX: usize = 96;
const _: () = assert!(PATH_MAX <= u8::MAX as usize);

#[derive(Clone, Copy)]
struct Entry {
    /// The endpoint `path` matched; `None` for an empty entry.
    endpoint: Option<&'static Endpoint>,
    /// [`tail`] of `path`: told apart at once from a path that differs in its last bytes
    /// (the ids of one endpoint's calls usually do), without a call to compare them all.
    tail: u64,
    len: u8,
    path: [u8; PATH_MAX],
}

struct Memo {
    entries: [Entry; ENTRIES],
    /// The entry the next new match replaces.
    next: u8,
}

const EMPTY: Entry = Entry {
    endpoint: None,
    tail: 0,
    len: 0,
    path: [0; PATH_MAX],
};

thread_local! {
    static MEMO: RefCell<Memo> = const {
        RefCell::new(Memo { entries: [EMPTY; ENTRIES], next: 0 })
    };
}

/// The same as [`super::endpoint`]`(method, path)`, answered from this thread's memo when the
/// same method and path were found before.
pub(crate) fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    let bytes = path.as_bytes();
    if bytes.len() > PATH_MAX {
        return super::endpoint(method, path);
    }
    // Neither fails in practice (nothing here re-enters, and the memo has no destructor); if
    // one did, the lookup itself answers.
    MEMO.try_with(|memo| match memo.try_borrow_mut() {
        Ok(mut memo) => memo.endpoint(method, bytes, path),
        Err(_) => super::endpoint(method, path),
    })
    .unwrap_or_else(|_| super::endpoint(method, path))
}

impl Memo {
    fn endpoint(&mut self, method: &Method, bytes: &[u8], path: &str) -> Option<&'static Endpoint> {
        let tail = tail(bytes);
        for entry in &self.entries {
            if let Some(found) = entry.endpoint {
                if entry.tail == tail
                    && usize::from(entry.len) == bytes.len()
                    && found.method() == method
                    && crate::short_eq::eq(&entry.path[..bytes.len()], bytes)
                {
                    return Some(found);
                }
            }
        }
        let found = super::endpoint(method, path)?;
        let entry = &mut self.entries[usize::from(self.next)];
        entry.path[..bytes.len()].copy_from_slice(bytes);
        // `bytes.len() <= PATH_MAX`, which fits a `u8`.
        entry.len = bytes.len() as u8;
        entry.tail = tail;
        entry.endpoint = Some(found);
        self.next = (self.next + 1) % ENTRIES as u8;
        Some(found)
    }
}

/// The last eight bytes of `path` as a word (fewer, zero-padded, for a shorter path).
#[inline]
fn tail(path: &[u8]) -> u64 {
    match path.len().checked_sub(8) {
        Some(start) => u64::from_le_bytes(path[start..].try_into().unwrap_or_default()),
        None => path.iter().fold(0, |word, &b| word << 8 | u64::from(b)),
    }
}
