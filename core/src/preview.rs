//! Bounded display of a server's text: every error's `Display` prints at most a few hundred
//! characters per text and a few items per list, whatever the response held.
//!
//! A text is shown on one line, control characters as spaces, at most [`MAX_CHARS`] characters
//! (cut at a character boundary) followed by `… (N chars)` with its whole length. A list (issues
//! of a validation error, details of an order error) shows its first [`MAX_ITEMS`] items
//! followed by `… and M more`. The whole text is still in the error's fields.

use std::fmt::{self, Display, Formatter, Write};

/// The most characters of one server text an error's `Display` prints.
pub(crate) const MAX_CHARS: usize = 200;
/// The most items of one list an error's `Display` prints.
pub(crate) const MAX_ITEMS: usize = 10;

/// A short, single-line preview of a server's text for `Display`: at most [`MAX_CHARS`]
/// characters, control characters replaced by spaces, then `… (N chars)` if it was longer.
pub(crate) struct Preview<'a>(pub &'a str);

impl Display for Preview<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let text = self.0.trim();
        if text.is_empty() {
            return f.write_str("(empty body)");
        }
        let mut chars = text.chars();
        for c in chars.by_ref().take(MAX_CHARS) {
            f.write_char(if c.is_control() { ' ' } else { c })?;
        }
        if chars.next().is_some() {
            write!(f, "… ({} chars)", text.chars().count())?;
        }
        Ok(())
    }
}

/// Writes the first [`MAX_ITEMS`] of `items` with `show`, each after `separator` (the first
/// after `first`), then `… and M more` for the rest.
pub(crate) fn bounded_list<T>(
    f: &mut Formatter<'_>,
    items: &[T],
    first: &str,
    separator: &str,
    mut show: impl FnMut(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
        f.write_str(if i == 0 { first } else { separator })?;
        show(f, item)?;
    }
    if items.len() > MAX_ITEMS {
        write!(f, "{separator}… and {} more", items.len() - MAX_ITEMS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_at_a_char_boundary_with_its_length() {
        let text = "é".repeat(300);
        let shown = Preview(&text).to_string();
        assert_eq!(shown, format!("{}… (300 chars)", "é".repeat(200)));
        assert_eq!(Preview(" a\nb ").to_string(), "a b");
        assert_eq!(Preview(&"x".repeat(200)).to_string(), "x".repeat(200));
    }

    #[test]
    fn a_long_list_shows_its_first_items() {
        struct List(Vec<u32>);
        impl Display for List {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                bounded_list(f, &self.0, ": ", "; ", |f, n| write!(f, "{n}"))
            }
        }
        assert_eq!(List(vec![1, 2]).to_string(), ": 1; 2");
        assert_eq!(
            List((0..25).collect()).to_string(),
            ": 0; 1; 2; 3; 4; 5; 6; 7; 8; 9; … and 15 more"
        );
        assert_eq!(List(vec![]).to_string(), "");
    }
}
