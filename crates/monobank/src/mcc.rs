//! Merchant category codes (ISO 18245), which Monobank sends as [`StatementItem::mcc`], and the
//! spending category each falls in.
//!
//! The ranges come from a table compiled into the crate (`assets/mcc-categories.tsv`: the code
//! ranges of ISO 18245 as the card networks publish them; the grouping into twenty categories is
//! this crate's). Lines are tried top to bottom and the first range that holds a code wins; a
//! code that no line holds is [`Category::Other`].
//!
//! ```
//! use monobank::mcc::{Category, Mcc};
//!
//! assert_eq!(Mcc(5411).category(), Category::Groceries);
//! assert_eq!(Mcc(5812).category().name(), "Cafes and restaurants");
//! assert_eq!(Mcc(1).category(), Category::Other);
//! assert_eq!(Category::from_name("fuel"), Some(Category::Fuel));
//! ```
//!
//! [`StatementItem::mcc`]: crate::types::StatementItem::mcc

use std::sync::OnceLock;

const TABLE: &str = include_str!("../assets/mcc-categories.tsv");

/// A merchant category code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mcc(pub i32);

impl Mcc {
    /// The spending category the code falls in.
    pub fn category(self) -> Category {
        table()
            .iter()
            .find(|r| (r.from..=r.to).contains(&self.0))
            .map_or(Category::Other, |r| r.category)
    }
}

impl std::fmt::Display for Mcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

macro_rules! categories {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A spending category of merchant category codes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Category {
            $(#[doc = $name] $variant,)*
        }

        impl Category {
            /// Every category, in the table's order, [`Category::Other`] last.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            /// The category's English name ("Cafes and restaurants").
            pub fn name(self) -> &'static str {
                match self {
                    $(Category::$variant => $name,)*
                }
            }
        }
    };
}

categories! {
    Transfers => "Transfers",
    Cash => "Cash",
    Groceries => "Groceries",
    CafesAndRestaurants => "Cafes and restaurants",
    Fuel => "Fuel",
    Transport => "Transport",
    Travel => "Travel",
    HealthAndBeauty => "Health and beauty",
    UtilitiesAndTelecom => "Utilities and telecom",
    DigitalGoodsAndSubscriptions => "Digital goods and subscriptions",
    Electronics => "Electronics",
    ClothingAndShoes => "Clothing and shoes",
    HomeAndGarden => "Home and garden",
    Entertainment => "Entertainment",
    Education => "Education",
    TaxesAndGovernment => "Taxes and government",
    Insurance => "Insurance",
    Charity => "Charity",
    Shopping => "Shopping",
    Services => "Services",
    Other => "Other",
}

impl Category {
    /// The category of an English name, in any case.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

struct Range {
    from: i32,
    to: i32,
    category: Category,
}

fn parse(table: &str) -> Result<Vec<Range>, String> {
    table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            let mut cols = line.split('\t');
            let mut code = || cols.next().and_then(|c| c.trim().parse::<i32>().ok());
            let (from, to) = (code(), code());
            let category = cols.next().map(str::trim).and_then(Category::from_name);
            match (from, to, category) {
                (Some(from), Some(to), Some(category)) if from <= to => {
                    Ok(Range { from, to, category })
                }
                _ => Err(format!("mcc-categories.tsv line {}: {line:?}", n + 1)),
            }
        })
        .collect()
}

/// The compiled-in table, parsed once. It is checked by this module's tests, so a malformed
/// line cannot ship; were one to, every code would fall in [`Category::Other`].
fn table() -> &'static [Range] {
    static RANGES: OnceLock<Vec<Range>> = OnceLock::new();
    RANGES.get_or_init(|| parse(TABLE).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_names_only_known_categories() {
        let ranges = parse(TABLE);
        assert!(ranges.is_ok(), "{:?}", ranges.err());
        assert!(ranges.map(|r| r.len()).unwrap_or(0) > 50);
    }

    #[test]
    fn every_category_but_other_has_codes_in_the_table() {
        for category in Category::ALL {
            let used = table().iter().any(|r| r.category == *category);
            assert_eq!(used, *category != Category::Other, "{category}");
        }
    }

    #[test]
    fn single_codes_win_over_the_ranges_that_hold_them() {
        assert_eq!(Mcc(4829).category(), Category::Transfers);
        assert_eq!(Mcc(6011).category(), Category::Cash);
        assert_eq!(Mcc(5411).category(), Category::Groceries);
        assert_eq!(Mcc(-1).category(), Category::Other);
        assert_eq!(Mcc(42).to_string(), "0042");
    }

    #[test]
    fn a_bad_line_is_reported() {
        assert!(parse("5411\tx\tGroceries").is_err());
        assert!(parse("5412\t5411\tGroceries").is_err());
        assert!(parse("5411\t5411\t").is_err());
        assert!(parse("5411\t5411\tNot a category").is_err());
    }

    #[test]
    fn names_are_read_back_in_any_case() {
        for category in Category::ALL {
            assert_eq!(Category::from_name(category.name()), Some(*category));
            assert_eq!(
                Category::from_name(&category.name().to_uppercase()),
                Some(*category)
            );
        }
        assert_eq!(Category::from_name("Groceries and more"), None);
    }
}
