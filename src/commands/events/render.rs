//! What `auth-mirror events` prints for people: tables and short summaries.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};

use crate::admin::types::{BulkReplaySummary, EventDetail, EventPage, ReplayResult, Stats};

pub fn event_page(page: &EventPage) -> String {
    let mut table = table(&[
        "ID",
        "RECEIVED",
        "SOURCE",
        "KIND",
        "STATUS",
        "ATTEMPTS",
        "USER",
        "LAST ERROR",
    ]);
    for event in &page.items {
        table.add_row(vec![
            event.id.to_string(),
            time(Some(event.received_at)),
            event.source.clone(),
            event.kind.clone(),
            event.status.clone(),
            event.attempts.to_string(),
            optional(event.user_id),
            event.last_error.clone().unwrap_or_default(),
        ]);
    }
    let mut text = format!("{table}\n");
    match &page.next_cursor {
        Some(cursor) => writeln!(text, "more: --cursor {cursor}").unwrap(),
        None => writeln!(text, "{} event(s)", page.items.len()).unwrap(),
    }
    text
}

pub fn event_detail(event: &EventDetail) -> String {
    let summary = &event.summary;
    let rows = [
        ("id", summary.id.to_string()),
        ("source", summary.source.clone()),
        ("kind", summary.kind.clone()),
        ("status", summary.status.clone()),
        ("user", optional(summary.user_id)),
        ("received", time(Some(summary.received_at))),
        ("signed", time(Some(event.signed_at))),
        ("webhook id", event.webhook_id.clone()),
        ("attempts", summary.attempts.to_string()),
        ("last attempt", time(event.last_attempt_at)),
        ("next attempt", time(summary.next_attempt_at)),
        ("last error", summary.last_error.clone().unwrap_or_default()),
        (
            "applied via",
            summary.applied_via.clone().unwrap_or_default(),
        ),
        ("effect", summary.effect.clone().unwrap_or_default()),
        (
            "payload",
            if event.payload_expunged {
                "expunged"
            } else {
                "stored"
            }
            .into(),
        ),
    ];
    let mut text = String::new();
    for (name, value) in rows {
        writeln!(text, "{name:<13} {value}").unwrap();
    }
    if let Some(payload) = &event.payload {
        let pretty = serde_json::to_string_pretty(payload).unwrap_or_default();
        writeln!(text, "\n{pretty}").unwrap();
    }
    text
}

pub fn replay_result(result: &ReplayResult) -> String {
    let mut text = format!(
        "event {}: {} (status {}, {} attempt(s))\n",
        result.id,
        result.outcome.replace('_', " "),
        result.status,
        result.attempts
    );
    if let Some(error) = &result.last_error {
        writeln!(text, "last error: {error}").unwrap();
    }
    text
}

pub fn bulk_summary(summary: &BulkReplaySummary) -> String {
    let mut text = if summary.dry_run {
        format!(
            "dry run: {} failed or dead event(s) match, {} of them expunged (not replayable)\n",
            summary.matched, summary.expunged
        )
    } else {
        format!(
            "matched {}, replayed {}: {} applied, {} still failing, {} ignored; \
             {} expunged, {} skipped\n",
            summary.matched,
            summary.replayed,
            summary.applied,
            summary.still_failing,
            summary.ignored,
            summary.expunged,
            summary.skipped
        )
    };
    if let Some(cursor) = &summary.next_cursor {
        writeln!(text, "stopped at the limit; the server's cursor: {cursor}").unwrap();
    }
    text
}

pub fn stats(stats: &Stats) -> String {
    let statuses: Vec<&String> = stats.by_status.keys().collect();
    let mut header = vec!["SOURCE"];
    header.extend(statuses.iter().map(|status| status.as_str()));
    let mut table = table(&header);
    for (source, counts) in &stats.by_source {
        let mut row = vec![source.clone()];
        row.extend(
            statuses
                .iter()
                .map(|status| counts.get(*status).copied().unwrap_or(0).to_string()),
        );
        table.add_row(row);
    }
    let mut total = vec!["all".to_owned()];
    total.extend(stats.by_status.values().map(i64::to_string));
    table.add_row(total);
    let errors = &stats.trigger_errors;
    format!(
        "{table}\noldest failed: {}\noldest dead:   {}\ntrigger errors: {} ({} in the last 24 h, latest {})\n",
        time(stats.oldest_failed_at),
        time(stats.oldest_dead_at),
        errors.total,
        errors.last_24h,
        time(errors.latest_at)
    )
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_header(header.to_vec());
    table
}

fn time(time: Option<DateTime<Utc>>) -> String {
    time.map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".into())
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value
        .map(|value| value.to_string())
        .unwrap_or_else(|| "-".into())
}
