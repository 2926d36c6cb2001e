//! The words of the pages, in Ukrainian and English (`docs/languages.md`).
//!
//! Every user-visible text of the HTML pages comes from the Fluent catalogs beside this file,
//! `uk.ftl` and `en.ftl`, which hold the same message ids (a test compares them). Fluent picks
//! plural forms by the CLDR rules of each language (Ukrainian has `one`, `few`, `many` and
//! `other`). The language of a request is chosen once, by the pages' middleware, and held in a
//! task-local for the request, the way amounts carry their style: [`t`] and its siblings read
//! it, so a template or a formatting helper never threads it through.
//!
//! The JSON API does not use these catalogs: its messages stay the documented English ones.

use std::future::Future;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language of the interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Ukrainian: the language of a request that states no other.
    #[default]
    Uk,
    En,
}

impl Lang {
    /// Every language, in the order the language menus list them.
    pub const ALL: [Lang; 2] = [Lang::Uk, Lang::En];

    /// The BCP 47 code: `<html lang>`, the cookie and the stored setting.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, as language menus write it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Uk => "Українська",
            Lang::En => "English",
        }
    }

    /// The language of a stored or posted code; `None` for any other text.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "uk" => Some(Lang::Uk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a language tag (`uk-UA`, `en`, `EN-gb`): its primary subtag.
    fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        Lang::from_code(&primary.to_ascii_lowercase())
    }

    /// The best language of an `Accept-Language` header (RFC 9110 §12.5.4): the supported one
    /// with the highest weight, the earlier on a tie; `None` when it names neither (`*` too:
    /// the default then decides).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u16)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::of_tag) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), weight_of);
            match weight {
                Some(w) if w > 0 && best.is_none_or(|(_, b)| w > b) => best = Some((lang, w)),
                _ => {}
            }
        }
        best.map(|(lang, _)| lang)
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        let [uk, en] = &*BUNDLES;
        match self {
            Lang::Uk => uk,
            Lang::En => en,
        }
    }
}

/// A `q` value (`0.8`, `1`, `0.125`) in thousandths; `None` when it is not one.
fn weight_of(q: &str) -> Option<u16> {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = match int {
        "0" => format!("{frac:0<3}").parse::<u16>().ok()?,
        "1" if frac.bytes().all(|b| b == b'0') => 1000,
        _ => return None,
    };
    Some(thousandths)
}

/// The catalogs as they ship, by language.
pub const CATALOGS: [(Lang, &str); 2] = [
    (Lang::Uk, include_str!("uk.ftl")),
    (Lang::En, include_str!("en.ftl")),
];

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> = LazyLock::new(|| {
    let [(_, uk), (_, en)] = CATALOGS;
    [bundle(Lang::Uk, uk), bundle(Lang::En, en)]
});

/// One language's bundle. A catalog that does not parse is a build defect, which the catalog
/// tests catch; here its readable messages are kept and the rest logged.
fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let tag: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // The pages are HTML, not bidirectional text: no isolation marks around arguments.
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(lang = lang.code(), ?errors, "catalog has syntax errors");
            partial
        });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            lang = lang.code(),
            ?errors,
            "catalog has duplicate messages"
        );
    }
    bundle
}

tokio::task_local! {
    /// The language of the page being answered.
    static LANG: Lang;
}

/// The language of the page being answered. Outside a page (the JSON API, the CLI, the
/// workers) it is English, the language of the API's documented messages.
pub fn lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Runs `work` (a page's answer) in `lang`.
pub async fn with_lang<F: Future>(lang: Lang, work: F) -> F::Output {
    LANG.scope(lang, work).await
}

/// The message `id` in `lang` with `args`. A message the catalog lacks is written as `⟦id⟧`,
/// which the page tests look for, and logged.
pub fn text_in(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let bundle = lang.bundle();
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(lang = lang.code(), id, "message missing from the catalog");
        return format!("⟦{id}⟧");
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(lang = lang.code(), id, ?errors, "message did not format");
    }
    text.into_owned()
}

/// The services' English sentences that pages show (form errors, notices, error pages), as
/// `said-*` messages of the English catalog: sentence → id for those without arguments, and a
/// pattern for those with them.
struct Said {
    exact: std::collections::HashMap<String, String>,
    patterns: Vec<SaidPattern>,
}

/// A `said-*` message with arguments, as the literal text around them ("Search for at most ",
/// " characters.") and their names in order.
struct SaidPattern {
    id: String,
    literals: Vec<String>,
    names: Vec<String>,
}

/// The private-use marks that stand for an argument while a pattern is read.
const MARK: char = '\u{E000}';

static SAID: LazyLock<Said> = LazyLock::new(|| {
    let [_, (_, english)] = CATALOGS;
    let mut said = Said {
        exact: std::collections::HashMap::new(),
        patterns: Vec::new(),
    };
    for line in english.lines().filter(|l| l.starts_with("said-")) {
        let Some((id, value)) = line.split_once(" = ") else {
            continue;
        };
        let id = id.trim_end();
        if !value.contains('{') {
            said.exact
                .insert(text_in(Lang::En, id, None), id.to_owned());
            continue;
        }
        // A message that picks a form by a number (`->`) is formatted by the page itself.
        if value.contains("->") || value.trim_end().ends_with('{') {
            continue;
        }
        let names: Vec<String> = value
            .split("{ $")
            .skip(1)
            .filter_map(|rest| rest.split_once(" }").map(|(name, _)| name.to_owned()))
            .collect();
        let mut args = FluentArgs::new();
        for name in &names {
            args.set(name.clone(), MARK.to_string());
        }
        let marked = text_in(Lang::En, id, Some(&args));
        // A pattern that starts with an argument would match too much: not supported.
        if marked.starts_with(MARK) {
            tracing::error!(id, "a said-* message starts with an argument");
            continue;
        }
        said.patterns.push(SaidPattern {
            id: id.to_owned(),
            literals: marked.split(MARK).map(str::to_owned).collect(),
            names,
        });
    }
    said
});

impl SaidPattern {
    /// The arguments of `sentence` when it is this pattern's sentence.
    fn read<'s>(&self, sentence: &'s str) -> Option<Vec<&'s str>> {
        let (first, rest) = self.literals.split_first()?;
        let mut tail = sentence.strip_prefix(first.as_str())?;
        let mut values = Vec::with_capacity(self.names.len());
        for (i, literal) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            let at = if last {
                if !tail.ends_with(literal.as_str()) {
                    return None;
                }
                tail.len() - literal.len()
            } else {
                // An argument is never empty: look for the next literal after its first char.
                let first = tail.chars().next()?.len_utf8();
                tail[first..].find(literal.as_str())? + first
            };
            let value = &tail[..at];
            if value.is_empty() {
                return None;
            }
            values.push(value);
            tail = &tail[at + literal.len()..];
        }
        tail.is_empty().then_some(values)
    }
}

/// An English sentence of the services (the JSON API's words) in the page's language. The
/// catalogs hold each sentence a user can meet on a page as a `said-*` message whose English
/// text is the sentence itself; a sentence with numbers or names in it is matched against the
/// English message's text around its arguments, which are carried over (a number as a number,
/// so it picks its plural form). One without a message is shown as it is, in English.
pub fn said(english: &str) -> String {
    if lang() == Lang::En {
        return english.to_owned();
    }
    let said = &*SAID;
    if let Some(id) = said.exact.get(english) {
        return t(id);
    }
    for pattern in &said.patterns {
        if let Some(values) = pattern.read(english) {
            let args: Vec<(&str, FluentValue<'_>)> = pattern
                .names
                .iter()
                .zip(values)
                .map(|(name, value)| {
                    let value = match value.parse::<i64>() {
                        Ok(n) => FluentValue::from(n),
                        Err(_) => FluentValue::from(value),
                    };
                    (name.as_str(), value)
                })
                .collect();
            return ta(&pattern.id, &args);
        }
    }
    tracing::debug!(english, "sentence not in the catalogs");
    english.to_owned()
}

/// The message `id` in the request's language.
pub fn t(id: &str) -> String {
    text_in(lang(), id, None)
}

/// The message `id` with `args` (a number picks the plural form).
pub fn ta(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut all = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        all.set(*name, value.clone());
    }
    text_in(lang(), id, Some(&all))
}

/// A value a template gives a message: text, or a number (which picks the plural form).
/// Templates pass their values by reference, so references are values too.
pub trait Arg {
    fn value(&self) -> FluentValue<'_>;
}

impl Arg for str {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::from(self)
    }
}

impl Arg for String {
    fn value(&self) -> FluentValue<'_> {
        FluentValue::from(self.as_str())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn value(&self) -> FluentValue<'_> {
                FluentValue::from(*self)
            }
        }
    )*};
}
number_arg!(i64, i32, i16, u64, u32, u16, u8, usize);

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> FluentValue<'_> {
        (**self).value()
    }
}

/// The message `id` with one argument.
pub fn t1(id: &str, name: &str, value: impl Arg) -> String {
    ta(id, &[(name, value.value())])
}

/// The message `id` with two arguments.
pub fn t2(id: &str, n1: &str, v1: impl Arg, n2: &str, v2: impl Arg) -> String {
    ta(id, &[(n1, v1.value()), (n2, v2.value())])
}

/// The message `id` with three arguments.
pub fn t3(
    id: &str,
    n1: &str,
    v1: impl Arg,
    n2: &str,
    v2: impl Arg,
    n3: &str,
    v3: impl Arg,
) -> String {
    ta(id, &[(n1, v1.value()), (n2, v2.value()), (n3, v3.value())])
}

/// The name of a spending category (the English names of `domain::mcc`, which the statement's
/// `category` filter takes) in the page's language.
pub fn category(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    t(&format!("category-{slug}"))
}

/// The name of a currency (`alpha` its ISO 4217 code) in the page's language: the catalog's
/// `currency-…` message for the currencies people meet most, else `english` (ISO 4217's name).
pub fn currency_name(alpha: &str, english: String) -> String {
    let id = format!("currency-{}", alpha.to_ascii_lowercase());
    if lang().bundle().has_message(&id) {
        t(&id)
    } else {
        english
    }
}

/// The name of month `month` (1-12) on its own ("Листопад", "November").
pub fn month_name(month: i8) -> String {
    t(&format!("month-{month}"))
}

/// The short name of month `month` (1-12), for chart labels ("лист.", "Nov").
pub fn month_short(month: i8) -> String {
    t(&format!("month-short-{month}"))
}

/// "Листопад 2026", "November 2026".
pub fn month_year(month: i8, year: i16) -> String {
    ta(
        "month-year",
        &[
            ("month", month_name(month).into()),
            ("year", year.to_string().into()),
        ],
    )
}

/// A day as a heading: "понеділок, 30 листопада 2026", "Monday, 30 November 2026".
pub fn day_heading(day: jiff::civil::Date) -> String {
    let weekday = day.weekday().to_monday_one_offset();
    ta(
        "day-heading",
        &[
            ("weekday", t(&format!("weekday-{weekday}")).into()),
            ("day", day.day().to_string().into()),
            ("month", t(&format!("month-of-{}", day.month())).into()),
            ("year", day.year().to_string().into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_lang(lang: Lang, f: impl FnOnce() -> String) -> String {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(with_lang(lang, async { f() })))
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
    }

    #[test]
    fn accept_language_picks_the_heaviest_supported_tag() {
        assert_eq!(Lang::from_accept_language("uk-UA,uk;q=0.9"), Some(Lang::Uk));
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, uk;q=0.8"),
            Some(Lang::Uk)
        );
        assert_eq!(Lang::from_accept_language("EN-gb"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("en;q=0.4, uk;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0, uk;q=0.1"),
            Some(Lang::Uk)
        );
        assert_eq!(Lang::from_accept_language("de-DE, fr"), None);
        assert_eq!(Lang::from_accept_language("*"), None);
        assert_eq!(Lang::from_accept_language(""), None);
        // A weight that is not one is refused, not read as 1.
        assert_eq!(
            Lang::from_accept_language("en;q=2, uk;q=0.5"),
            Some(Lang::Uk)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.1234, uk;q=0.001"),
            Some(Lang::Uk)
        );
    }

    #[test]
    fn ukrainian_counts_take_their_plural_forms() {
        let holds = |n: i64| in_lang(Lang::Uk, || t1("statement-holds-pending", "n", n));
        assert!(
            holds(1).starts_with(
                "1 блокування коштів у цьому періоді ще не завершене: банк може списати іншу суму"
            ),
            "{}",
            holds(1)
        );
        assert!(
            holds(21).starts_with(
                "21 блокування коштів у цьому періоді ще не завершене: банк може списати інші суми"
            ),
            "{}",
            holds(21)
        );
        let ops = |n: i64| in_lang(Lang::Uk, || t1("operations", "n", n));
        assert_eq!(ops(1), "1 операція");
        assert_eq!(ops(3), "3 операції");
        assert_eq!(ops(5), "5 операцій");
        assert_eq!(ops(11), "11 операцій");
        assert_eq!(ops(22), "22 операції");
        assert_eq!(
            in_lang(Lang::En, || t1("operations", "n", 1)),
            "1 operation"
        );
        assert_eq!(
            in_lang(Lang::En, || t1("operations", "n", 2)),
            "2 operations"
        );
    }

    #[test]
    fn months_and_weekdays_are_named_in_each_language() {
        let day = jiff::civil::date(2026, 11, 30);
        assert_eq!(
            in_lang(Lang::Uk, || day_heading(day)),
            "понеділок, 30 листопада 2026"
        );
        assert_eq!(
            in_lang(Lang::En, || day_heading(day)),
            "Monday, 30 November 2026"
        );
        assert_eq!(in_lang(Lang::Uk, || month_year(11, 2026)), "Листопад 2026");
        assert_eq!(in_lang(Lang::En, || month_year(3, 2026)), "March 2026");
    }

    #[test]
    fn the_services_sentences_are_found_with_their_numbers() {
        let uk = |english: &str| in_lang(Lang::Uk, || said(english));
        assert_eq!(
            uk("Invalid username or password."),
            "Неправильне ім’я користувача або пароль."
        );
        assert_eq!(
            uk("Password must be at least 12 characters (it has 5)."),
            "Пароль має містити щонайменше 12 символів (зараз 5)."
        );
        assert_eq!(
            uk("You have 21 API keys already; revoke one first."),
            "У вас уже 21 ключ API; спершу відкличте один."
        );
        assert_eq!(
            uk("You have 25 API keys already; revoke one first."),
            "У вас уже 25 ключів API; спершу відкличте один."
        );
        // Arguments of any script are carried over whole.
        assert_eq!(
            uk("Not a category. Choose one of: Продукти, Кафе."),
            "Такої категорії немає; оберіть одну зі списку."
        );
        // Not quite the sentence: left as it is.
        assert_eq!(uk("Password must be at least"), "Password must be at least");
        assert_eq!(
            uk("Search for at most characters."),
            "Search for at most characters."
        );
        assert_eq!(
            in_lang(Lang::En, || said("You have 3 API keys")),
            "You have 3 API keys"
        );
    }

    #[test]
    fn a_missing_message_is_marked_not_hidden() {
        assert_eq!(
            in_lang(Lang::En, || t("no-such-message")),
            "⟦no-such-message⟧"
        );
    }
}
