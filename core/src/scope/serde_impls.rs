//! Serde: a scope set is serialized as its wire string, and read from one or from an array.

use super::{ScopeSet, Vocabulary};
use crate::limits::MAX_SCOPES_LEN;
use std::fmt;
use std::marker::PhantomData;

/// The error for a scope string or list longer than [`MAX_SCOPES_LEN`].
fn too_long<E: serde::de::Error>() -> E {
    E::custom(format_args!(
        "more than {MAX_SCOPES_LEN} bytes of scopes or permissions"
    ))
}

/// Serialized as the wire string (`"vouchers campaigns"`).
impl<V: Vocabulary> serde::Serialize for ScopeSet<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialized from a wire string, or from a JSON array of values (as Exact Payments sends
/// permissions), of at most [`MAX_SCOPES_LEN`](crate::limits::MAX_SCOPES_LEN) bytes (the
/// items of an array counted together): more is an error.
impl<'de, V: Vocabulary> serde::Deserialize<'de> for ScopeSet<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<V>(PhantomData<V>);
        impl<'de, V: Vocabulary> serde::de::Visitor<'de> for Visit<V> {
            type Value = ScopeSet<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a space-separated string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.len() > MAX_SCOPES_LEN {
                    return Err(too_long());
                }
                Ok(ScopeSet::parse(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut set = ScopeSet::new();
                let mut total = 0usize;
                while let Some(item) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    total = total.saturating_add(item.len());
                    if total > MAX_SCOPES_LEN {
                        return Err(too_long());
                    }
                    set.insert_wire(&item);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
    }
}
