//! Splitting the id space so several statements reconcile at once.

use uuid::Uuid;

/// `jobs` consecutive slices of the uuid space, as exclusive `(after, before)` bounds
/// (`None` = unbounded). Random (v4) ids spread evenly over them.
pub(super) fn id_slices(jobs: usize) -> Vec<(Option<Uuid>, Option<Uuid>)> {
    let step = u128::MAX / jobs as u128;
    let boundary = |index: usize| step * index as u128;
    // Lower bounds are exclusive, so a boundary id belongs to the slice below it, whose
    // (exclusive) upper bound is therefore the boundary + 1.
    (0..jobs)
        .map(|index| {
            let after = (index > 0).then(|| Uuid::from_u128(boundary(index)));
            let before = (index + 1 < jobs).then(|| Uuid::from_u128(boundary(index + 1) + 1));
            (after, before)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_id_space_without_gaps_or_overlap() {
        let slices = id_slices(3);
        assert_eq!(slices.len(), 3);
        assert_eq!(slices[0].0, None);
        assert_eq!(slices[2].1, None);
        for pair in slices.windows(2) {
            let (before, next_after) = (pair[0].1.unwrap(), pair[1].0.unwrap());
            // Slice i takes ids < before; slice i+1 takes ids > next_after: exactly one id,
            // `next_after`, would fall between, unless before = next_after + 1.
            assert_eq!(before.as_u128(), next_after.as_u128() + 1);
        }
    }

    #[test]
    fn one_job_is_the_whole_space() {
        assert_eq!(id_slices(1), vec![(None, None)]);
    }
}
