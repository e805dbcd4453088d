//! Escaping of attacker-controlled text: one function per output language.
//!
//! Every string of the model may come from log content. [`html`] makes it inert in
//! HTML (and inline SVG) text and quoted attributes; [`markdown`] makes it inert in
//! Markdown (no HTML, links, images, emphasis, headings, lists, table breaks or
//! autolinks). Both replace control characters and bidirectional overrides.

/// What a character that must not be shown as is becomes.
const REPLACEMENT: char = '\u{FFFD}';

/// Control characters (except tab), line separators and bidi overrides / isolates:
/// text that can break a layout or make a line read differently from its bytes.
fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A line break or other unsafe character, as it is written in one-line contexts.
fn replacement(c: char) -> char {
    match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => ' ',
        _ => REPLACEMENT,
    }
}

/// Escape text for HTML and inline SVG: element content and double- or single-quoted
/// attribute values. `& < > " '` become entities, so do `` ` ``, `{` and `}` (no
/// template or legacy-attribute trick survives); line breaks become spaces and other
/// control or bidi characters U+FFFD.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            c if is_unsafe_char(c) => out.push(replacement(c)),
            c => out.push(c),
        }
    }
    out
}

/// ASCII punctuation that is backslash-escaped wherever it appears (CommonMark lets
/// any ASCII punctuation be escaped; these can start markup inline).
const MD_ALWAYS: &[char] = &['\\', '`', '*', '_', '[', ']', '{', '}', '|', '~', '@', '$'];

/// Escape text for one line of Markdown (a paragraph, a list item, a table cell):
/// `& < >` become entities; markup punctuation (`` \ ` * _ [ ] { } ~ $ ``), `|`
/// (tables), `@` (e-mail autolinks), `:` before `/` and `.` before a letter (URL and
/// bare-domain autolinks: `www.x`, `evil.example`) are backslash-escaped; block
/// markers at the start (`#`, `-`, `+`, `=`, `1. `) are escaped; line breaks become
/// spaces and other control or bidi characters U+FFFD.
pub fn markdown(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let list_number = leading_list_number(&chars);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_unsafe_char(c) => out.push(replacement(c)),
            c if MD_ALWAYS.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' | '#' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if Some(i) == list_number => {
                out.push('\\');
                out.push(c);
            }
            ':' if chars.get(i + 1) == Some(&'/') => out.push_str("\\:"),
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_alphabetic) => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

/// The index of the `.` or `)` of a leading `123. ` / `123)` (an ordered-list marker:
/// digits, the mark, then a blank or the end).
fn leading_list_number(chars: &[char]) -> Option<usize> {
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let marker = matches!(chars.get(digits), Some('.' | ')'));
    let then_blank = chars.get(digits + 1).is_none_or(|c| c.is_whitespace());
    (digits > 0 && marker && then_blank).then_some(digits)
}

/// A Markdown inline code span that shows `s` literally: fenced with one more backtick
/// than the longest run inside, padded with spaces; line breaks become spaces and
/// control characters U+FFFD. Inside a table, `|` is still a cell separator for GFM,
/// so callers in tables use [`markdown`] instead.
pub fn markdown_code(s: &str) -> String {
    let clean = clean_line(s);
    let fence = "`".repeat(longest_backtick_run(&clean) + 1);
    format!("{fence} {clean} {fence}")
}

/// The text on one line: line breaks become spaces, other control and bidi
/// characters U+FFFD. For literal contexts (code blocks, plain-text lists).
pub fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe_char(c) { replacement(c) } else { c })
        .collect()
}

/// The longest run of backticks in `s` (to choose a code fence that `s` cannot close).
pub fn longest_backtick_run(s: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            html("<a href='x'>\"&`{{}}\u{7}\n\u{202E}"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&#96;&#123;&#123;&#125;&#125;\u{FFFD} \u{FFFD}"
        );
    }

    #[test]
    fn markdown_escapes_inline_and_block_markup() {
        assert_eq!(markdown("# x"), "\\# x");
        assert_eq!(markdown("- x"), "\\- x");
        assert_eq!(markdown("12. x"), "12\\. x");
        assert_eq!(markdown("10.0.0.1"), "10.0.0.1");
        assert_eq!(markdown("[a](b)"), "\\[a\\](b)");
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(markdown("http://x"), "http\\://x");
        assert_eq!(markdown("www.x.org"), "www\\.x\\.org");
        assert_eq!(markdown("a. B 1.5"), "a. B 1.5");
        assert_eq!(markdown("a\nb"), "a b");
    }

    #[test]
    fn code_span_fences_backticks() {
        assert_eq!(markdown_code("a``b"), "``` a``b ```");
        assert_eq!(markdown_code("x"), "` x `");
    }
}
