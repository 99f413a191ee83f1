//! The events filter as the console's forms send it (an empty field means "any"), turned
//! into the admin API's `RawFilter`, back into a query string, and drawn as a form.

use maud::{html, Markup};
use serde::Deserialize;

use crate::admin::RawFilter;
use crate::domain::{EventStatus, Source};

/// Filter fields of a console form or link; empty fields are unset.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterFields {
    pub status: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub user_id: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl FilterFields {
    /// The admin API's filter: only the fields that are filled in, trimmed.
    pub fn raw(&self) -> RawFilter {
        let set = |field: &Option<String>| {
            field
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        RawFilter {
            status: set(&self.status),
            source: set(&self.source),
            kind: set(&self.kind),
            user_id: set(&self.user_id),
            since: set(&self.since),
            until: set(&self.until),
        }
    }

    /// The filled-in fields as `(name, value)` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let raw = self.raw();
        [
            ("status", raw.status),
            ("source", raw.source),
            ("kind", raw.kind),
            ("user_id", raw.user_id),
            ("since", raw.since),
            ("until", raw.until),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
        .collect()
    }

    /// A query string of the filled-in fields and `extra` (no leading `?`).
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs() {
            query.append_pair(name, &value);
        }
        query.extend_pairs(extra);
        query.finish()
    }

    /// The filled-in fields as hidden inputs, to carry them through a form.
    pub fn hidden(&self) -> Markup {
        html! {
            @for (name, value) in self.pairs() {
                input type="hidden" name=(name) value=(value);
            }
        }
    }

    /// The filter form of the events page (a plain `GET`).
    pub fn form(&self, action: &str) -> Markup {
        let raw = self.raw();
        html! {
            form.filters method="get" action=(action) role="search" aria-label="Filter events" {
                label { "Status" (select("status", raw.status.as_deref(), &EventStatus::ALL.map(EventStatus::as_str))) }
                label { "Source" (select("source", raw.source.as_deref(), &[Source::AuthHook, Source::DbWebhook].map(Source::as_str))) }
                label { "Kind" input name="kind" value=[raw.kind.as_deref()] placeholder="UPDATE, after-user-created…" size="28"; }
                label { "User id" input name="user_id" value=[raw.user_id.as_deref()] placeholder="uuid" size="36"; }
                label { "Received since" input name="since" value=[raw.since.as_deref()] placeholder="2024-05-01T10:00:00Z" size="22"; }
                label { "Received before" input name="until" value=[raw.until.as_deref()] placeholder="RFC 3339 time" size="22"; }
                button.primary type="submit" { "Filter" }
                a href=(action) { "Clear" }
            }
        }
    }
}

fn select(name: &str, chosen: Option<&str>, options: &[&str]) -> Markup {
    html! {
        select name=(name) {
            option value="" selected[chosen.is_none()] { "any" }
            @for option in options {
                option value=(option) selected[chosen == Some(*option)] { (option) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_unset_and_the_rest_are_encoded() {
        let fields = FilterFields {
            status: Some("failed".into()),
            kind: Some("".into()),
            since: Some("2024-05-01T10:00:00+02:00".into()),
            ..FilterFields::default()
        };

        assert_eq!(fields.raw().kind, None);
        assert_eq!(
            fields.query(&[("cursor", "abc")]),
            "status=failed&since=2024-05-01T10%3A00%3A00%2B02%3A00&cursor=abc"
        );
    }
}
