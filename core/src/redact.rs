//! Scrubbing the secrets keycard sent out of everything it reads back.
//!
//! Servers and proxies echo requests: a `401` may repeat the secret key, a `400` the password,
//! a `404` the token being revoked. keycard knows every secret it put in a request, so each
//! operation's [`Prepared`](crate::request::Prepared) carries them as [`Secrets`], and the one
//! parse helper every operation goes through ([`parse_with`](crate::request::parse_with))
//! scrubs the typed body and the parse error with them before anyone sees either, and what the
//! raw response shows of its headers (a header name, the content type). Every occurrence of a
//! secret, as sent or in an encoding a server may echo it in, becomes [`REDACTED`].
//!
//! Secret values themselves (`AccessToken` fields of a success model) are left alone: they are
//! the result, never printed, and the token an introspection answers about is the one sent.

use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// What replaces a secret that keycard sent wherever a response echoes it back: in error
/// messages, details, validation issues, plain-text error bodies, and so in every `Display` and
/// `Debug` of an outcome, an error, a token source's error or event.
pub const REDACTED: &str = "<redacted>";

/// The secrets one request carries, each in every form a response may echo it in. Zeroed on
/// drop; its `Debug` says how many there are, nothing else. Shared, not copied, by a clone: every
/// response parsed keeps one for what its headers show.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Arc<Forms>);

#[derive(Clone, Default)]
struct Forms {
    /// The forms to look for, longest first, without duplicates or empty strings.
    needles: Vec<SecretString>,
    /// Whether a form holds a space, which a `Display` may show in place of a control character.
    spaced: bool,
    /// The forms that could be (part of) a header name, lower-cased as `http` stores names.
    in_names: Vec<SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets(<{} forms>)", self.0.needles.len())
    }
}

impl Forms {
    fn add(&mut self, secret: &str) {
        let mut forms = encodings(secret);
        forms.retain(|form| {
            !form.is_empty() && !self.needles.iter().any(|n| n.expose_secret() == form)
        });
        forms.sort();
        forms.dedup();
        self.spaced |= forms.iter().any(|form| form.contains(' '));
        for form in &forms {
            let lower = form.to_ascii_lowercase();
            if http::HeaderName::from_bytes(lower.as_bytes()).is_ok()
                && !self.in_names.iter().any(|n| n.expose_secret() == lower)
            {
                self.in_names.push(SecretString::from(lower));
            }
        }
        self.needles
            .extend(forms.into_iter().map(SecretString::from));
        self.needles
            .sort_by_key(|n| std::cmp::Reverse(n.expose_secret().len()));
    }
}

impl Secrets {
    /// Adds a secret that goes into the request (a header value, a form or JSON field).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let forms = Arc::make_mut(&mut self.0);
        forms.add(secret);
    }

    /// Whether `text` holds any form of any secret.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        self.0
            .needles
            .iter()
            .any(|n| holds(text, n.expose_secret()))
    }

    /// Whether `text` holds a secret as received, or as a `Display` would show it (control
    /// characters as spaces, see [`scrub`](Self::scrub)): whether it needs scrubbing.
    pub(crate) fn shows_in(&self, text: &str) -> bool {
        self.found_in(text)
            || (self.0.spaced
                && text.contains(char::is_control)
                && self.found_in(&text.replace(char::is_control, " ")))
    }

    /// Whether `value`'s `Display` shows a secret. An error's `Display` joins several texts
    /// of a response, each scrubbed on its own, with keycard's words (`path: message`,
    /// `message (key)`, `locked: text`): together they may still spell a secret, and then the
    /// error blanks its texts.
    pub(crate) fn shown_by(&self, value: &impl std::fmt::Display) -> bool {
        !self.0.needles.is_empty() && self.shows_in(&value.to_string())
    }

    /// Whether a header name (lower case, as `http` keeps it) holds a secret, in any case.
    pub(crate) fn found_in_header_name(&self, name: &str) -> bool {
        self.0
            .in_names
            .iter()
            .any(|n| holds(name, n.expose_secret()))
    }

    /// Replaces every occurrence of every form of every secret in `text` with [`REDACTED`]
    /// (the longest match at each position). Should what is left still hold one (a secret
    /// formed across a marker), the whole text becomes [`REDACTED`]. A secret that is part of
    /// the marker itself (`a`, `red`) is replaced where the server sent it; what the marker
    /// spells is keycard's own text.
    ///
    /// An error's `Display` shows a server's text on one line, each control character as a space
    /// ([`Preview`](crate::preview::Preview)): where that would spell a secret (a tab echoed for
    /// its space), the control characters become spaces here, and the secret is replaced.
    pub(crate) fn scrub(&self, text: &mut String) {
        self.scrub_as_received(text);
        if self.0.spaced && text.contains(char::is_control) {
            let shown = text.replace(char::is_control, " ");
            if self.found_in(&shown) {
                *text = shown;
                self.scrub_as_received(text);
            }
        }
    }

    /// [`scrub`](Self::scrub) of the text as it came.
    fn scrub_as_received(&self, text: &mut String) {
        if !self.found_in(text) {
            return;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(c) = rest.chars().next() {
            match self
                .0
                .needles
                .iter()
                .map(|n| n.expose_secret())
                .find(|n| rest.starts_with(n))
            {
                Some(needle) => {
                    out.push_str(REDACTED);
                    rest = &rest[needle.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        let left = self
            .0
            .needles
            .iter()
            .map(|n| n.expose_secret())
            .any(|n| !REDACTED.contains(n) && out.contains(n));
        if left {
            out = REDACTED.to_owned();
        }
        *text = out;
    }
}

/// Whether `text` holds `needle`. Most texts checked are short (header names, a content type,
/// a field): for those, comparing in place beats setting up `str::contains`'s searcher.
fn holds(text: &str, needle: &str) -> bool {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    match n.first() {
        None => true,
        Some(_) if n.len() > t.len() => false,
        Some(&first) if t.len() <= 64 => t.windows(n.len()).any(|w| w[0] == first && w == n),
        Some(_) => text.contains(needle),
    }
}

/// The forms a server may echo `secret` in: as sent in a header or decoded from JSON; as a form
/// body or a query string sends it (`+` for space, upper- and lower-case hex); percent-encoded
/// whole (`%20` for space); and JSON-escaped, minimal as `serde_json` writes it and ASCII-only
/// with `\/` (as some servers write it).
fn encodings(secret: &str) -> Vec<String> {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    const UNRESERVED: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = utf8_percent_encode(secret, UNRESERVED).to_string();
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let mut ascii_json = String::new();
    for c in json.chars() {
        match c {
            '/' => ascii_json.push_str("\\/"),
            c if c.is_ascii() => ascii_json.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    ascii_json.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    let mut forms = vec![secret.to_owned()];
    for encoded in [form, percent] {
        forms.push(lower_hex(&encoded));
        forms.push(encoded);
    }
    forms.push(upper_unicode_escapes(&ascii_json));
    forms.push(ascii_json);
    forms.push(json);
    forms
}

/// `%2F` as `%2f`: a server that decodes and encodes again may pick either case.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `\u00e9` as `\u00E9`.
fn upper_unicode_escapes(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.next() {
                Some('u') => {
                    out.push('u');
                    out.extend(chars.by_ref().take(4).map(|h| h.to_ascii_uppercase()));
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
    }
    out
}

/// A value read from a response whose text may echo a secret: scrubbed in place.
///
/// Each model's implementation takes itself apart field by field with no `..`, so a field added
/// later does not compile until it is scrubbed (or said to need none).
pub(crate) trait Scrub {
    /// Replaces every secret in `secrets` wherever it appears in the value's text.
    fn scrub(&mut self, secrets: &Secrets);
}

impl Scrub for String {
    fn scrub(&mut self, secrets: &Secrets) {
        secrets.scrub(self);
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub(&mut self, secrets: &Secrets) {
        if let Some(value) = self {
            value.scrub(secrets);
        }
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self, secrets: &Secrets) {
        for value in self {
            value.scrub(secrets);
        }
    }
}

/// Values that hold no text from the response (or only secrets, which are never printed).
macro_rules! no_text {
    ($($ty:ty),* $(,)?) => {
        $(impl Scrub for $ty {
            fn scrub(&mut self, _: &Secrets) {}
        })*
    };
}
no_text!(
    bool,
    u16,
    u64,
    std::time::SystemTime,
    std::time::Duration,
    crate::AccessToken,
);

impl<T: Scrub, E: Scrub> Scrub for crate::Parsed<T, E> {
    fn scrub(&mut self, secrets: &Secrets) {
        match self {
            Self::Success(success) => success.scrub(secrets),
            Self::Error(error) => error.scrub(secrets),
            Self::Unrecognized(_) => {}
        }
    }
}

impl Scrub for crate::ParseErrorKind {
    fn scrub(&mut self, secrets: &Secrets) {
        match self {
            Self::Json {
                path,
                line: _,
                column: _,
                message,
            } => {
                path.scrub(secrets);
                message.scrub(secrets);
            }
            Self::InvalidField { .. } | Self::NotUtf8 => {}
        }
    }
}

impl<V: crate::Vocabulary> Scrub for crate::ScopeSet<V> {
    /// An unknown value that holds a secret is replaced by its scrubbed form. `Display` joins
    /// the values with spaces: should that spell a secret across values, every unknown value
    /// goes, for one [`REDACTED`].
    fn scrub(&mut self, secrets: &Secrets) {
        let keep_known = |set: &Self| {
            let mut out = Self::new();
            for known in set.known() {
                out.insert(known);
            }
            out
        };
        if self.unknown().any(|u| secrets.shows_in(u)) {
            let mut scrubbed = keep_known(self);
            for unknown in self.unknown() {
                let mut unknown = unknown.to_owned();
                secrets.scrub(&mut unknown);
                scrubbed.insert_wire(&unknown);
            }
            *self = scrubbed;
        }
        if secrets.0.spaced
            && self.unknown().nth(1).is_some()
            && secrets.found_in(&self.to_string())
        {
            let mut scrubbed = keep_known(self);
            scrubbed.insert_wire(REDACTED);
            *self = scrubbed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The in-place search answers as `str::contains`, short texts and long.
        #[test]
        fn holds_is_contains(text in "[ab\u{e9}-]{0,80}", needle in "[ab\u{e9}-]{0,6}") {
            proptest::prop_assert_eq!(holds(&text, &needle), text.contains(needle.as_str()));
        }
    }

    fn secrets(values: &[&str]) -> Secrets {
        let mut secrets = Secrets::default();
        for value in values {
            secrets.add(value);
        }
        secrets
    }

    fn scrubbed(secrets: &Secrets, text: &str) -> String {
        let mut text = text.to_owned();
        secrets.scrub(&mut text);
        text
    }

    #[test]
    fn every_form_of_a_secret_is_replaced() {
        let s = secrets(&["p@ss w/ré\"d"]);
        for form in [
            "p@ss w/ré\"d",
            "p%40ss+w%2Fr%C3%A9%22d",
            "p%40ss+w%2fr%c3%a9%22d",
            "p%40ss%20w%2Fr%C3%A9%22d",
            "p%40ss%20w%2fr%c3%a9%22d",
            "p@ss w/ré\\\"d",
            "p@ss w\\/r\\u00e9\\\"d",
            "p@ss w\\/r\\u00E9\\\"d",
        ] {
            assert_eq!(
                scrubbed(&s, &format!("bad: {form}!")),
                "bad: <redacted>!",
                "{form}"
            );
        }
    }

    #[test]
    fn every_occurrence_and_every_secret_is_replaced() {
        let s = secrets(&["key1", "tok2"]);
        assert_eq!(
            scrubbed(&s, "key1 tok2 key1key1 é"),
            "<redacted> <redacted> <redacted><redacted> é"
        );
        assert_eq!(scrubbed(&s, "nothing"), "nothing");
    }

    #[test]
    fn the_longest_form_wins() {
        // The raw secret is a prefix of its form-encoded form.
        let s = secrets(&["ab+"]);
        assert_eq!(scrubbed(&s, "ab%2B"), "<redacted>");
        assert_eq!(scrubbed(&s, "ab+"), "<redacted>");
    }

    #[test]
    fn a_secret_formed_across_the_marker_takes_the_whole_text() {
        let s = secrets(&["XY", "d>Z"]);
        let out = scrubbed(&s, "XYZ");
        assert!(!out.contains("XY") && !out.contains("d>Z"), "{out}");
    }

    #[test]
    fn a_secret_inside_the_marker_is_still_replaced_where_sent() {
        let s = secrets(&["red"]);
        assert_eq!(scrubbed(&s, "x red y"), "x <redacted> y");
    }

    #[test]
    fn debug_shows_no_secret() {
        let s = secrets(&["hunter2"]);
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
