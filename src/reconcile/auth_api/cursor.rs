//! Where a listing of the Admin API has got to, and why offset pages cannot skip anyone.
//!
//! GoTrue lists users newest first (`created_at` descending) by offset: page `p` is
//! positions `[(p-1)·M, p·M)` of the list *at the time of the request*. Between two
//! requests, users sign up (inserted at the front: everyone behind moves back) and are
//! deleted (anyone behind a deleted user moves forward). A user who exists throughout moves
//! by `inserted − deleted ahead of it ≥ inserted − deleted = ΔX-Total-Count`: it can move
//! forward by at most the drop in the total, and never while the total does not drop.
//!
//! So the cursor keeps `covered`: every user not seen yet sat at a position `≥ covered`
//! when the last page was fetched. When the next page comes back with a total `d` lower,
//! unseen users are at `≥ covered − d`. If the page started at or before that, it covered
//! the gap and `covered` moves to its end; if not, `covered` goes back to `covered − d` and
//! the earlier page is fetched again. The listing is complete when a page covering the gap
//! ends at or past the total: every user who existed throughout has been seen (duplicates
//! are possible, skips are not). Users created during the listing may be missed; they are
//! not tombstoned, because every tombstone is first confirmed by `GET /admin/users/{id}`,
//! and a last pass over the head of the list (where they are) picks them up.
//!
//! GoTrue's `Link` header (`rel="next"`, `rel="last"`) is derived from the same total at
//! the same moment, so it adds nothing to `X-Total-Count` and the page's length.

/// The listing's position (persisted as the checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub per_page: u64,
    pub covered: u64,
    /// `X-Total-Count` of the last page fetched (0 before the first).
    pub last_total: u64,
}

/// What a fetched page means for the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Fetch `Cursor::next_page` next.
    Continue,
    /// Every user that existed throughout the listing has been seen.
    Complete,
    /// The page came back short before the total: the server caps the page size.
    ShortPage,
}

impl Cursor {
    pub fn start(per_page: u64) -> Self {
        Self {
            per_page,
            covered: 0,
            last_total: 0,
        }
    }

    /// The 1-based page to fetch next.
    pub fn next_page(&self) -> u64 {
        self.covered / self.per_page + 1
    }

    /// Takes in page `page`, which held `count` users out of `total`.
    pub fn record(&mut self, page: u64, count: u64, total: u64) -> Step {
        let drop = self.last_total.saturating_sub(total);
        self.last_total = total;
        let unseen_from = self.covered.saturating_sub(drop);
        let start = (page - 1) * self.per_page;
        if start > unseen_from {
            // Users may have moved into positions before this page: go back.
            self.covered = unseen_from;
            return Step::Continue;
        }
        let end = start + count;
        self.covered = unseen_from.max(end);
        if count < self.per_page {
            return if end >= total {
                Step::Complete
            } else {
                Step::ShortPage
            };
        }
        Step::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_list_is_read_page_after_page() {
        let mut cursor = Cursor::start(2);
        assert_eq!(cursor.next_page(), 1);
        assert_eq!(cursor.record(1, 2, 5), Step::Continue);
        assert_eq!(cursor.next_page(), 2);
        assert_eq!(cursor.record(2, 2, 5), Step::Continue);
        assert_eq!(cursor.next_page(), 3);
        assert_eq!(cursor.record(3, 1, 5), Step::Complete);
    }

    #[test]
    fn signups_between_pages_only_cause_duplicates() {
        let mut cursor = Cursor::start(2);
        cursor.record(1, 2, 4);
        // Two signups: the total grows, nobody moved forward.
        assert_eq!(cursor.record(2, 2, 6), Step::Continue);
        assert_eq!(cursor.next_page(), 3);
    }

    #[test]
    fn a_deletion_between_pages_sends_the_listing_back() {
        let mut cursor = Cursor::start(2);
        cursor.record(1, 2, 5);
        // A user of page 1 was deleted: the first user of old page 2 is now on page 1.
        assert_eq!(cursor.record(2, 2, 4), Step::Continue);
        assert_eq!(cursor.next_page(), 1);
        assert_eq!(cursor.record(1, 2, 4), Step::Continue);
        assert_eq!(cursor.next_page(), 2);
        assert_eq!(cursor.record(2, 2, 4), Step::Continue);
        assert_eq!(cursor.record(3, 0, 4), Step::Complete);
    }

    #[test]
    fn a_page_shorter_than_asked_before_the_end_is_reported() {
        let mut cursor = Cursor::start(1000);
        assert_eq!(cursor.record(1, 50, 120), Step::ShortPage);
    }

    #[test]
    fn an_empty_list_is_complete_at_once() {
        assert_eq!(Cursor::start(10).record(1, 0, 0), Step::Complete);
    }
}
