//! Splitting a campaign's rows across machines: `--shard I/N` renders share I of
//! N. A row's share comes from a hash of its name, not its position, so a row
//! keeps its shard when rows are added or reordered, and every engine that runs
//! the N commands (a Kubernetes Indexed Job, a Slurm array, GNU parallel over
//! hosts) renders each row exactly once.

/// `"2/8"` → `(2, 8)`, with 1 ≤ I ≤ N.
pub(crate) fn parse(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("shard {text:?} is not I/N with 1 ≤ I ≤ N (e.g. 2/8)");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n) = (
        i.trim().parse::<usize>().map_err(|_| bad())?,
        n.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The share (1..=n) of a row whose slugged name is `slug`.
pub(crate) fn of(slug: &str, n: usize) -> usize {
    let hash = blake3::hash(slug.as_bytes());
    let n64 = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
    (n64 % n as u64) as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_reject_nonsense() {
        assert_eq!(parse("2/8"), Ok((2, 8)));
        assert_eq!(parse(" 1 / 1 "), Ok((1, 1)));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", "-1/3"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_name_lands_in_one_share_and_the_shares_are_even() {
        let names: Vec<String> = (1..=577).map(|i| format!("candidate-{i}")).collect();
        let mut counts = [0usize; 8];
        for name in &names {
            let s = of(name, 8);
            assert!((1..=8).contains(&s));
            assert_eq!(of(name, 8), s, "the same name, the same share");
            counts[s - 1] += 1;
        }
        // 577 / 8 ≈ 72 a share: a fair hash stays well within ±40 %.
        assert!(counts.iter().all(|&c| (43..=101).contains(&c)), "{counts:?}");
        assert!(names.iter().all(|n| of(n, 1) == 1));
    }
}
