//! `auth-mirror events list|show|replay|stats`: the admin API of a running instance, as
//! tables (or its JSON with `--json`).

mod bulk;
mod render;

use anyhow::Context;
use serde::Serialize;

use crate::admin::RawFilter;
use crate::cli::{EventsArgs, EventsCommand, FilterArgs};
use crate::client::admin::AdminClient;

pub async fn run(args: EventsArgs) -> anyhow::Result<()> {
    let token = args.token.clone().context(
        "ADMIN_TOKEN is not set: give the instance's admin token (--token or ADMIN_TOKEN)",
    )?;
    let client = AdminClient::new(&args.url, token)?;
    let json = args.json;
    match args.command {
        EventsCommand::List {
            filter,
            limit,
            cursor,
        } => {
            let page = client.list(&raw(filter), limit, cursor.as_deref()).await?;
            output(json, &page, render::event_page)
        }
        EventsCommand::Show { id, payload } => {
            let event = client.show(id, payload).await?;
            output(json, &event, render::event_detail)
        }
        EventsCommand::Replay { id: Some(id), .. } => {
            let result = client.replay_one(id).await?;
            output(json, &result, render::replay_result)?;
            if result.outcome == "still_failing" {
                anyhow::bail!("event {id} is still failing: fix the cause (its last error says what), then replay it again");
            }
            Ok(())
        }
        EventsCommand::Replay {
            id: None,
            filter,
            dry_run,
            limit,
        } => {
            let summary = bulk::replay(&client, raw(filter), dry_run, limit).await?;
            output(json, &summary, render::bulk_summary)?;
            bulk::still_failing(&summary)
        }
        EventsCommand::Stats => {
            let stats = client.stats().await?;
            output(json, &stats, render::stats)
        }
    }
}

/// Prints `value` as JSON or, for people, as `render` writes it.
fn output<T: Serialize>(json: bool, value: &T, render: fn(&T) -> String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", render(value));
    }
    Ok(())
}

fn raw(filter: FilterArgs) -> RawFilter {
    RawFilter {
        status: filter.status,
        source: filter.source,
        kind: filter.kind,
        user_id: filter.user_id,
        since: filter.since,
        until: filter.until,
    }
}
