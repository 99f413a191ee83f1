//! Progress of a reconcile on standard error: a progress bar on a terminal, a plain line
//! every few seconds otherwise (logs, CI).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::reconcile::{Phase, Progress};

/// The progress bar's layout.
const BAR_TEMPLATE: &str = "{prefix}{msg:>14} [{bar:30}] {pos}/{len} {per_sec} eta {eta}";

/// How often a plain progress line is written.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Shows progress; safe to update from concurrent batches.
pub struct ProgressDisplay {
    bar: Option<ProgressBar>,
    prefix: &'static str,
    last_line: Mutex<Option<(Instant, Phase)>>,
}

impl ProgressDisplay {
    pub fn new(dry_run: bool) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(BAR_TEMPLATE)
                    .expect("valid progress template (tested)")
                    .progress_chars("=> "),
            );
            bar
        });
        Self {
            bar,
            prefix: if dry_run { "(dry run) " } else { "" },
            last_line: Mutex::new(None),
        }
    }

    pub fn update(&self, progress: &Progress) {
        let effects = &progress.effects;
        match &self.bar {
            Some(bar) => {
                bar.set_prefix(self.prefix);
                bar.set_message(progress.phase.as_str());
                bar.set_length(progress.total.unwrap_or(progress.done));
                bar.set_position(progress.done);
            }
            None => {
                let mut last = self.last_line.lock().expect("display lock");
                let due = match *last {
                    Some((at, phase)) => phase != progress.phase || at.elapsed() >= LINE_EVERY,
                    None => true,
                };
                if due {
                    *last = Some((Instant::now(), progress.phase));
                    let total = progress
                        .total
                        .map(|total| format!("/{total}"))
                        .unwrap_or_default();
                    eprintln!(
                        "reconcile: {}{}: {}{total} done ({} created, {} updated, {} unchanged, {} tombstoned)",
                        self.prefix,
                        progress.phase.as_str(),
                        progress.done,
                        effects.created,
                        effects.updated,
                        effects.unchanged,
                        effects.tombstoned
                    );
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_template_parses() {
        assert!(ProgressStyle::with_template(BAR_TEMPLATE).is_ok());
    }
}
