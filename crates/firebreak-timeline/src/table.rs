//! Human-readable table that fits the terminal.

use crate::sanitize::{fit_to_width, sanitize_terminal, truncate_to_width};
use crate::text::user_display;
use crate::{RenderError, RenderOptions, RenderSummary, Renderer, TimelineRow};
use std::io::Write;

/// `2026-11-24 22:14:03+01:00`: the offset keeps repeated DST hours apart.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%:z";
const TIME_WIDTH: usize = 25;
/// Columns before the message: time, host, source, event id, user.
const PREFERRED: [usize; 5] = [TIME_WIDTH, 15, 9, 12, 16];
const NARROWEST: [usize; 5] = [TIME_WIDTH, 6, 6, 6, 6];
const HEADERS: [&str; 5] = ["TIME", "HOST", "SOURCE", "EVENT ID", "USER"];
/// Room the message gets before other columns are narrowed.
const MESSAGE_MIN: usize = 24;
const SEPARATOR: &str = " ";

/// Column widths for a terminal width.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    columns: [usize; 5],
    /// `None`: the message is not cut.
    message: Option<usize>,
    total: Option<usize>,
}

impl Layout {
    fn new(total: Option<usize>) -> Layout {
        let mut columns = PREFERRED;
        let Some(total) = total else {
            return Layout {
                columns,
                message: None,
                total,
            };
        };
        while fixed_width(&columns) + MESSAGE_MIN > total {
            if !narrow_widest(&mut columns) {
                break;
            }
        }
        Layout {
            columns,
            message: Some(total.saturating_sub(fixed_width(&columns))),
            total: Some(total),
        }
    }

    /// One line from the five column values and the message; never wider than `total`.
    fn line(&self, cells: [&str; 5], message: &str) -> String {
        let mut line = String::new();
        for (cell, width) in cells.iter().zip(self.columns) {
            line.push_str(&fit_to_width(cell, width));
            line.push_str(SEPARATOR);
        }
        match self.message {
            Some(w) => line.push_str(&truncate_to_width(message, w)),
            None => line.push_str(message),
        }
        let line = line.trim_end();
        match self.total {
            Some(t) => truncate_to_width(line, t).into_owned(),
            None => line.to_string(),
        }
    }
}

fn fixed_width(columns: &[usize; 5]) -> usize {
    columns.iter().map(|w| w + SEPARATOR.len()).sum()
}

/// Narrows by one the column with the most room above its minimum; false if none has.
fn narrow_widest(columns: &mut [usize; 5]) -> bool {
    let slack = |i: usize| columns[i] - NARROWEST[i];
    match (0..5).filter(|&i| slack(i) > 0).max_by_key(|&i| slack(i)) {
        Some(i) => {
            columns[i] -= 1;
            true
        }
        None => false,
    }
}

/// Writes the timeline as an aligned table; attacker-controlled text is sanitised.
#[derive(Debug)]
pub struct TableRenderer {
    layout: Layout,
    display_tz: chrono_tz::Tz,
    header: bool,
    summary: RenderSummary,
}

impl TableRenderer {
    pub fn new(options: &RenderOptions) -> TableRenderer {
        TableRenderer {
            layout: Layout::new(options.terminal_width),
            display_tz: options.display_tz,
            header: options.header,
            summary: RenderSummary::default(),
        }
    }

    fn header_line(&self) -> String {
        let time = format!("{} ({})", HEADERS[0], self.display_tz.name());
        let mut cells = HEADERS;
        cells[0] = &time;
        self.layout.line(cells, "MESSAGE")
    }

    fn row_line(&self, row: &TimelineRow<'_>) -> String {
        let e = row.event;
        let time = e
            .timestamp
            .to_datetime()
            .with_timezone(&self.display_tz)
            .format(TIME_FORMAT)
            .to_string();
        let clean = |v: Option<&str>| sanitize_terminal(v.unwrap_or("")).into_owned();
        let host = clean(e.host.as_deref());
        let id = clean(e.event_id.as_deref());
        let user = clean(Some(&user_display(e)));
        let message = sanitize_terminal(&e.message);
        let cells = [time.as_str(), &host, e.source.as_str(), &id, &user];
        self.layout.line(cells, &message)
    }
}

impl Renderer for TableRenderer {
    fn begin(&mut self, out: &mut dyn Write) -> Result<(), RenderError> {
        if self.header {
            writeln!(out, "{}", self.header_line())?;
        }
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError> {
        writeln!(out, "{}", self.row_line(row))?;
        self.summary.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError> {
        out.flush()?;
        Ok(self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::display_width;

    #[test]
    fn layout_fits_and_keeps_message_room() {
        for total in [40, 80, 100, 120, 200] {
            let l = Layout::new(Some(total));
            let m = l.message.unwrap();
            assert!(fixed_width(&l.columns) + m <= total.max(fixed_width(&l.columns)));
            assert!(display_width(&l.line(["a"; 5], &"x".repeat(500))) <= total);
        }
        assert_eq!(Layout::new(Some(200)).columns, PREFERRED);
    }
}
