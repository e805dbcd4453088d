//! The two inline SVG charts: the timeline (hosts as lanes, phases as bands) and the
//! lateral-movement graph (hosts on a circle in order of first compromise). Plain
//! deterministic layouts; every piece of model text goes through [`escape::html`].

use crate::escape;
use crate::text;
use firebreak_analysis::{Investigation, Phase};
use firebreak_event::Timestamp;
use std::fmt::Write as _;

/// One colour per phase, in [`text::PHASES`] order.
const PHASE_COLOURS: [&str; 12] = [
    "#b91c1c", "#c2410c", "#a16207", "#4d7c0f", "#047857", "#0e7490", "#1d4ed8", "#6d28d9",
    "#a21caf", "#be185d", "#7c2d12", "#111827",
];

/// The colour of a phase.
pub fn phase_colour(p: Phase) -> &'static str {
    PHASE_COLOURS[text::phase_index(p) % PHASE_COLOURS.len()]
}

/// At most `n` characters, with `…` when cut.
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// An event on the timeline.
struct Dot<'a> {
    time: Timestamp,
    lane: usize,
    phase: Phase,
    title: &'a str,
    host: &'a str,
}

/// Timeline geometry.
struct Axis {
    start: i64,
    end: i64,
    x0: f64,
    x1: f64,
}

impl Axis {
    fn x(&self, t: Timestamp) -> f64 {
        let span = (self.end - self.start).max(1) as f64;
        self.x0 + (t.micros() - self.start) as f64 / span * (self.x1 - self.x0)
    }
}

const LANE_H: f64 = 34.0;
const BAND_H: f64 = 16.0;
const TL_WIDTH: f64 = 1100.0;

/// The hosts of the timeline, in lane order: scope order, then others as they appear;
/// `(no host)` last when an event has none.
fn lanes(inv: &Investigation) -> Vec<String> {
    let mut out: Vec<String> = inv.scope.hosts.iter().map(|h| h.name.clone()).collect();
    let mut no_host = false;
    for e in inv.storyline.iter().flat_map(|p| &p.key_events) {
        match &e.host {
            Some(h) if !out.contains(h) => out.push(h.clone()),
            Some(_) => {}
            None => no_host = true,
        }
    }
    if no_host {
        out.push("(no host)".to_string());
    }
    out
}

fn dots<'a>(inv: &'a Investigation, lanes: &[String]) -> Vec<Dot<'a>> {
    let lane_of = |h: Option<&String>| {
        let name = h.map_or("(no host)", String::as_str);
        lanes.iter().position(|l| l == name).unwrap_or(0)
    };
    inv.storyline
        .iter()
        .flat_map(|p| p.key_events.iter().map(move |e| (p.phase, e)))
        .map(|(phase, e)| Dot {
            time: e.time,
            lane: lane_of(e.host.as_ref()),
            phase,
            title: &e.title,
            host: e.host.as_deref().unwrap_or("(no host)"),
        })
        .collect()
}

/// The time span the timeline covers, padded by a minute each side.
fn span(inv: &Investigation) -> Option<(i64, i64)> {
    let times = inv
        .storyline
        .iter()
        .flat_map(|p| {
            let events = p.key_events.iter().map(|e| e.time);
            [p.first, p.last].into_iter().chain(events)
        })
        .chain(inv.scope.lateral_movement.iter().map(|e| e.time))
        .map(Timestamp::micros);
    let (lo, hi) = times.fold(None, |acc: Option<(i64, i64)>, t| match acc {
        None => Some((t, t)),
        Some((lo, hi)) => Some((lo.min(t), hi.max(t))),
    })?;
    Some((lo - 60_000_000, hi + 60_000_000))
}

/// The timeline chart, or a note when the storyline is empty.
pub fn timeline(inv: &Investigation) -> String {
    let Some((start, end)) = span(inv) else {
        return "<p class=\"muted\">No events to chart.</p>".to_string();
    };
    let axis = Axis {
        start,
        end,
        x0: 190.0,
        x1: TL_WIDTH - 20.0,
    };
    let lanes = lanes(inv);
    let bands_h = inv.storyline.len() as f64 * BAND_H;
    let lanes_top = 10.0 + bands_h + 10.0;
    let height = lanes_top + lanes.len() as f64 * LANE_H + 40.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {TL_WIDTH} {height}\" \
         role=\"img\" aria-label=\"Timeline of key events by host\">\
         <defs><marker id=\"tl-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#6d28d9\"/></marker></defs>"
    );
    timeline_bands(&mut s, inv, &axis);
    timeline_lanes(&mut s, &lanes, &axis, lanes_top);
    timeline_axis(&mut s, &axis, height - 30.0, lanes_top);
    timeline_edges(&mut s, inv, &lanes, &axis, lanes_top);
    for d in dots(inv, &lanes) {
        let cy = lanes_top + d.lane as f64 * LANE_H + LANE_H / 2.0;
        let tip = format!(
            "{} · {} · {} · {}",
            text::time(d.time),
            d.host,
            text::phase_name(d.phase),
            d.title
        );
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"><title>{}</title></circle>",
            axis.x(d.time),
            phase_colour(d.phase),
            escape::html(&tip)
        );
    }
    s.push_str("</svg>");
    s
}

/// One thin row per storyline phase, spanning its first to last event.
fn timeline_bands(s: &mut String, inv: &Investigation, axis: &Axis) {
    for (i, p) in inv.storyline.iter().enumerate() {
        let y = 10.0 + i as f64 * BAND_H;
        let x = axis.x(p.first);
        let w = (axis.x(p.last) - x).max(3.0);
        let name = text::phase_name(p.phase);
        let _ = write!(
            s,
            "<text x=\"180\" y=\"{:.1}\" text-anchor=\"end\" class=\"band-label\">{}</text>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{}\" opacity=\"0.85\">\
             <title>{}: {} – {}</title></rect>",
            y + BAND_H - 5.0,
            escape::html(name),
            y + 2.0,
            BAND_H - 4.0,
            phase_colour(p.phase),
            escape::html(name),
            escape::html(&text::time(p.first)),
            escape::html(&text::time(p.last)),
        );
    }
}

fn timeline_lanes(s: &mut String, lanes: &[String], axis: &Axis, top: f64) {
    for (i, lane) in lanes.iter().enumerate() {
        let y = top + i as f64 * LANE_H;
        let fill = if i % 2 == 0 { "#f3f4f6" } else { "#ffffff" };
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{LANE_H}\" fill=\"{fill}\"/>\
             <text x=\"180\" y=\"{:.1}\" text-anchor=\"end\" class=\"lane-label\">{}<title>{}</title></text>",
            axis.x0,
            axis.x1 - axis.x0,
            y + LANE_H / 2.0 + 4.0,
            escape::html(&truncate(lane, 26)),
            escape::html(lane),
        );
    }
}

fn timeline_axis(s: &mut String, axis: &Axis, y: f64, top: f64) {
    let _ = write!(
        s,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#6b7280\"/>",
        axis.x0, axis.x1
    );
    const TICKS: i64 = 6;
    for k in 0..=TICKS {
        let us = axis.start + (axis.end - axis.start) * k / TICKS;
        let Ok(t) = Timestamp::from_micros(us) else {
            continue;
        };
        let x = axis.x(t);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#d1d5db\" stroke-dasharray=\"2,3\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text>",
            y + 16.0,
            escape::html(&text::axis_time(t))
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"tick\">UTC</text>",
        axis.x1,
        y + 28.0
    );
}

/// Lateral movements as arrows from the source host's lane to the target's.
fn timeline_edges(s: &mut String, inv: &Investigation, lanes: &[String], axis: &Axis, top: f64) {
    let lane_y = |name: &str| {
        lanes
            .iter()
            .position(|l| l == name)
            .map(|i| top + i as f64 * LANE_H + LANE_H / 2.0)
    };
    for e in &inv.scope.lateral_movement {
        let (Some(y1), Some(y2)) = (lane_y(&e.from), lane_y(&e.to)) else {
            continue;
        };
        let x = axis.x(e.time);
        let tip = format!(
            "{} {} → {} ({})",
            text::time(e.time),
            e.from,
            e.to,
            e.method
        );
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{y1:.1}\" x2=\"{x:.1}\" y2=\"{y2:.1}\" stroke=\"#6d28d9\" stroke-width=\"1.5\" \
             stroke-dasharray=\"4,2\" marker-end=\"url(#tl-arrow)\"><title>{}</title></line>",
            escape::html(&tip)
        );
    }
}

/// A node of the lateral-movement graph.
struct Node {
    name: String,
    first: i64,
    kind: &'static str,
}

/// Hosts in scope and every other edge endpoint (gateways, addresses), ordered by
/// first compromise (others by their first edge), then name.
fn graph_nodes(inv: &Investigation) -> Vec<Node> {
    let mut nodes: Vec<Node> = inv
        .scope
        .hosts
        .iter()
        .map(|h| Node {
            name: h.name.clone(),
            first: h.first_compromise.micros(),
            kind: if h.patient_zero {
                "zero"
            } else if h.encrypted {
                "encrypted"
            } else {
                "host"
            },
        })
        .collect();
    for e in &inv.scope.lateral_movement {
        for name in [&e.from, &e.to] {
            match nodes.iter_mut().find(|n| &n.name == name) {
                Some(n) if n.kind == "external" => n.first = n.first.min(e.time.micros()),
                Some(_) => {}
                None => nodes.push(Node {
                    name: name.clone(),
                    first: e.time.micros(),
                    kind: "external",
                }),
            }
        }
    }
    // Outside sources first on a tie: they are where the movement comes from.
    let rank = |n: &Node| u8::from(n.kind != "external");
    nodes.sort_by(|a, b| (a.first, rank(a), &a.name).cmp(&(b.first, rank(b), &b.name)));
    nodes
}

const G_W: f64 = 820.0;
const G_H: f64 = 560.0;
const NODE_R: f64 = 22.0;

/// Node centres on a circle, the first at the top, clockwise.
fn positions(n: usize) -> Vec<(f64, f64)> {
    let (cx, cy, r) = (G_W / 2.0, G_H / 2.0, 200.0);
    if n == 1 {
        return vec![(cx, cy)];
    }
    (0..n)
        .map(|i| {
            let a = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// The lateral-movement graph, or a note when there is no movement and no host.
pub fn lateral_graph(inv: &Investigation) -> String {
    let nodes = graph_nodes(inv);
    if nodes.is_empty() {
        return "<p class=\"muted\">No hosts or movements to draw.</p>".to_string();
    }
    let pos = positions(nodes.len());
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {G_W} {G_H}\" \
         role=\"img\" aria-label=\"Lateral movement between hosts\">\
         <defs><marker id=\"lm-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#374151\"/></marker></defs>"
    );
    graph_edges(&mut s, inv, &nodes, &pos);
    graph_nodes_svg(&mut s, &nodes, &pos);
    graph_legend(&mut s);
    s.push_str("</svg>");
    s
}

fn graph_edges(s: &mut String, inv: &Investigation, nodes: &[Node], pos: &[(f64, f64)]) {
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let mut pair_count: Vec<((usize, usize), usize)> = Vec::new();
    for e in &inv.scope.lateral_movement {
        let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) else {
            continue;
        };
        let key = (a.min(b), a.max(b));
        let k = match pair_count.iter_mut().find(|(p, _)| *p == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                pair_count.push((key, 0));
                0
            }
        };
        edge(s, e, pos[a], pos[b], k);
    }
}

/// One arrow, shortened to the node circles, with its label beside the middle (the
/// k-th edge between the same two nodes one line further out).
fn edge(
    s: &mut String,
    e: &firebreak_analysis::LateralEdge,
    (x1, y1): (f64, f64),
    (x2, y2): (f64, f64),
    k: usize,
) {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let (sx, sy) = (x1 + ux * NODE_R, y1 + uy * NODE_R);
    let (ex, ey) = (x2 - ux * (NODE_R + 2.0), y2 - uy * (NODE_R + 2.0));
    let off = 10.0 + k as f64 * 13.0;
    let (lx, ly) = ((x1 + x2) / 2.0 - uy * off, (y1 + y2) / 2.0 + ux * off);
    let account = e.account.as_deref().unwrap_or("?");
    let label = format!("{} {} · {}", text::short_time(e.time), e.method, account);
    let tip = format!(
        "{} {} → {} via {} as {}",
        text::time(e.time),
        e.from,
        e.to,
        e.method,
        account
    );
    let _ = write!(
        s,
        "<g class=\"edge\"><title>{}</title><line x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{ex:.1}\" y2=\"{ey:.1}\" \
         stroke=\"#374151\" stroke-width=\"1.6\" marker-end=\"url(#lm-arrow)\"/>\
         <text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" class=\"edge-label\">{}</text></g>",
        escape::html(&tip),
        escape::html(&truncate(&label, 44)),
    );
}

fn graph_nodes_svg(s: &mut String, nodes: &[Node], pos: &[(f64, f64)]) {
    for (i, (n, &(x, y))) in nodes.iter().zip(pos).enumerate() {
        let (fill, what) = match n.kind {
            "zero" => ("#b91c1c", "patient zero"),
            "encrypted" => ("#7c2d12", "encrypted"),
            "host" => ("#c2410c", "compromised host"),
            _ => ("#6b7280", "outside source"),
        };
        let tip = match Timestamp::from_micros(n.first) {
            Ok(t) => format!("{} ({what}), first seen {}", n.name, text::time(t)),
            Err(_) => format!("{} ({what})", n.name),
        };
        let _ = write!(
            s,
            "<g class=\"node\"><title>{}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{NODE_R}\" fill=\"{fill}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"node-num\">{}</text>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"node-label\">{}</text></g>",
            escape::html(&tip),
            y + 5.0,
            i + 1,
            y + NODE_R + 16.0,
            escape::html(&truncate(&n.name, 30)),
        );
    }
}

fn graph_legend(s: &mut String) {
    let items = [
        ("#b91c1c", "patient zero"),
        ("#c2410c", "compromised"),
        ("#7c2d12", "encrypted"),
        ("#6b7280", "outside source"),
    ];
    for (i, (fill, label)) in items.iter().enumerate() {
        let y = 20.0 + i as f64 * 18.0;
        let _ = write!(
            s,
            "<circle cx=\"16\" cy=\"{y:.1}\" r=\"6\" fill=\"{fill}\"/><text x=\"28\" y=\"{:.1}\" class=\"legend\">{label}</text>",
            y + 4.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"16\" y=\"{:.1}\" class=\"legend\">Numbers: order of first compromise</text>",
        G_H - 12.0
    );
}
