//! The small string vocabularies of Exact Payments tokens: account mode, account type, token
//! type. Each is open: an undocumented value is kept, never an error.

use super::wire::{exact, open_enum};

open_enum! {
    /// An account mode (`AccountMode`): `test` performs mocked transactions, `live` actual ones
    /// (live accounts only).
    pub enum Mode {
        /// `test`: mocked transactions.
        Test => "test",
        /// `live`: actual transactions.
        Live => "live",
    }
    compare exact
}

open_enum! {
    /// What a user belongs to (`AccountType`): a partner organization or a merchant account.
    pub enum AccountType {
        /// `organization`: a partner.
        Organization => "organization",
        /// `account`: a merchant.
        Account => "account",
    }
    compare exact
}

open_enum! {
    /// The `type` of a token: a user token or an application token.
    pub enum TokenKind {
        /// `user`: a user token (valid 2 hours).
        User => "user",
        /// `application`: an application token (never expires).
        Application => "application",
    }
    compare exact
}
