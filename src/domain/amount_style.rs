//! How a person reads amounts, a setting of each user.

/// How a person reads amounts: `1 338 439,09 ₴` (Ukrainian, the default) or `₴1,338,439.09`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AmountStyle {
    #[default]
    Ukrainian,
    English,
}

impl AmountStyle {
    /// The style of a name (`uk` or `en`), `None` for any other.
    pub fn parse(name: &str) -> Option<Self> {
        [AmountStyle::Ukrainian, AmountStyle::English]
            .into_iter()
            .find(|style| style.as_str() == name)
    }

    /// The stored name (`uk` or `en`); anything else is the default.
    pub fn from_stored(name: &str) -> Self {
        AmountStyle::parse(name).unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AmountStyle::Ukrainian => "uk",
            AmountStyle::English => "en",
        }
    }
}
