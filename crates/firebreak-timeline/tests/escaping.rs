//! Attacker-controlled text: no control characters reach a terminal, no formula
//! reaches a spreadsheet.

mod common;

use common::{hostile, rendered};
use firebreak_timeline::{csv_guard, sanitize_terminal, OutputFormat, RenderOptions};

fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn sanitize_strips_escapes_controls_and_bidi() {
    let cases = [
        ("plain text", "plain text"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1b(Bb", "ab"),
        ("a\x1bcb", "ab"),
        ("line1\r\nline2", "line1 line2"),
        ("tab\there", "tab here"),
        ("\u{202E}nimda\u{202C}", "nimda"),
        ("\u{2066}x\u{2069}", "x"),
        ("\u{9b}2Jcleared", "cleared"),
        ("bell\x07null\x00del\x7f", "bellnulldel"),
        ("a\x1b]0;never ends", "a0;never ends"),
        ("日本語 é", "日本語 é"),
    ];
    for (input, want) in cases {
        assert_eq!(sanitize_terminal(input), want, "{input:?}");
    }
}

#[test]
fn sanitize_borrows_clean_text() {
    assert!(matches!(
        sanitize_terminal("clean"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn table_output_has_no_control_characters() {
    for width in [None, Some(60), Some(200)] {
        let options = RenderOptions {
            terminal_width: width,
            ..RenderOptions::default()
        };
        let out = rendered(OutputFormat::Table, &options, &[hostile()]);
        for line in out.lines() {
            assert!(!line.chars().any(is_dangerous), "{line:?}");
        }
        assert_eq!(out.lines().count(), 2, "header and one row: {out:?}");
        assert!(out.contains("FAILED") || width == Some(60));
    }
}

#[test]
fn csv_guard_prefixes_formula_starts() {
    for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
        assert_eq!(csv_guard(cell), format!("'{cell}"));
    }
    for cell in ["", "a=1", "1-2", " =1", "<script>"] {
        assert_eq!(csv_guard(cell), cell);
    }
}

#[test]
fn csv_cells_are_guarded_and_quoted() {
    let out = rendered(OutputFormat::Csv, &RenderOptions::default(), &[hostile()]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1, "one record despite CR/LF in the message");
    let rec = &records[0];
    assert_eq!(rec.len(), headers.len());
    for cell in rec.iter() {
        assert!(
            !matches!(
                cell.chars().next(),
                Some('=' | '+' | '-' | '@' | '\t' | '\r')
            ),
            "unguarded cell {cell:?}"
        );
    }
    let col = |name: &str| &rec[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(col("event_id"), "'=cmd|' /C calc'!A0");
    assert_eq!(col("command_line"), "'+SUM(1,2)");
    assert_eq!(col("url"), "'@evil");
    assert_eq!(col("domain"), "'-2+3");
    assert!(col("message").contains("<script>"));
}

#[test]
fn json_formats_escape_control_characters() {
    for format in [
        OutputFormat::Jsonl,
        OutputFormat::Timesketch,
        OutputFormat::Ecs,
    ] {
        let out = rendered(format, &RenderOptions::default(), &[hostile()]);
        assert_eq!(out.lines().count(), 1, "{format}");
        assert!(
            !out.trim_end().chars().any(|c| c.is_ascii_control()),
            "{format}"
        );
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert!(
            v.to_string().contains("\\u001b[31m"),
            "{format}: value kept exactly"
        );
    }
}
