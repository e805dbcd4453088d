//! Making attacker-controlled text safe for a terminal, and measuring it there.

use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Where the scanner is inside an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After ESC.
    Esc,
    /// After ESC and intermediate bytes (`ESC ( B`).
    EscIntermediate,
    /// Inside a control sequence (`ESC [` or C1 CSI) up to its final byte.
    Csi,
    /// Inside a string sequence (OSC, DCS, SOS, PM, APC) up to BEL or ST; holds the
    /// byte index where its content starts.
    Str(usize),
    /// ESC seen inside a string sequence (maybe `ESC \`, the string terminator).
    StrEsc(usize),
}

/// Bidirectional embedding, override and isolate controls (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// `text` without escape sequences, C0/C1 control characters and bidi overrides, so it
/// cannot move the cursor, recolour, retitle or reorder a terminal. Tabs and line
/// breaks become a single space; an escape string that never ends is shown as text.
pub fn sanitize_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut state = State::Text;
    for (i, c) in text.char_indices() {
        state = step(state, i, c, &mut out);
    }
    if let State::Str(start) | State::StrEsc(start) = state {
        for c in text[start..].chars() {
            text_char(c, 0, &mut out);
        }
    }
    Cow::Owned(out)
}

fn step(state: State, i: usize, c: char, out: &mut String) -> State {
    let next = i + c.len_utf8();
    match state {
        State::Text => text_char(c, next, out),
        State::Esc => match c {
            '[' => State::Csi,
            ']' | 'P' | 'X' | '^' | '_' => State::Str(next),
            ' '..='/' => State::EscIntermediate,
            '0'..='~' => State::Text,
            _ => text_char(c, next, out),
        },
        State::EscIntermediate => match c {
            ' '..='/' => State::EscIntermediate,
            '0'..='~' => State::Text,
            _ => text_char(c, next, out),
        },
        State::Csi => match c {
            '@'..='~' => State::Text,
            ' '..='?' => State::Csi,
            _ => text_char(c, next, out),
        },
        State::Str(start) => match c {
            '\x07' | '\u{9c}' => State::Text,
            '\x1b' => State::StrEsc(start),
            _ => State::Str(start),
        },
        State::StrEsc(start) => match c {
            '\\' => State::Text,
            _ => State::Str(start),
        },
    }
}

/// Handles a character outside any escape sequence; `next` is the index after it.
fn text_char(c: char, next: usize, out: &mut String) -> State {
    match c {
        '\x1b' => return State::Esc,
        '\u{9b}' => return State::Csi,
        '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => return State::Str(next),
        '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        }
        c if is_unsafe(c) => {}
        c => out.push(c),
    }
    State::Text
}

/// Columns `text` takes in a terminal (Unicode East Asian Width, combining marks 0).
pub(crate) fn display_width(text: &str) -> usize {
    text.width()
}

/// `text` cut to at most `max` columns, ending in `…` when cut.
pub fn truncate_to_width(text: &str, max: usize) -> Cow<'_, str> {
    if display_width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let room = max - 1;
    let mut end = prefix_end(text, room);
    while end > 0 && display_width(&text[..end]) > room {
        end = text[..end].char_indices().last().map_or(0, |(i, _)| i);
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// End of the longest prefix whose characters' widths add up to at most `room`.
fn prefix_end(text: &str, room: usize) -> usize {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > room {
            return i;
        }
    }
    text.len()
}

/// `text` cut or padded with spaces to exactly `width` columns.
pub fn fit_to_width(text: &str, width: usize) -> String {
    let cut = truncate_to_width(text, width);
    let pad = width.saturating_sub(display_width(&cut));
    format!("{cut}{}", " ".repeat(pad))
}
