//! The buyer's edits to a plan of lots, as the lot planner page makes them: rename a lot,
//! move a line to another lot, merge two lots, split chosen lines into a new lot, or start
//! from one lot of everything. Pure functions on the plan being edited (lots numbered
//! from 0 here, from 1 on the page); the service then checks the whole plan
//! (`tenders::save_lots`: every line in exactly one lot) and works out its evidence.
//!
//! Each edit keeps every line in exactly one lot. A lot left empty by a move disappears,
//! so the plan never holds a lot without lines.

use super::dto::LotInput;
use crate::validation::FieldErrors;

/// One edit, as the page's forms ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LotEdit {
    /// Gives lot `lot` a new title (blank: the service names it "Lot N").
    Rename { lot: usize, title: String },
    /// Moves `line` from whichever lot holds it to lot `to`.
    Move { line: i64, to: usize },
    /// Puts every line of `other` into `lot` (which keeps its title) and drops `other`.
    Merge { lot: usize, other: usize },
    /// Takes the chosen `lines` out of `lot` into a new lot placed right after it.
    Split { lot: usize, lines: Vec<i64> },
    /// Starts again from one lot holding every line, in the tender's order.
    Single { lines: Vec<i64> },
}

fn error(field: &str, message: impl Into<String>) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(field, message);
    e
}

fn check_lot(lots: &[LotInput], lot: usize, field: &str) -> Result<(), FieldErrors> {
    if lot < lots.len() {
        Ok(())
    } else {
        Err(error(
            field,
            format!("there is no lot {} (the plan has {})", lot + 1, lots.len()),
        ))
    }
}

/// Applies `edit` to `lots`.
///
/// # Errors
/// Field errors naming what cannot be done: an unknown lot (`lot`, `to`, `other`), a
/// line in no lot (`line`), merging a lot with itself (`other`), a split that chooses no
/// line or every line of the lot (`lines`).
pub fn apply(mut lots: Vec<LotInput>, edit: LotEdit) -> Result<Vec<LotInput>, FieldErrors> {
    match edit {
        LotEdit::Rename { lot, title } => {
            check_lot(&lots, lot, "lot")?;
            if let Some(l) = lots.get_mut(lot) {
                l.title = title.trim().to_owned();
            }
        }
        LotEdit::Move { line, to } => {
            check_lot(&lots, to, "to")?;
            let from = lots
                .iter()
                .position(|l| l.items.contains(&line))
                .ok_or_else(|| error("line", format!("line {line} is in no lot of this plan")))?;
            if from == to {
                return Err(error(
                    "to",
                    format!("the line is already in lot {}", to + 1),
                ));
            }
            if let Some(l) = lots.get_mut(from) {
                l.items.retain(|&i| i != line);
            }
            if let Some(l) = lots.get_mut(to) {
                l.items.push(line);
            }
            lots.retain(|l| !l.items.is_empty());
        }
        LotEdit::Merge { lot, other } => {
            check_lot(&lots, lot, "lot")?;
            check_lot(&lots, other, "other")?;
            if lot == other {
                return Err(error("other", "choose another lot to merge with"));
            }
            let moved = std::mem::take(&mut lots[other].items);
            lots[lot].items.extend(moved);
            lots.remove(other);
        }
        LotEdit::Split { lot, lines } => {
            check_lot(&lots, lot, "lot")?;
            let current = &lots[lot].items;
            let chosen: Vec<i64> = current
                .iter()
                .copied()
                .filter(|i| lines.contains(i))
                .collect();
            if chosen.is_empty() {
                return Err(error("lines", "choose the lines to move into the new lot"));
            }
            if chosen.len() == current.len() {
                return Err(error(
                    "lines",
                    "leave at least one line in the lot: choose fewer lines to split off",
                ));
            }
            lots[lot].items.retain(|i| !chosen.contains(i));
            lots.insert(
                lot + 1,
                LotInput {
                    title: String::new(),
                    description: String::new(),
                    items: chosen,
                },
            );
        }
        LotEdit::Single { lines } => {
            if lines.is_empty() {
                return Err(error("lines", "the tender has no lines to put into a lot"));
            }
            lots = vec![LotInput {
                title: String::new(),
                description: String::new(),
                items: lines,
            }];
        }
    }
    Ok(lots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(title: &str, items: &[i64]) -> LotInput {
        LotInput {
            title: title.into(),
            description: String::new(),
            items: items.to_vec(),
        }
    }

    fn plan() -> Vec<LotInput> {
        vec![
            lot("Grounds", &[1, 2]),
            lot("Trees", &[3]),
            lot("Cleaning", &[4, 5]),
        ]
    }

    fn lines(lots: &[LotInput]) -> Vec<i64> {
        let mut all: Vec<i64> = lots.iter().flat_map(|l| l.items.clone()).collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn renaming_changes_only_that_lots_title_and_trims_it() {
        let out = apply(
            plan(),
            LotEdit::Rename {
                lot: 1,
                title: "  Arboriculture ".into(),
            },
        )
        .expect("renamed");
        assert_eq!(out[1].title, "Arboriculture");
        assert_eq!(out[1].items, vec![3]);
        assert_eq!(out[0].title, "Grounds");
    }

    #[test]
    fn moving_a_line_takes_it_out_of_its_lot_and_adds_it_to_the_other() {
        let out = apply(plan(), LotEdit::Move { line: 2, to: 2 }).expect("moved");
        assert_eq!(out[0].items, vec![1]);
        assert_eq!(out[2].items, vec![4, 5, 2]);
        assert_eq!(lines(&out), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn moving_the_last_line_of_a_lot_drops_the_empty_lot() {
        let out = apply(plan(), LotEdit::Move { line: 3, to: 0 }).expect("moved");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].items, vec![1, 2, 3]);
        assert_eq!(out[1].title, "Cleaning");
    }

    #[test]
    fn moving_a_line_to_its_own_lot_or_an_unknown_line_is_refused() {
        let same = apply(plan(), LotEdit::Move { line: 1, to: 0 }).expect_err("same lot");
        assert!(same.contains("to"));
        let unknown = apply(plan(), LotEdit::Move { line: 99, to: 0 }).expect_err("no line");
        assert!(unknown.contains("line"));
        let no_lot = apply(plan(), LotEdit::Move { line: 1, to: 7 }).expect_err("no lot");
        assert!(no_lot.get("to").is_some_and(|m| m.contains("no lot 8")));
    }

    #[test]
    fn merging_keeps_the_first_lots_title_and_every_line() {
        let out = apply(plan(), LotEdit::Merge { lot: 0, other: 2 }).expect("merged");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].title, "Grounds");
        assert_eq!(out[0].items, vec![1, 2, 4, 5]);
        assert_eq!(lines(&out), vec![1, 2, 3, 4, 5]);
        // Merging a later lot into an earlier one's place works the other way round too.
        let out = apply(plan(), LotEdit::Merge { lot: 2, other: 0 }).expect("merged");
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].title, "Cleaning");
        assert_eq!(out[1].items, vec![4, 5, 1, 2]);
    }

    #[test]
    fn a_lot_cannot_merge_with_itself() {
        let e = apply(plan(), LotEdit::Merge { lot: 1, other: 1 }).expect_err("itself");
        assert!(e.contains("other"));
    }

    #[test]
    fn splitting_puts_the_chosen_lines_in_a_new_lot_after_it() {
        let out = apply(
            plan(),
            LotEdit::Split {
                lot: 2,
                lines: vec![5, 1],
            },
        )
        .expect("split");
        assert_eq!(out.len(), 4);
        assert_eq!(out[2].items, vec![4]);
        assert_eq!(out[3].items, vec![5]);
        assert_eq!(out[3].title, "");
        assert_eq!(lines(&out), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_split_must_choose_some_but_not_all_of_the_lots_lines() {
        let none = apply(
            plan(),
            LotEdit::Split {
                lot: 0,
                lines: vec![],
            },
        )
        .expect_err("nothing chosen");
        assert!(none.contains("lines"));
        let all = apply(
            plan(),
            LotEdit::Split {
                lot: 0,
                lines: vec![1, 2],
            },
        )
        .expect_err("everything chosen");
        assert!(all.get("lines").is_some_and(|m| m.contains("at least one")));
    }

    #[test]
    fn starting_from_one_lot_puts_every_line_in_it() {
        let out = apply(Vec::new(), LotEdit::Single { lines: vec![7, 8] }).expect("one lot");
        assert_eq!(out, vec![lot("", &[7, 8])]);
    }
}
