//! Merchant category codes to spending categories, from the table shipped in
//! `assets/mcc-categories.tsv` (its header names the source). The table is compiled in and parsed
//! once; a malformed line is a build-time mistake that the unit test below catches.

use std::sync::OnceLock;

const TABLE: &str = include_str!("../../assets/mcc-categories.tsv");

/// The category of codes no line holds.
pub const OTHER: &str = "Other";

struct Range {
    from: i32,
    to: i32,
    category: &'static str,
}

fn parse(table: &'static str) -> Result<Vec<Range>, String> {
    table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            let mut cols = line.split('\t');
            let mut code = || cols.next().and_then(|c| c.trim().parse::<i32>().ok());
            match (code(), code(), cols.next().map(str::trim)) {
                (Some(from), Some(to), Some(category)) if from <= to && !category.is_empty() => {
                    Ok(Range { from, to, category })
                }
                _ => Err(format!("mcc-categories.tsv line {}: {line:?}", n + 1)),
            }
        })
        .collect()
}

fn table() -> &'static [Range] {
    static RANGES: OnceLock<Vec<Range>> = OnceLock::new();
    RANGES.get_or_init(|| {
        parse(TABLE).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the MCC table is malformed; every code shows as Other");
            Vec::new()
        })
    })
}

/// Every category name, each once, in the table's order, [`OTHER`] last.
pub fn names() -> impl Iterator<Item = &'static str> {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            let mut names: Vec<&'static str> = Vec::new();
            for range in table() {
                if !names.contains(&range.category) && range.category != OTHER {
                    names.push(range.category);
                }
            }
            names.push(OTHER);
            names
        })
        .iter()
        .copied()
}

/// The spending category of a merchant category code.
pub fn category(mcc: i32) -> &'static str {
    table()
        .iter()
        .find(|r| (r.from..=r.to).contains(&mcc))
        .map_or(OTHER, |r| r.category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses() {
        let ranges = parse(TABLE);
        assert!(ranges.is_ok(), "{:?}", ranges.err());
        assert!(ranges.map(|r| r.len()).unwrap_or(0) > 50);
    }

    #[test]
    fn codes_fall_into_their_categories() {
        assert_eq!(category(5411), "Groceries");
        assert_eq!(category(5812), "Cafes and restaurants");
        assert_eq!(category(4829), "Transfers");
        assert_eq!(category(6011), "Cash");
        assert_eq!(category(3015), "Travel", "an airline");
        assert_eq!(category(5912), "Health and beauty");
        assert_eq!(category(5999), "Shopping");
        assert_eq!(category(5818), "Digital goods and subscriptions");
        assert_eq!(category(0), OTHER);
        assert_eq!(category(-1), OTHER);
    }

    #[test]
    fn a_bad_line_is_reported() {
        assert!(parse("5411\tx\tGroceries").is_err());
        assert!(parse("5412\t5411\tBackwards").is_err());
        assert!(parse("5411\t5411\t").is_err());
    }
}
