//! Serde: a scope set is serialized as its wire string, and read from one or from an array.

use super::{ScopeSet, Vocabulary};
use std::fmt;
use std::marker::PhantomData;

/// Serialized as the wire string (`"vouchers campaigns"`).
impl<V: Vocabulary> serde::Serialize for ScopeSet<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Deserialized from a wire string, or from a JSON array of values (as Exact Payments sends
/// permissions).
impl<'de, V: Vocabulary> serde::Deserialize<'de> for ScopeSet<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<V>(PhantomData<V>);
        impl<'de, V: Vocabulary> serde::de::Visitor<'de> for Visit<V> {
            type Value = ScopeSet<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a space-separated string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScopeSet::parse(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut set = ScopeSet::new();
                while let Some(item) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    set.insert_wire(&item);
                }
                Ok(set)
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
    }
}
