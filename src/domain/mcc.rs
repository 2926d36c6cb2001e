//! Merchant category codes to spending categories: the `monobank` crate's table
//! ([`monobank::mcc`], its `assets/mcc-categories.tsv` names the source), by the English names
//! the statement's `category` filter, the CSV and the summaries use.

use monobank::mcc::{Category, Mcc};

/// The category of codes no line holds.
pub const OTHER: &str = "Other";

/// Every category name, each once, in the table's order, [`OTHER`] last.
pub fn names() -> impl Iterator<Item = &'static str> {
    Category::ALL.iter().map(|c| c.name())
}

/// The spending category of a merchant category code.
pub fn category(mcc: i32) -> &'static str {
    Mcc(mcc).category().name()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn other_is_the_last_name() {
        assert_eq!(names().last(), Some(OTHER));
        assert_eq!(Category::Other.name(), OTHER);
    }
}
