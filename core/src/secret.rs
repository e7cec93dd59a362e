//! Types that hold secrets: redacted in `Debug`, no `Display`, read only through `expose_secret`.

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Its `Debug` is redacted and it has no `Display`; read it with
        /// [`expose_secret`](Self::expose_secret). The memory is zeroed on drop.
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret itself. Every call site that reads it is a place to review.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.expose_secret() == other.expose_secret()
            }
        }

        impl Eq for $name {}
    };
}

secret_type!(
    /// A Voucherify secret key (sent as `X-App-Token`).
    SecretKey
);
secret_type!(
    /// An Exact Payments user or application token used as an API key (sent as `Authorization`).
    ApiKey
);
secret_type!(
    /// A user's password (Exact Payments `POST /token`).
    Password
);
secret_type!(
    /// An access token issued by either API: a Voucherify OAuth token, an Exact Payments order
    /// access token, user token or application token.
    AccessToken
);
