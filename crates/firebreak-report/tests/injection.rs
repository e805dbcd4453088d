//! Attacker text in every string field must come out inert: no markup in the HTML
//! report beyond what the renderer writes, nothing active in the Markdown.

mod common;

use common::{fixture, hostile_fixture};
use firebreak_report::{render_html, render_markdown, HTML_CSP};

/// A start or end tag: its name (lower case) and attributes (name lower case, value).
#[derive(Debug)]
struct Tag {
    name: String,
    end: bool,
    attrs: Vec<(String, String)>,
}

/// A small HTML tokenizer: enough to list every tag and attribute the browser would
/// see. Text between tags is skipped; `<style>` content is skipped to `</style>`;
/// comments and the doctype are skipped.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i += html[i..].find("-->").expect("closed comment") + 3;
            continue;
        }
        if html[i..].starts_with('!') {
            i += html[i..].find('>').expect("closed doctype") + 1;
            continue;
        }
        let end = b.get(i) == Some(&b'/');
        if end {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let (attrs, next) = attributes(html, i);
        i = next;
        if name == "style" && !end {
            i += html[i..].find("</style>").expect("closed style");
        }
        out.push(Tag { name, end, attrs });
    }
    out
}

fn attributes(html: &str, mut i: usize) -> (Vec<(String, String)>, usize) {
    let b = html.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            let q = b[i];
            if q == b'"' || q == b'\'' {
                let close = html[i + 1..].find(q as char).expect("closed quote");
                value = html[i + 1..i + 1 + close].to_string();
                i += close + 2;
            } else {
                let s = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = html[s..i].to_string();
            }
        }
        attrs.push((name, value));
    }
}

const ALLOWED_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "section",
    "h1",
    "h2",
    "h3",
    "p",
    "div",
    "span",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "figure",
    "figcaption",
    "pre",
    "strong",
    "br",
    "svg",
    "defs",
    "marker",
    "path",
    "rect",
    "text",
    "line",
    "circle",
    "g",
];

fn hostile_html() -> String {
    let mut out = Vec::new();
    render_html(&hostile_fixture(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn html_has_only_the_renderers_markup() {
    let html = hostile_html();
    let all = tags(&html);
    assert!(all.len() > 200, "the report has its sections");
    for t in &all {
        assert!(
            ALLOWED_TAGS.contains(&t.name.as_str()),
            "unexpected tag <{}{}> in the report",
            if t.end { "/" } else { "" },
            t.name
        );
        for (name, value) in &t.attrs {
            assert!(
                !name.starts_with("on"),
                "event handler {name}={value:?} on <{}>",
                t.name
            );
            let v = value.trim().to_ascii_lowercase();
            assert!(!v.starts_with("javascript:"), "javascript: URL in {name}");
            if name == "href" {
                assert!(v.starts_with('#'), "href {value:?} leaves the page");
            }
            assert!(
                ![
                    "src",
                    "srcset",
                    "action",
                    "formaction",
                    "xlink:href",
                    "background",
                    "poster"
                ]
                .contains(&name.as_str()),
                "loading attribute {name}"
            );
            if name == "style" {
                assert!(
                    !v.contains("url(") && !v.contains("expression"),
                    "style {value:?}"
                );
            }
        }
    }
    let count = |n: &str| all.iter().filter(|t| t.name == n && !t.end).count();
    assert_eq!(count("script"), 0, "no script at all");
    assert_eq!(count("style"), 1, "one style element");
    assert_eq!(
        html.matches("</style>").count(),
        1,
        "the style element is never closed early"
    );
    assert_eq!(count("a"), 18, "only the table of contents links");
}

#[test]
fn html_shows_the_attacker_text_escaped() {
    let html = hostile_html();
    for needle in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        "&lt;/style&gt;",
        "&#123;&#123;7*7&#125;&#125;",
        "javascript:alert(3)",
    ] {
        assert!(html.contains(needle), "escaped form {needle:?} shown");
    }
    assert!(!html.contains("{{"), "no template braces");
    assert!(!html.contains('`'), "no backticks");
    for c in html.chars() {
        assert!(
            !c.is_control() || c == '\n',
            "control character U+{:04X} in the HTML",
            c as u32
        );
        assert!(
            !('\u{202A}'..='\u{202E}').contains(&c),
            "bidi override in the HTML"
        );
    }
}

#[test]
fn html_has_the_strict_csp_first_in_head() {
    let html = hostile_html();
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{HTML_CSP}\">");
    assert_eq!(html.matches(&meta).count(), 1);
    assert!(html.find(&meta).unwrap() < html.find("<title>").unwrap());
    assert_eq!(
        HTML_CSP,
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    );
    for forbidden in [
        "<link",
        "http-equiv=\"refresh\"",
        "<base",
        "<object",
        "<embed",
    ] {
        assert_eq!(
            html.matches(forbidden).count(),
            0,
            "{forbidden} in the HTML"
        );
    }
    let css_start = html.find("<style>").unwrap() + "<style>".len();
    let css = &html[css_start..html.find("</style>").unwrap()];
    for forbidden in ["@import", "url(", "@font-face", "http:", "https:", "//"] {
        assert!(!css.contains(forbidden), "{forbidden} in the CSS");
    }
}

#[test]
fn html_of_the_clean_fixture_has_every_section() {
    let mut out = Vec::new();
    render_html(&fixture(), &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();
    for id in [
        "summary",
        "case",
        "initial-access",
        "storyline",
        "timeline",
        "lateral",
        "attack",
        "scope",
        "impact",
        "inhibition",
        "exfiltration",
        "gaps",
        "iocs",
        "containment",
        "recovery",
        "hardening",
        "questions",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    assert!(html.contains("case.zip!netscaler/ns.log#line:48213 (event 1001)"));
    assert!(html.contains("<pre>185.220.101.47\n2a03:b0c0:3:d0::1a51:c001</pre>"));
    assert!(html.contains("<pre>update-check.example-cdn.net</pre>"));
    assert!(html.contains("High confidence"));
    assert!(html.contains("No sign of data exfiltration"));
    assert!(html.contains("nightly Veeam job"));
    assert_eq!(html.matches("<svg").count(), 2, "timeline and graph");
}

fn hostile_markdown() -> String {
    let mut out = Vec::new();
    render_markdown(&hostile_fixture(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Whether the character at byte `i` is backslash-escaped.
fn escaped(s: &str, i: usize) -> bool {
    s[..i].chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Markdown lines outside fenced code blocks.
fn prose_lines(md: &str) -> Vec<&str> {
    let mut fence: Option<String> = None;
    let mut out = Vec::new();
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(f) if line.trim_end() == f => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => out.push(line),
        }
    }
    assert!(fence.is_none(), "every code block is closed");
    out
}

/// A line without the renderer's own emphasis: the `- **Term:** ` of a fact, a
/// whole `**bold**` or `_italic_` line.
fn without_own_markup(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("- **") {
        if let Some((_, value)) = rest.split_once(":** ") {
            return value;
        }
    }
    for (open, close) in [("**", "**"), ("_", "_")] {
        if let Some(inner) = line.strip_prefix(open).and_then(|l| l.strip_suffix(close)) {
            return inner;
        }
    }
    line
}

#[test]
fn markdown_renders_the_attacker_text_inert() {
    let md = hostile_markdown();
    let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-hostile.md");
    std::fs::write(&kept, &md).unwrap();
    for c in md.chars() {
        assert!(
            !c.is_control() || c == '\n',
            "control character U+{:04X}",
            c as u32
        );
    }
    for line in prose_lines(&md) {
        assert!(
            !line.contains('<'),
            "raw HTML (a < that is not an entity): {line}"
        );
        let text = without_own_markup(line);
        for (i, c) in text.char_indices() {
            if matches!(c, '[' | ']' | '`' | '*' | '_' | '~') && !escaped(text, i) {
                panic!("unescaped {c:?} in attacker text: {line}");
            }
        }
        assert!(!line.contains("http://"), "autolinkable URL: {line}");
        assert!(!line.contains("www.evil"), "autolinkable www: {line}");
        // The one heading that quotes model text is the title (the case name).
        if line.starts_with('#') && !line.starts_with("# Incident report: ") {
            assert!(
                !line.contains("alert"),
                "heading made of attacker text: {line}"
            );
        }
        if let Some(rest) = line.strip_prefix("- ") {
            assert!(
                !rest.starts_with("item"),
                "list item from attacker text: {line}"
            );
        }
    }
}

#[test]
fn markdown_tables_keep_their_columns() {
    let md = hostile_markdown();
    let mut widths: Vec<usize> = Vec::new();
    for line in prose_lines(&md) {
        if !line.starts_with('|') {
            widths.clear();
            continue;
        }
        let pipes = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && !escaped(line, *i))
            .count();
        if let Some(first) = widths.first() {
            assert_eq!(*first, pipes, "a row with another number of cells: {line}");
        }
        widths.push(pipes);
    }
}

#[test]
fn markdown_code_blocks_cannot_be_closed_by_values() {
    let mut inv = hostile_fixture();
    inv.containment.block_domains = vec!["````".into(), "evil.example".into()];
    let mut out = Vec::new();
    render_markdown(&inv, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("`````text\n````\nevil.example\n`````"), "{md}");
    prose_lines(&md);
}

#[test]
fn markdown_of_the_clean_fixture_has_every_section() {
    let mut out = Vec::new();
    render_markdown(&fixture(), &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    for h in [
        "## Executive summary",
        "## Case overview",
        "## Initial access",
        "## Storyline",
        "## Timeline",
        "## Lateral movement",
        "## ATT&amp;CK techniques seen",
        "## Affected hosts and accounts",
        "## Impact",
        "## Recovery inhibition",
        "## Exfiltration",
        "## Gaps in the evidence",
        "## Indicators of compromise",
        "## Containment",
        "## Recovery",
        "## Hardening",
        "## Open questions",
    ] {
        assert!(md.contains(&format!("\n{h}\n")), "{h}");
    }
    assert!(md.contains("```text\n185.220.101.47\n2a03:b0c0:3:d0::1a51:c001\n```"));
    assert!(md.contains("case\\.zip!netscaler/ns\\.log#line:48213 (event 1001)"));
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.md");
    std::fs::write(&path, &md).unwrap();
    println!("markdown: {}", path.display());
}
