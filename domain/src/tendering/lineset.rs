//! A fixed-size set of line indices, so a supplier's "lines it can do" and a lot's lines
//! are four machine words and "can it bid for this lot" is four ANDs.

/// The most requirement lines one tender may have for planning (real schedules have up to
/// about 200 lines).
pub const MAX_LINES: usize = 256;

const WORDS: usize = MAX_LINES / 64;

/// A set of line indices `0..MAX_LINES`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct LineSet([u64; WORDS]);

impl LineSet {
    pub(crate) const EMPTY: Self = Self([0; WORDS]);

    pub(crate) fn single(i: usize) -> Self {
        let mut s = Self::EMPTY;
        s.insert(i);
        s
    }

    /// The set of the first `n` indices.
    pub(crate) fn first(n: usize) -> Self {
        let mut s = Self::EMPTY;
        for i in 0..n {
            s.insert(i);
        }
        s
    }

    /// The set whose bits are those of `bits` (for the exact search over at most 64 lines).
    pub(crate) const fn from_bits(bits: u64) -> Self {
        let mut words = [0; WORDS];
        words[0] = bits;
        Self(words)
    }

    /// The lowest 64 indices as bits.
    pub(crate) const fn low_bits(self) -> u64 {
        self.0[0]
    }

    pub(crate) fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub(crate) fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }

    pub(crate) const fn contains(self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub(crate) fn len(self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when every index of `self` is in `other`.
    pub(crate) fn is_subset_of(self, other: Self) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| a & !b == 0)
    }

    pub(crate) fn intersects(self, other: Self) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    pub(crate) fn union(mut self, other: Self) -> Self {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }

    pub(crate) fn intersection(mut self, other: Self) -> Self {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= b;
        }
        self
    }

    /// The indices in increasing order.
    pub(crate) fn iter(self) -> impl Iterator<Item = usize> {
        self.0.into_iter().enumerate().flat_map(|(w, mut bits)| {
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(w * 64 + b)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_spanning_several_words_behave_like_sets() {
        let mut a = LineSet::EMPTY;
        for i in [0, 63, 64, 130, 255] {
            a.insert(i);
        }
        assert_eq!(a.len(), 5);
        assert_eq!(a.iter().collect::<Vec<_>>(), [0, 63, 64, 130, 255]);
        assert!(a.contains(130) && !a.contains(129));
        let b = LineSet::single(130).union(LineSet::single(64));
        assert!(b.is_subset_of(a));
        assert!(!a.is_subset_of(b));
        assert!(a.intersects(b));
        assert_eq!(a.intersection(b), b);
        a.remove(130);
        assert!(!b.is_subset_of(a));
        assert!(LineSet::EMPTY.is_subset_of(b) && LineSet::EMPTY.is_empty());
        assert_eq!(LineSet::first(70).len(), 70);
        assert_eq!(LineSet::from_bits(0b101).iter().collect::<Vec<_>>(), [0, 2]);
        assert_eq!(LineSet::first(3).low_bits(), 0b111);
    }
}
