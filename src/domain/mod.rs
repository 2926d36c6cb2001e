//! Domain types that many layers share: merchant categories (and, as the layering work goes on,
//! ids, usernames and money).

pub mod mcc;
