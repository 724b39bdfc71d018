//! Lot titles proposed from their lines: the label of the lines' common CPV branch and
//! their delivery places, e.g. "Grounds maintenance services (PR1–PR3)".

use crate::cpv::{CpvCatalogue, CpvCode};
use crate::tendering::model::TenderLine;

/// Where lot titles get CPV labels from: a [`CpvCatalogue`], any
/// `Fn(&CpvCode) -> Option<String>`, or [`NoLabels`] (titles then name codes).
pub trait CpvLabels {
    /// The label of `code`, if known.
    fn label(&self, code: &CpvCode) -> Option<String>;
}

impl CpvLabels for CpvCatalogue {
    fn label(&self, code: &CpvCode) -> Option<String> {
        self.get(code).map(|e| e.label)
    }
}

impl<F: Fn(&CpvCode) -> Option<String>> CpvLabels for F {
    fn label(&self, code: &CpvCode) -> Option<String> {
        self(code)
    }
}

/// No labels: titles say "CPV 77314000".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLabels;

impl CpvLabels for NoLabels {
    fn label(&self, _: &CpvCode) -> Option<String> {
        None
    }
}

/// A title for a lot of `lines`: what (the label of the lines' common CPV branch, or of
/// each division's branch when they span divisions) and where (their delivery outcodes).
pub(crate) fn propose(lines: &[&TenderLine], labels: &dyn CpvLabels) -> String {
    let what = subject(lines, labels);
    match places(lines) {
        Some(places) => format!("{what} ({places})"),
        None => what,
    }
}

/// Appends " (2)", " (3)"… to proposed titles that repeat an earlier title, so every
/// lot can be told apart; titles the buyer wrote (`proposed[i]` false) are left as
/// written.
pub(crate) fn make_distinct(titles: &mut [String], proposed: &[bool]) {
    for i in 1..titles.len() {
        if !proposed.get(i).copied().unwrap_or(true) {
            continue;
        }
        let (before, rest) = titles.split_at_mut(i);
        let title = &mut rest[0];
        if before.contains(title) {
            let base = title.clone();
            let mut k = 2;
            while before.contains(&format!("{base} ({k})")) {
                k += 1;
            }
            *title = format!("{base} ({k})");
        }
    }
}

fn subject(lines: &[&TenderLine], labels: &dyn CpvLabels) -> String {
    let codes: Vec<&CpvCode> = lines.iter().map(|l| &l.cpv).collect();
    if let Some(branch) = common_branch(&codes) {
        return branch_label(&branch, labels);
    }
    // Spanning divisions: name each division's branch, biggest share of value first.
    let mut divisions: Vec<(&str, u64, Vec<&CpvCode>)> = Vec::new();
    for l in lines {
        let d = &l.cpv.as_str()[..2];
        match divisions.iter_mut().find(|(x, _, _)| *x == d) {
            Some((_, value, codes)) => {
                *value = value.saturating_add(l.value_gbp.pounds());
                codes.push(&l.cpv);
            }
            None => divisions.push((d, l.value_gbp.pounds(), vec![&l.cpv])),
        }
    }
    divisions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let names: Vec<String> = divisions
        .iter()
        .filter_map(|(_, _, codes)| common_branch(codes))
        .map(|b| branch_label(&b, labels))
        .collect();
    match names.as_slice() {
        [] => String::from("Mixed lot"),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} other categories", rest.len()),
    }
}

/// The most specific code whose branch holds all `codes`: their longest common prefix
/// (at least the two division digits), padded with zeros.
fn common_branch(codes: &[&CpvCode]) -> Option<CpvCode> {
    let first = codes.first()?.significant_prefix();
    let len = codes.iter().fold(first.len(), |len, c| {
        first
            .bytes()
            .zip(c.significant_prefix().bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    if len < 2 {
        return None;
    }
    CpvCode::parse(&format!("{:0<8}", &first[..len])).ok()
}

/// The label of `code`, or of its nearest labelled ancestor (the CPV list skips levels);
/// "CPV 77314000" when none is known.
fn branch_label(code: &CpvCode, labels: &dyn CpvLabels) -> String {
    let mut digits = code.as_str().to_owned();
    loop {
        if let Some(label) = CpvCode::parse(&digits).ok().and_then(|c| labels.label(&c)) {
            return label;
        }
        match digits.bytes().rposition(|b| b != b'0') {
            Some(last) if last >= 2 => digits.replace_range(last..=last, "0"),
            _ => return format!("CPV {code}"),
        }
    }
}

/// "PR1", "PR1, BB2", "PR1–PR3" for a run of consecutive districts, or "PR1, PR4 and 3
/// more places"; `None` when no line has a delivery place.
fn places(lines: &[&TenderLine]) -> Option<String> {
    let mut outcodes: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.delivery.as_ref())
        .map(|d| d.outcode.as_str())
        .collect();
    outcodes.sort_by_key(|o| outcode_order(o));
    outcodes.dedup();
    let parsed: Vec<(String, u32, String)> = outcodes.iter().map(|o| outcode_order(o)).collect();
    let consecutive = parsed.len() >= 3
        && parsed.windows(2).all(|w| {
            w[0].0 == w[1].0 && w[0].2.is_empty() && w[1].2.is_empty() && w[0].1 + 1 == w[1].1
        });
    match outcodes.as_slice() {
        [] => None,
        [first, .., last] if consecutive => Some(format!("{first}–{last}")),
        list if list.len() <= 3 => Some(list.join(", ")),
        [a, b, rest @ ..] => Some(format!("{a}, {b} and {} more places", rest.len())),
        _ => None,
    }
}

/// Area letters, district number, and any trailing letter: "PR10" sorts after "PR9".
fn outcode_order(o: &str) -> (String, u32, String) {
    let letters: String = o.chars().take_while(char::is_ascii_alphabetic).collect();
    let rest = &o[letters.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let suffix = rest[digits.len()..].to_owned();
    (letters, digits.parse().unwrap_or(0), suffix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tendering::rules::tests::{line, place, PRESTON};

    fn labels(code: &CpvCode) -> Option<String> {
        match code.as_str() {
            "77310000" => Some("Planting and maintenance services of green areas".into()),
            "77314000" => Some("Grounds maintenance services".into()),
            "77000000" => Some("Horticultural services".into()),
            "90910000" => Some("Cleaning services".into()),
            _ => None,
        }
    }

    fn title(lines: &[TenderLine]) -> String {
        propose(&lines.iter().collect::<Vec<_>>(), &labels)
    }

    #[test]
    fn a_lot_of_one_code_is_named_after_it_and_its_place_range() {
        let lines: Vec<TenderLine> = ["PR2", "PR1", "PR3", "PR2"]
            .iter()
            .enumerate()
            .map(|(i, o)| line(i as i64, "77314000", 1, Some(place(o, PRESTON))))
            .collect();
        assert_eq!(title(&lines), "Grounds maintenance services (PR1–PR3)");
    }

    #[test]
    fn sibling_codes_are_named_after_their_nearest_labelled_ancestor() {
        let lines = [line(1, "77314100", 1, None), line(2, "77313000", 1, None)];
        assert_eq!(
            title(&lines),
            "Planting and maintenance services of green areas"
        );
    }

    #[test]
    fn lines_in_several_divisions_are_named_biggest_first() {
        let lines = [
            line(1, "77314000", 10, Some(place("PR1", PRESTON))),
            line(2, "90911200", 30, Some(place("PR9", PRESTON))),
            line(3, "90919200", 30, None),
        ];
        assert_eq!(
            title(&lines),
            "Cleaning services and Grounds maintenance services (PR1, PR9)"
        );
    }

    #[test]
    fn without_labels_a_title_names_the_code() {
        let lines = [line(1, "45442100", 1, None)];
        let t = propose(&lines.iter().collect::<Vec<_>>(), &NoLabels);
        assert_eq!(t, "CPV 45442100");
    }

    #[test]
    fn many_scattered_places_are_summarised() {
        let lines: Vec<TenderLine> = ["PR1", "PR10", "BB2", "PR4", "LA1"]
            .iter()
            .enumerate()
            .map(|(i, o)| line(i as i64, "77314000", 1, Some(place(o, PRESTON))))
            .collect();
        assert_eq!(
            title(&lines),
            "Grounds maintenance services (BB2, LA1 and 3 more places)"
        );
    }

    #[test]
    fn repeated_proposed_titles_get_a_number() {
        let mut titles = vec!["A".to_owned(), "B".into(), "A".into(), "A".into()];
        make_distinct(&mut titles, &[true; 4]);
        assert_eq!(titles, ["A", "B", "A (2)", "A (3)"]);
    }

    #[test]
    fn titles_the_buyer_wrote_are_never_renamed() {
        let mut titles = vec!["A".to_owned(), "A".into(), "A".into()];
        make_distinct(&mut titles, &[true, false, true]);
        assert_eq!(titles, ["A", "A", "A (2)"]);
    }

    #[test]
    fn a_catalogue_supplies_labels() {
        let cat = CpvCatalogue::from_json(r#"{"77314000-0": "Grounds maintenance services"}"#)
            .expect("valid list");
        let lines = [line(1, "77314000", 1, None)];
        assert_eq!(
            propose(&lines.iter().collect::<Vec<_>>(), &cat),
            "Grounds maintenance services"
        );
    }
}
