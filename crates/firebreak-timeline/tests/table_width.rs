//! The table never exceeds the terminal width, whatever the text.

mod common;

use firebreak_event::{Event, Location, SourceKind, Timestamp};
use firebreak_timeline::{render, OutputFormat, RenderOptions, TimelineRow};
use proptest::prelude::*;
use unicode_width::UnicodeWidthStr;

/// Text mixing ASCII, CJK (wide), combining marks, emoji, escapes and controls.
fn nasty_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 ./:=-]{0,12}",
        "[\u{4e00}-\u{4fff}]{1,6}",
        "[\u{ac00}-\u{acff}]{1,4}",
        "e[\u{0300}-\u{036f}]{1,3}",
        Just("👩‍💻❤\u{fe0f}".to_string()),
        Just("\x1b[31m".to_string()),
        Just("\u{202e}\r\n\t\x00".to_string()),
        "\\PC{0,8}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn event(texts: [String; 4], micros: i64) -> Event {
    let [host, user, id, message] = texts;
    let mut e = Event::new(
        Timestamp::from_micros(micros).unwrap(),
        SourceKind::Syslog,
        Location::Line(1),
    );
    e.host = Some(host);
    e.user.name = Some(user);
    e.event_id = Some(id);
    e.message = message;
    e
}

fn table(e: &Event, width: usize, tz: chrono_tz::Tz) -> String {
    let options = RenderOptions {
        display_tz: tz,
        terminal_width: Some(width),
        ..RenderOptions::default()
    };
    let row = TimelineRow {
        event: e,
        evidence_path: "x",
        evidence_sha256: common::SHA,
    };
    let mut out = Vec::new();
    render(OutputFormat::Table, &options, [row], &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lines_fit_the_width(
        texts in [nasty_text(), nasty_text(), nasty_text(), nasty_text()],
        width in 1usize..220,
        micros in -11_644_473_600_000_000i64..253_402_300_799_999_999,
        tz in prop::sample::select(vec![
            chrono_tz::UTC,
            chrono_tz::Europe::Berlin,
            chrono_tz::America::Argentina::Buenos_Aires,
        ]),
    ) {
        let e = event(texts, micros);
        let out = table(&e, width, tz);
        prop_assert_eq!(out.lines().count(), 2);
        for line in out.lines() {
            prop_assert!(line.width() <= width, "{} > {}: {:?}", line.width(), width, line);
            prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
        }
    }
}

#[test]
fn long_message_is_cut_with_ellipsis() {
    let texts = [
        "host".to_string(),
        "u".into(),
        "1".into(),
        "日本語".repeat(100),
    ];
    let out = table(&event(texts, 0), 80, chrono_tz::UTC);
    let row = out.lines().nth(1).unwrap();
    assert!(row.ends_with('…'), "{row}");
    assert!(row.width() <= 80 && row.width() >= 78, "{}", row.width());
}
