//! The overview's chart: events received per minute over the last hour, stacked by status,
//! drawn as inline SVG on the server (no script, no image request).

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use maud::{html, Markup};

/// Minutes the chart covers, the current one included.
pub const MINUTES: i32 = 60;
/// Statuses bottom to top, with their colours (each above 3:1 against white).
const STATUSES: [(&str, &str); 4] = [
    ("applied", "#1e7b34"),
    ("ignored", "#6b7280"),
    ("failed", "#c2410c"),
    ("dead", "#7f1d1d"),
];
const BAR: i64 = 11;
const HEIGHT: i64 = 140;

/// The chart of `rows` (minute, status, count) ending at the minute of `now`.
pub fn deliveries(rows: &[(DateTime<Utc>, String, i64)], now: DateTime<Utc>) -> Markup {
    let last = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    let first = last - TimeDelta::minutes(i64::from(MINUTES - 1));
    let mut minutes: BTreeMap<i64, BTreeMap<&str, i64>> = BTreeMap::new();
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for (minute, status, count) in rows {
        let slot = (*minute - first).num_minutes();
        if (0..i64::from(MINUTES)).contains(&slot) {
            *minutes
                .entry(slot)
                .or_default()
                .entry(status.as_str())
                .or_default() += count;
            *totals.entry(status.as_str()).or_default() += count;
        }
    }
    let peak = minutes
        .values()
        .map(|by| by.values().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let width = BAR * i64::from(MINUTES);
    let summary: Vec<String> = STATUSES
        .iter()
        .map(|(status, _)| format!("{} {status}", totals.get(status).copied().unwrap_or(0)))
        .collect();
    // The plot stretches to the page's width (bars scale, strokes do not); the axis labels
    // are HTML beside it, so they keep the page's type size on a phone and a wide screen.
    html! {
        figure.chart {
            div.chart-plot {
                svg role="img" aria-labelledby="chart-title chart-desc"
                    viewBox={ "0 0 " (width) " " (HEIGHT) } preserveAspectRatio="none"
                    xmlns="http://www.w3.org/2000/svg" {
                    title id="chart-title" { "Events received per minute, last hour" }
                    desc id="chart-desc" { "In the last hour: " (summary.join(", ")) "." }
                    line x1="0" y1=(HEIGHT) x2=(width) y2=(HEIGHT) stroke="#4b5563" stroke-width="2" vector-effect="non-scaling-stroke" {}
                    @for (slot, by) in &minutes {
                        g {
                            title { (layout_minute(first, *slot)) ": " (describe(by)) }
                            @for (y, h, colour) in stack(by, peak) {
                                rect x=(slot * BAR) y=(y) width=(BAR - 2) height=(h) fill=(colour) {}
                            }
                        }
                    }
                }
                div.chart-y aria-hidden="true" { span { (peak) } span { "0" } }
            }
            div.chart-x aria-hidden="true" { span { "−60 min" } span { "now" } }
            figcaption {
                @for (status, colour) in STATUSES {
                    span style={ "display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em;background:" (colour) } {}
                    (status) " " (totals.get(status).copied().unwrap_or(0))
                }
            }
        }
    }
}

/// The bars of one minute, bottom up: (y, height, colour).
fn stack(by: &BTreeMap<&str, i64>, peak: i64) -> Vec<(i64, i64, &'static str)> {
    let mut top = HEIGHT;
    let mut bars = Vec::new();
    for (status, colour) in STATUSES {
        let count = by.get(status).copied().unwrap_or(0);
        if count > 0 {
            let height = (count * HEIGHT / peak).max(1);
            top -= height;
            bars.push((top, height, colour));
        }
    }
    bars
}

fn describe(by: &BTreeMap<&str, i64>) -> String {
    let parts: Vec<String> = by
        .iter()
        .map(|(status, count)| format!("{count} {status}"))
        .collect();
    parts.join(", ")
}

fn layout_minute(first: DateTime<Utc>, slot: i64) -> String {
    (first + TimeDelta::minutes(slot))
        .format("%H:%M UTC")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn bars_stack_by_status_and_old_minutes_are_left_out() {
        let now = at("2024-05-01T10:30:20Z");
        let rows = vec![
            (at("2024-05-01T09:00:00Z"), "applied".to_owned(), 9),
            (at("2024-05-01T10:30:00Z"), "applied".to_owned(), 3),
            (at("2024-05-01T10:30:00Z"), "failed".to_owned(), 1),
        ];

        let svg = deliveries(&rows, now).into_string();

        assert!(
            svg.contains("In the last hour: 3 applied, 0 ignored, 1 failed, 0 dead."),
            "{svg}"
        );
        assert!(svg.contains("10:30 UTC: 3 applied, 1 failed"), "{svg}");
        // The peak minute (4 events) fills the height: 105 px applied, 35 px failed on top.
        assert!(
            svg.contains(r##"<rect x="649" y="35" width="9" height="105" fill="#1e7b34"></rect>"##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"<rect x="649" y="0" width="9" height="35" fill="#c2410c"></rect>"##),
            "{svg}"
        );
    }
}
