//! Bulk replay from the command line: a dry run to count, then chunks of the server's bulk
//! replay, each continuing from the previous one's cursor, with a progress bar on a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::admin::types::{BulkReplayRequest, BulkReplaySummary};
use crate::admin::RawFilter;
use crate::client::admin::AdminClient;
use crate::client::ClientError;

/// Events per call: small enough that the bar moves and a call stays short.
const CHUNK: i64 = 500;

/// Replays what `filter` matches (at most `limit`), or only counts it with `dry_run`.
pub async fn replay(
    client: &AdminClient,
    filter: RawFilter,
    dry_run: bool,
    limit: Option<i64>,
) -> Result<BulkReplaySummary, ClientError> {
    let counted = client
        .replay_bulk(&BulkReplayRequest {
            filter: filter.clone(),
            dry_run: true,
            ..BulkReplayRequest::default()
        })
        .await?;
    if dry_run {
        return Ok(counted);
    }
    let wanted = limit.unwrap_or(i64::MAX);
    let bar = progress_bar(counted.matched.min(wanted));
    let mut total = BulkReplaySummary {
        matched: counted.matched,
        expunged: counted.expunged,
        ..BulkReplaySummary::default()
    };
    let mut cursor = None;
    loop {
        let chunk = client
            .replay_bulk(&BulkReplayRequest {
                filter: filter.clone(),
                limit: Some(CHUNK.min(wanted - total.replayed)),
                cursor: cursor.take(),
                ..BulkReplayRequest::default()
            })
            .await?;
        total.replayed += chunk.replayed;
        total.applied += chunk.applied;
        total.still_failing += chunk.still_failing;
        total.ignored += chunk.ignored;
        bar.inc(chunk.replayed as u64);
        cursor = chunk.next_cursor;
        if cursor.is_none() || total.replayed >= wanted {
            total.next_cursor = cursor;
            break;
        }
    }
    bar.finish_and_clear();
    total.skipped = (total.matched - total.replayed - total.expunged).max(0);
    Ok(total)
}

/// An error when events are still failing after a replay: their apply failed again, or their
/// payload was expunged so they can never be replayed. A dry run changes nothing: no error.
pub fn still_failing(summary: &BulkReplaySummary) -> anyhow::Result<()> {
    let left = summary.still_failing + summary.expunged;
    if summary.dry_run || left == 0 {
        return Ok(());
    }
    anyhow::bail!(
        "{left} event(s) still failing after the replay ({} failed again, {} expunged: not \
         replayable); see auth-mirror events list --status failed",
        summary.still_failing,
        summary.expunged
    )
}

/// A bar on standard error when it is a terminal; nothing otherwise.
fn progress_bar(length: i64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length.max(0) as u64);
    if let Ok(style) =
        ProgressStyle::with_template("replaying {bar:40} {pos}/{len} events ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}
