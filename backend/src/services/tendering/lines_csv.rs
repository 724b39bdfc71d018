//! A schedule of requirement lines uploaded as CSV (real schedules have 50–200 lines).
//!
//! The columns are found from the header, whatever their order and however they are
//! spelt ("Description", "CPV code", "Value (£)", "Qty", "Unit", "Delivery postcode"); the
//! delimiter is a comma, semicolon or tab, whichever the header uses. Every row is checked
//! like a line typed in the table and errors name the row as the file numbers it
//! (`rows[7].cpv`, the header being row 1). All or nothing: one bad row and no line is
//! saved.

use super::tenders::{check_line, CheckedLine};
use crate::state::Env;
use domain::tendering::dto::ItemInput;
use domain::tendering::MAX_LINES;
use domain::text::Gbp;
use domain::validation::FieldErrors;

/// Which column holds what.
#[derive(Debug, Default, PartialEq, Eq)]
struct Columns {
    description: Option<usize>,
    cpv: Option<usize>,
    value: Option<usize>,
    quantity: Option<usize>,
    unit: Option<usize>,
    delivery: Option<usize>,
}

fn normalise(h: &str) -> String {
    h.trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '£' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn columns(header: &[String]) -> Columns {
    let mut c = Columns::default();
    // "Item" or "Line no" name the description column only when nothing says "description".
    let mut description_fallback = None;
    for (i, raw) in header.iter().enumerate() {
        let h = normalise(raw);
        let words: Vec<&str> = h.split(' ').collect();
        let has = |w: &str| words.contains(&w);
        let slot = if h.contains("cpv") {
            &mut c.cpv
        } else if h.contains("postcode") || h.contains("outcode") || has("delivery") {
            &mut c.delivery
        } else if has("qty") || h.contains("quantity") {
            &mut c.quantity
        } else if h.contains("desc") {
            &mut c.description
        } else if has("item") || has("requirement") || has("line") {
            &mut description_fallback
        } else if h.contains("value")
            || h.contains('£')
            || has("gbp")
            || has("amount")
            || has("cost")
            || has("price")
        {
            &mut c.value
        } else if has("unit") || has("units") || has("uom") {
            &mut c.unit
        } else {
            continue;
        };
        slot.get_or_insert(i);
    }
    c.description = c.description.or(description_fallback);
    c
}

fn delimiter(first_line: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

/// Reads and checks every row.
///
/// # Errors
/// `FieldErrors`: `file` for a file that cannot be read or lacks a needed column,
/// `rows[N].field` for each bad cell.
pub fn read(env: &Env, text: &str) -> Result<Vec<CheckedLine>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(first))
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        match rec {
            Ok(r) => records.push((
                r.position().map_or(n as u64 + 1, |p| p.line()),
                r.iter().map(str::to_owned).collect::<Vec<_>>(),
            )),
            Err(e) => {
                errors.add("file", format!("this is not a CSV file we can read: {e}"));
                return Err(errors);
            }
        }
    }
    let mut rows = records
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = rows.next() else {
        errors.add("file", "the file is empty: the first row names the columns");
        return Err(errors);
    };
    let cols = columns(&header);
    let mut missing = Vec::new();
    if cols.description.is_none() {
        missing.push("description");
    }
    if cols.cpv.is_none() {
        missing.push("CPV code");
    }
    if cols.value.is_none() {
        missing.push("value (£)");
    }
    if !missing.is_empty() {
        errors.add(
            "file",
            format!(
                "the first row must name the columns; none is for {} (found: {})",
                missing.join(", "),
                header.join(", ")
            ),
        );
        return Err(errors);
    }
    let cell = |row: &[String], c: Option<usize>| -> Option<String> {
        c.and_then(|i| row.get(i))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let mut lines = Vec::new();
    let mut count = 0_usize;
    for (line_no, row) in rows {
        count += 1;
        let prefix = format!("rows[{line_no}]");
        let value_gbp = match cell(&row, cols.value) {
            None => None,
            Some(v) => match Gbp::parse(&v) {
                Ok(g) => Some(g.pounds()),
                Err(e) => {
                    errors.add(format!("{prefix}.value_gbp"), e.to_string());
                    continue;
                }
            },
        };
        let quantity = match cell(&row, cols.quantity) {
            None => None,
            Some(q) => match q.replace(',', "").parse::<f64>() {
                Ok(q) => Some(q),
                Err(_) => {
                    errors.add(format!("{prefix}.quantity"), "a quantity is a number");
                    continue;
                }
            },
        };
        let item = ItemInput {
            id: None,
            description: cell(&row, cols.description),
            cpv: cell(&row, cols.cpv),
            value_gbp,
            quantity,
            unit: cell(&row, cols.unit),
            delivery_postcode: cell(&row, cols.delivery),
        };
        if let Some(line) = check_line(env, &prefix, &item, &mut errors) {
            lines.push(line);
        }
    }
    if count == 0 {
        errors.add("file", "the file has a header but no lines");
    } else if count > MAX_LINES {
        errors.add(
            "file",
            format!("a tender has at most {MAX_LINES} lines; this file has {count}"),
        );
    }
    errors.into_result(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn columns_are_found_from_differently_spelt_headers() {
        let c = columns(&header(&[
            "Line no",
            "Qty",
            "Item description",
            "CPV code",
            "Unit",
            "Estimated value (£)",
            "Delivery postcode",
        ]));
        assert_eq!(c.quantity, Some(1));
        assert_eq!(c.cpv, Some(3));
        assert_eq!(c.unit, Some(4));
        assert_eq!(c.value, Some(5));
        assert_eq!(c.delivery, Some(6));
        assert_eq!(c.description, Some(2));
        let plain = columns(&header(&["Item", "CPV", "£"]));
        assert_eq!(
            (plain.description, plain.cpv, plain.value),
            (Some(0), Some(1), Some(2))
        );
    }

    #[test]
    fn the_delimiter_is_the_one_the_header_uses() {
        assert_eq!(delimiter("description;cpv;value"), b';');
        assert_eq!(delimiter("description\tcpv\tvalue"), b'\t');
        assert_eq!(delimiter("description,cpv,value"), b',');
    }
}
