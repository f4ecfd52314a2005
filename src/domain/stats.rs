//! Percentiles as PostgreSQL's `percentile_cont` computes them: linear interpolation between
//! the two closest ranks. Selection instead of a full sort, so a year of durations costs O(n).

/// The `p` percentile (0–1) of `values` (reordered in place); `None` for no values.
pub fn percentile_cont(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let pos = p.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let cmp = |a: &f64, b: &f64| a.total_cmp(b);
    let (_, lo_v, rest) = values.select_nth_unstable_by(lo, cmp);
    let lo_v = *lo_v;
    if hi == lo {
        return Some(lo_v);
    }
    // The next rank is the smallest value above position `lo`.
    let hi_v = rest.iter().copied().min_by(cmp).unwrap_or(lo_v);
    Some(lo_v + (hi_v - lo_v) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_percentile_cont() {
        // SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES (1),(2),(3),(4)) v(x) → 2.5
        assert_eq!(percentile_cont(&mut [4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        // … percentile_cont(0.9) over 1..10 → 9.1
        let mut v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert!((percentile_cont(&mut v, 0.9).unwrap() - 9.1).abs() < 1e-12);
        assert_eq!(percentile_cont(&mut [7.0], 0.9), Some(7.0));
        assert_eq!(percentile_cont(&mut [], 0.5), None);
        assert_eq!(percentile_cont(&mut [3.0, 1.0, 2.0], 0.0), Some(1.0));
        assert_eq!(percentile_cont(&mut [3.0, 1.0, 2.0], 1.0), Some(3.0));
        let mut dup = [5.0, 5.0, 1.0, 5.0];
        assert_eq!(percentile_cont(&mut dup, 0.5), Some(5.0));
    }
}
