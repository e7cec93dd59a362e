//! The fast path that reads a token from a flat JSON body without serde, and falls back to serde
//! for anything else.

use super::TokenWire;
use crate::error::ParseErrorKind;
use crate::json;
use std::borrow::Cow;

impl<'a> TokenWire<'a> {
    /// The fast path: the six fields of a flat body, each once, as plain strings and integers;
    /// any other member is skipped (its value checked as serde checks a value it ignores).
    /// Anything else (a duplicate, an escape in a field's string, a float in a field, an
    /// escaped key) gives `None`, and serde reads the body instead; see [`json::flat_object`].
    fn read_flat(body: &'a [u8]) -> Option<Self> {
        use json::Flat::{Int, Str};
        fn put<T>(slot: &mut Option<T>, value: T) -> bool {
            slot.replace(value).is_none()
        }
        let (mut access_token, mut client_id, mut scope, mut token_type) = (None, None, None, None);
        let (mut expires_at, mut expires_in) = (None, None);
        json::flat_object(body, |key, value| match (key, value) {
            ("access_token", Str(s)) => put(&mut access_token, s),
            ("client_id", Str(s)) => put(&mut client_id, s),
            ("expires_at", Int(n)) => put(&mut expires_at, n),
            ("expires_in", Int(n)) => put(&mut expires_in, n),
            ("scope", Str(s)) => put(&mut scope, s),
            ("token_type", Str(s)) => put(&mut token_type, s),
            // A field of the model in another shape: serde decides (or makes the error).
            (
                "access_token" | "client_id" | "expires_at" | "expires_in" | "scope" | "token_type",
                _,
            ) => false,
            // Any other member: serde ignores it, and so does the fast path.
            _ => true,
        })?;
        Some(Self {
            access_token: Cow::Borrowed(access_token?),
            client_id: Cow::Borrowed(client_id?),
            expires_at: expires_at?,
            expires_in: expires_in?,
            scope: Cow::Borrowed(scope?),
            token_type: Cow::Borrowed(token_type?),
        })
    }

    /// Reads the token fields from a JSON body: the fast path, else serde (which also makes the
    /// error).
    pub(in crate::voucherify) fn read(body: &'a [u8]) -> Result<Self, ParseErrorKind> {
        match Self::read_flat(body) {
            Some(wire) => Ok(wire),
            None => json::from_slice(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::SPEC;
    use super::TokenWire;
    use proptest::prelude::*;

    /// The fast path may only ever agree with serde: whenever it reads a body, serde reads the
    /// same fields from it.
    fn agrees(body: &[u8]) -> Result<(), TestCaseError> {
        if let Some(fast) = TokenWire::read_flat(body) {
            let slow = serde_json::from_slice::<TokenWire>(body);
            prop_assert!(
                slow.is_ok(),
                "fast path read a body serde refuses: {:?}",
                String::from_utf8_lossy(body)
            );
            prop_assert_eq!(fast, slow.unwrap());
        }
        Ok(())
    }

    #[test]
    fn fast_path_reads_the_spec_example_like_serde() {
        let fast =
            TokenWire::read_flat(SPEC.as_bytes()).expect("the fast path reads the spec's example");
        assert_eq!(
            fast,
            serde_json::from_slice::<TokenWire>(SPEC.as_bytes()).unwrap()
        );
        let spaced = SPEC
            .replace(':', " : ")
            .replace(',', " ,\n\t")
            .replace('{', "\r\n{ ");
        assert!(TokenWire::read_flat(spaced.as_bytes()).is_some());
    }

    #[test]
    fn fast_path_leaves_everything_else_to_serde() {
        for body in [
            SPEC.replace("Bearer", r"Bear\u0065r"),     // escape
            SPEC.replace("900", "900.0"),               // float
            SPEC.replace("900", "9e2"),                 // exponent
            SPEC.replace("900", "-900"),                // sign
            SPEC.replace("900", "0900"),                // leading zero
            SPEC.replace("900", "9000000000000000000"), // 19 digits
            SPEC.replace("900", "\"900\""),             // wrong type
            SPEC.replace(r#""scope":"api","#, ""),      // missing
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","scope":"api""#), // duplicate
            SPEC.replace("api", "a\tpi"),               // control character
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":"\ud800""#), // lone surrogate
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":01"#), // leading zero
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":[1,]"#), // trailing comma
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":{"a"}"#), // no value
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":"a\qb""#), // bad escape
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":tru"#), // bad literal
            SPEC.replace(r#""scope":"api""#, r#""scope":"api","x":1."#), // bad fraction
            format!("{SPEC}x"),                         // trailing bytes
            format!("[{SPEC}]"),                        // not an object
        ] {
            assert!(TokenWire::read_flat(body.as_bytes()).is_none(), "{body}");
        }
        // Invalid UTF-8.
        let mut bytes = SPEC.as_bytes().to_vec();
        bytes[20] = 0xff;
        assert!(TokenWire::read_flat(&bytes).is_none());
    }

    #[test]
    fn fast_path_skips_unknown_members_like_serde() {
        for extra in [
            r#""extra":1"#,
            r#""extra":-1.5e+3"#,
            r#""extra":"a\"b\\c\u00e9\n""#,
            r#""extra":null,"more":true,"most":false"#,
            r#""extra" : { "a" : [1, {"b": []}, "c\u0041"], "d": {} }"#,
            r#""extra":[[[[]]]]"#,
            r#""scope_hint":"api","extra":12345678901234567890123"#,
        ] {
            let body = SPEC.replace(r#""scope":"api""#, &format!(r#""scope":"api",{extra}"#));
            let fast = TokenWire::read_flat(body.as_bytes());
            assert!(fast.is_some(), "{body}");
            assert_eq!(
                fast.unwrap(),
                serde_json::from_slice::<TokenWire>(body.as_bytes()).unwrap()
            );
        }
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let body = SPEC.replace(r#""scope":"api""#, &format!(r#""scope":"api","x":{deep}"#));
        assert!(TokenWire::read_flat(body.as_bytes()).is_none());
    }

    /// Any JSON value, as `serde_json` prints it, with escapes and nesting.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            "[a-z\"\\\n\t\u{1}é€😀/]{0,10}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z_\"\\\\]{0,6}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn string_value() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => "[a-zA-Z0-9 _.,-]",
                1 => Just("\\\"".to_owned()),
                1 => Just("\\u0041".to_owned()),
                1 => Just("\\n".to_owned()),
                1 => Just("\t".to_owned()),
                1 => Just("é".to_owned()),
                1 => Just("\u{7f}".to_owned()),
            ],
            0..12,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()))
    }

    fn number_value() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u64..u64::MAX).prop_map(|n| n.to_string()),
            (0u64..100_000).prop_map(|n| n.to_string()),
            (-1000i64..0).prop_map(|n| n.to_string()),
            "0[0-9]{1,3}",
            "[0-9]{1,20}",
            "[0-9]{1,3}\\.[0-9]{1,2}",
            "[0-9]{1,3}[eE][+-]?[0-9]",
            Just("null".to_owned()),
        ]
    }

    fn member() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("access_token"),
            Just("client_id"),
            Just("expires_at"),
            Just("expires_in"),
            Just("scope"),
            Just("token_type"),
            Just("other"),
            Just("scope\\u0020"),
        ];
        let value = prop_oneof![string_value(), number_value()];
        let ws = "[ \t\r\n]{0,2}";
        (ws, key, ws, ws, value, ws)
            .prop_map(|(a, k, b, c, v, d)| format!("{a}\"{k}\"{b}:{c}{v}{d}"))
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_serde_on_generated_objects(
            members in prop::collection::vec(member(), 0..8),
            lead in "[ \n]{0,2}",
            trail in prop_oneof![Just(String::new()), Just(" ".to_owned()), Just(",".to_owned()), Just("}".to_owned())],
        ) {
            let body = format!("{lead}{{{}}}{trail}", members.join(","));
            agrees(body.as_bytes())?;
        }

        #[test]
        fn fast_path_reads_plain_tokens_exactly_as_serde(
            order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
            strings in prop::collection::vec("[a-zA-Z0-9 _.,é\u{7f}-]{0,20}", 4),
            numbers in prop::collection::vec(0i64..1_000_000_000_000_000_000, 2),
            ws in "[ \t\r\n]{0,2}",
        ) {
            const KEYS: [&str; 6] = ["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"];
            let value = |k: usize| match k {
                2 | 3 => numbers[k - 2].to_string(),
                0 | 1 => format!("\"{}\"", strings[k]),
                _ => format!("\"{}\"", strings[k - 2]),
            };
            let body = format!(
                "{{{ws}{}{ws}}}",
                order.iter().map(|&k| format!("\"{}\"{ws}:{ws}{}", KEYS[k], value(k))).collect::<Vec<_>>().join(&format!("{ws},{ws}"))
            );
            let fast = TokenWire::read_flat(body.as_bytes());
            prop_assert!(fast.is_some(), "{}", body);
            prop_assert_eq!(fast.unwrap(), serde_json::from_slice::<TokenWire>(body.as_bytes()).unwrap());
        }

        /// A complete token with random extra members (any JSON value, escapes and nesting
        /// included) reads on the fast path, exactly as serde reads it.
        #[test]
        fn fast_path_reads_tokens_with_extra_members_as_serde(
            order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
            extras in prop::collection::vec(("[a-z_]{1,12}", json_value(), 0usize..7, "[ \n]{0,1}"), 0..4),
        ) {
            const KEYS: [&str; 6] = ["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"];
            let mut members: Vec<String> = order
                .iter()
                .map(|&k| match k {
                    2 | 3 => format!("\"{}\":{}", KEYS[k], 900 + k),
                    _ => format!("\"{}\":\"v{k}\"", KEYS[k]),
                })
                .collect();
            for (key, value, at, ws) in &extras {
                if KEYS.contains(&key.as_str()) {
                    continue;
                }
                let member = format!("\"{key}\"{ws}:{ws}{}", value);
                members.insert((*at).min(members.len()), member);
            }
            let body = format!("{{{}}}", members.join(","));
            let fast = TokenWire::read_flat(body.as_bytes());
            prop_assert!(fast.is_some(), "{}", body);
            prop_assert_eq!(fast.unwrap(), serde_json::from_slice::<TokenWire>(body.as_bytes()).unwrap());
        }

        /// Random extra members, valid or not, with the fields in any shape: whenever the fast
        /// path reads the body, serde reads the same.
        #[test]
        fn fast_path_agrees_with_serde_on_bodies_with_extra_members(
            extras in prop::collection::vec((prop_oneof![Just("extra".to_owned()), Just("scope".to_owned()), "[a-z]{1,3}"], prop_oneof![json_value().prop_map(|v| v.to_string()), string_value(), number_value(), "[\\[\\]{}\",:0-9a-z\\\\ ]{0,8}"]), 0..4),
        ) {
            let mut body = SPEC.trim_end_matches('}').to_owned();
            for (key, value) in extras {
                body.push_str(&format!(",\"{key}\":{value}"));
            }
            body.push('}');
            agrees(body.as_bytes())?;
        }

        #[test]
        fn fast_path_agrees_with_serde_on_complete_tokens(
            order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
            values in prop::collection::vec(prop_oneof![string_value(), number_value()], 6),
        ) {
            const KEYS: [&str; 6] = ["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"];
            let body = format!(
                "{{{}}}",
                order.iter().map(|&k| format!("\"{}\":{}", KEYS[k], values[k])).collect::<Vec<_>>().join(",")
            );
            agrees(body.as_bytes())?;
        }

        #[test]
        fn fast_path_agrees_with_serde_on_mutated_examples(
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" \t\"\\,:{}[]0129.-eE\x01\x7fa\xc3\xa9\xff".to_vec())), 1..4),
        ) {
            agrees(&crate::json::mutated(SPEC.as_bytes(), &edits))?;
        }
    }
}
