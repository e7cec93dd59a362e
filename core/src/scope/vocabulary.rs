//! A vocabulary: the closed list of a scope set's known values, and the macro that defines one.

use std::fmt;
use std::hash::Hash;

/// A closed list of known scope values. Implemented by [`voucherify::Scope`](crate::voucherify::Scope)
/// and [`exact::Permission`](crate::exact::Permission).
pub trait Vocabulary: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// Every value, in the vocabulary's documented order. At most 128.
    const ALL: &'static [Self];

    /// The value's position in [`ALL`](Self::ALL).
    fn index(self) -> usize;

    /// The wire form, e.g. `client_api` or `charges.create`.
    fn as_str(self) -> &'static str;

    /// The value with this wire form, if it is known.
    fn from_wire(s: &str) -> Option<Self>;

    /// The umbrella value that also grants this one (Voucherify: `api` for server-side scopes,
    /// `client_api` for `client_*` scopes). None by default.
    fn umbrella(self) -> Option<Self> {
        None
    }
}

/// Defines a vocabulary enum: its variants, wire forms, `ALL`, and the [`Vocabulary`] impl.
macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        pub enum $name:ident { $($variant:ident => $wire:literal,)+ }
        umbrella $umbrella:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the vendor's documented order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The value with this wire form, if it is known.
            #[inline(always)]
            pub fn from_wire(s: &str) -> Option<Self> {
                const WIRE: &[&str] = &[$($wire),+];
                static INDEX: $crate::scope::WireIndex = $crate::scope::WireIndex::new(WIRE);
                INDEX.find(WIRE, s).map(|i| Self::ALL[i])
            }
        }

        impl $crate::scope::Vocabulary for $name {
            const ALL: &'static [Self] = Self::ALL;
            fn index(self) -> usize {
                self as usize
            }
            fn as_str(self) -> &'static str {
                Self::as_str(self)
            }
            #[inline(always)]
            fn from_wire(s: &str) -> Option<Self> {
                Self::from_wire(s)
            }
            fn umbrella(self) -> Option<Self> {
                let umbrella: fn(Self) -> Option<Self> = $umbrella;
                umbrella(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::scope::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_wire(s).ok_or($crate::scope::UnknownValue)
            }
        }
    };
}
pub(crate) use vocabulary;

/// A string that is not a known value of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known value of this vocabulary")]
pub struct UnknownValue;
