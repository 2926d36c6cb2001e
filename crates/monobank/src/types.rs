//! The wire types of the Monobank personal API, with the exact field names as Monobank sends
//! them and the real key order (struct field order is serialization order, which the sandbox relies
//! on). Parsing is lenient: unknown fields are ignored, only identity fields are required, optional
//! fields may be absent (or null where Mono sends null), and open enums stay strings. Optional
//! fields are omitted when serialized, never written as null.

use serde::{Deserialize, Deserializer, Serialize};

/// One rate of `GET /bank/currency`.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CurrencyInfo {
    /// The currency being priced, ISO 4217 numeric code (840 for USD).
    pub currency_code_a: u16,
    /// The currency the rates are given in, ISO 4217 numeric code (980 for UAH in most pairs).
    pub currency_code_b: u16,
    /// When the bank set this rate, Unix seconds; it differs from pair to pair.
    #[serde(default)]
    pub date: i64,
    /// The price at which the bank buys one unit of currency A, in currency B; absent for pairs
    /// that carry only a cross rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_buy: Option<f64>,
    /// The price at which the bank sells one unit of currency A, in currency B; absent for pairs
    /// that carry only a cross rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_sell: Option<f64>,
    /// The cross rate: one unit of currency A in currency B. Most pairs (all against UAH) carry
    /// only this one; the pairs with buy and sell rates usually lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_cross: Option<f64>,
}

/// `GET /bank/sync` (v250818): the key that signs webhook events.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BankSync {
    /// The id of the signing key; signed webhook events are reported to name it in `X-Key-Id`.
    pub server_key_id: String,
    /// Base64 of the uncompressed 65-byte secp256k1 point.
    pub server_pub_key: String,
    /// Monobank's current time, Unix **milliseconds** (the one field of the API not in seconds).
    #[serde(default)]
    pub server_time_msec: i64,
}

/// `GET /personal/client-info`.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserInfo {
    /// The client's id at Monobank.
    #[serde(default)]
    pub client_id: String,
    /// The client's name as Monobank shows it.
    #[serde(default)]
    pub name: String,
    /// The URL new operations are sent to; `""` when no webhook is set.
    #[serde(default)]
    pub web_hook_url: String,
    /// What the token may read, one letter per permission; opaque to this crate.
    #[serde(default)]
    pub permissions: String,
    /// The client's cards and accounts. Their order changes between calls: never rely on position.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// The client's jars; `None` when Monobank leaves the field out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jars: Option<Vec<Jar>>,
    /// The clients an accountant's token manages (v250818); `None` when Monobank leaves the field
    /// out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_clients: Option<Vec<ManagedClient>>,
}

/// A card or fop account. `balance` includes the credit limit.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// The account id, used as the `account` of a statement request.
    pub id: String,
    /// The id for sending money to the account through send.monobank.ua; empty when absent.
    #[serde(default)]
    pub send_id: String,
    /// The balance in minor units of the account's currency, credit limit included (see
    /// [`own_funds`](Self::own_funds)).
    #[serde(default)]
    pub balance: i64,
    /// The credit limit in minor units of the account's currency.
    #[serde(default)]
    pub credit_limit: i64,
    /// black, white, platinum, iron, fop, yellow, eAid, … (open set).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The account's currency, ISO 4217 numeric code.
    #[serde(default)]
    pub currency_code: u16,
    /// None, UAH, Miles; null or absent for some accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashback_type: Option<String>,
    /// The masked numbers of the account's cards (`537541******1234`); may be empty.
    #[serde(default)]
    pub masked_pan: Vec<String>,
    /// The account's IBAN.
    #[serde(default)]
    pub iban: String,
}

impl Account {
    /// Own funds: the balance without the credit limit.
    pub fn own_funds(&self) -> i64 {
        self.balance.saturating_sub(self.credit_limit)
    }
}

/// A jar ("банка"); its id works as a statement account.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Jar {
    /// The jar id; it works as the `account` of a statement request.
    pub id: String,
    /// The id for topping the jar up through send.monobank.ua; may start with `jar/`.
    #[serde(default)]
    pub send_id: String,
    /// The jar's name, as its owner set it.
    #[serde(default)]
    pub title: String,
    /// The jar's description; may be empty.
    #[serde(default)]
    pub description: String,
    /// The jar's currency, ISO 4217 numeric code.
    #[serde(default)]
    pub currency_code: u16,
    /// The amount saved, in minor units of the jar's currency.
    #[serde(default)]
    pub balance: i64,
    /// The target amount in minor units of the jar's currency; `None` when Monobank sends no goal
    /// (absent or null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<i64>,
}

/// A client an accountant manages (v250818).
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedClient {
    /// The managed client's id.
    #[serde(default)]
    pub client_id: String,
    /// A string in the spec, a number in its example: both are accepted.
    #[serde(default, deserialize_with = "string_or_number")]
    pub tin: String,
    /// The managed client's name.
    #[serde(default)]
    pub name: String,
    /// The managed client's accounts.
    #[serde(default)]
    pub accounts: Vec<ManagedAccount>,
}

/// An account of a [`ManagedClient`]: a shorter form of [`Account`], without cards, `sendId` or
/// cashback.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedAccount {
    /// The account id.
    pub id: String,
    /// The balance in minor units of the account's currency.
    #[serde(default)]
    pub balance: i64,
    /// The credit limit in minor units of the account's currency.
    #[serde(default)]
    pub credit_limit: i64,
    /// The account type (`type` on the wire), an open set like [`Account::kind`].
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The account's currency, ISO 4217 numeric code.
    #[serde(default)]
    pub currency_code: u16,
    /// The account's IBAN.
    #[serde(default)]
    pub iban: String,
}

/// One operation of a statement or a webhook event.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatementItem {
    /// The operation's id, unique (several operations may share a second, never an id).
    pub id: String,
    /// When the operation happened, Unix seconds.
    pub time: i64,
    /// The operation's description as Monobank shows it.
    #[serde(default)]
    pub description: String,
    /// The merchant category code (ISO 18245).
    #[serde(default)]
    pub mcc: i32,
    /// The original merchant category code (ISO 18245), which Monobank sends next to
    /// [`mcc`](Self::mcc).
    #[serde(default)]
    pub original_mcc: i32,
    /// The amount in minor units of the account's currency; negative for a debit.
    pub amount: i64,
    /// The amount in minor units of the operation's currency
    /// ([`currency_code`](Self::currency_code)); negative for a debit.
    #[serde(default)]
    pub operation_amount: i64,
    /// In practice the operation's currency, not the account's.
    #[serde(default)]
    pub currency_code: u16,
    /// An amount, despite the name.
    #[serde(default)]
    pub commission_rate: i64,
    /// The cashback the operation earned, in minor units.
    #[serde(default)]
    pub cashback_amount: i64,
    /// The account's balance after the operation, in minor units of the account's currency.
    #[serde(default)]
    pub balance: i64,
    /// `true` while the amount is only blocked (a hold), not yet settled.
    #[serde(default)]
    pub hold: bool,
    /// The comment entered with a transfer; absent when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The receipt number, for looking the receipt up at check.gov.ua; absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// The invoice number; absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// The counterparty's EDRPOU (Ukrainian company register) code; Monobank sends it only in
    /// statements of fop accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_edrpou: Option<String>,
    /// The counterparty's IBAN; Monobank sends it only in statements of fop accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_iban: Option<String>,
    /// The counterparty's name; absent when Monobank does not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_name: Option<String>,
}

impl StatementItem {
    /// An operation in the account's own currency with no optional fields, no commission or
    /// cashback, settled; set the rest on the value.
    pub fn new(
        id: String,
        time: i64,
        description: &str,
        mcc: i32,
        amount: i64,
        currency_code: u16,
    ) -> Self {
        StatementItem {
            id,
            time,
            description: description.to_owned(),
            mcc,
            original_mcc: mcc,
            amount,
            operation_amount: amount,
            currency_code,
            commission_rate: 0,
            cashback_amount: 0,
            balance: 0,
            hold: false,
            comment: None,
            receipt_id: None,
            invoice_id: None,
            counter_edrpou: None,
            counter_iban: None,
            counter_name: None,
        }
    }
}

/// The body of a webhook POST.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event type (`type` on the wire); [`STATEMENT_ITEM_EVENT`] is the only one known.
    #[serde(rename = "type")]
    pub kind: String,
    /// What the event is about.
    pub data: WebhookData,
}

/// The `data` of a [`WebhookEvent`]: the new operation and the account it belongs to.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookData {
    /// The id of the account or jar the operation belongs to.
    pub account: String,
    /// The new operation, in the same shape as in a statement.
    pub statement_item: StatementItem,
}

impl WebhookData {
    /// An operation of `account`.
    pub fn new(account: impl Into<String>, statement_item: StatementItem) -> Self {
        WebhookData {
            account: account.into(),
            statement_item,
        }
    }
}

impl WebhookEvent {
    /// The [`STATEMENT_ITEM_EVENT`] of an operation, as Monobank delivers it.
    pub fn statement_item(data: WebhookData) -> Self {
        WebhookEvent {
            kind: STATEMENT_ITEM_EVENT.into(),
            data,
        }
    }
}

/// The only event type Mono is known to send.
pub const STATEMENT_ITEM_EVENT: &str = "StatementItem";

/// Mono's error body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Text for people, such as `Unknown 'X-Token'`; programs should branch on the HTTP status,
    /// not on this text.
    pub error_description: String,
}

/// `POST /personal/webhook` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
    /// The URL Monobank should send events to; empty to remove the webhook.
    pub web_hook_url: String,
}

fn string_or_number<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tin {
        Text(String),
        Number(serde_json::Number),
        Null(()),
    }
    Ok(match Tin::deserialize(de)? {
        Tin::Text(s) => s,
        Tin::Number(n) => n.to_string(),
        Tin::Null(()) => String::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn currency_list_with_buy_sell_and_cross_decodes() {
        let json = r#"[
          {"currencyCodeA":840,"currencyCodeB":980,"date":1764403206,"rateBuy":41.05,"rateSell":41.5505},
          {"currencyCodeA":978,"currencyCodeB":840,"date":1764403206,"rateBuy":1.152,"rateSell":1.165},
          {"currencyCodeA":826,"currencyCodeB":980,"date":1764437409,"rateCross":55.7734},
          {"currencyCodeA":191,"currencyCodeB":980,"date":1627000000,"rateBuy":4.1,"rateSell":4.3,"rateCross":4.2,"extra":1}
        ]"#;
        let list: Vec<CurrencyInfo> = serde_json::from_str(json).unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[0].rate_sell, Some(41.5505));
        assert_eq!(list[2].rate_buy, None);
        assert_eq!(list[3].rate_cross, Some(4.2));
        let back = serde_json::to_string(&list[2]).unwrap();
        assert_eq!(
            back,
            r#"{"currencyCodeA":826,"currencyCodeB":980,"date":1764437409,"rateCross":55.7734}"#
        );
    }

    #[test]
    fn client_info_fixtures_decode() {
        // Missing jars, a null cashbackType, an unknown card type, an unknown top-level field,
        // managed clients with a numeric tin.
        let json = r#"{
          "clientId":"3MSaMMtczs","name":"Мазепа Іван","webHookUrl":"","permissions":"psfj",
          "accounts":[
            {"id":"kKGVoZuHWzqVoZuH","sendId":"uHWzqVoZuH","balance":10000000,"creditLimit":10000000,
             "type":"black","currencyCode":980,"cashbackType":"UAH","maskedPan":["537541******1234"],
             "iban":"UA733220010000026201234567890"},
            {"id":"fop1","sendId":"","balance":0,"creditLimit":0,"type":"fop","currencyCode":980,
             "cashbackType":null,"maskedPan":[],"iban":"UA1"},
            {"id":"new1","balance":5,"creditLimit":0,"type":"quantumCard","currencyCode":985}
          ],
          "managedClients":[{"clientId":"m1","tin":1234567890,"name":"ФОП","accounts":[
            {"id":"ma","balance":1,"creditLimit":0,"type":"fop","currencyCode":980,"iban":"UA2"}]}],
          "somethingNew": {"x": 1}
        }"#;
        let info: UserInfo = serde_json::from_str(json).unwrap();
        assert_eq!(info.accounts.len(), 3);
        assert_eq!(info.accounts[0].own_funds(), 0);
        assert_eq!(info.accounts[1].cashback_type, None);
        assert_eq!(info.accounts[2].kind, "quantumCard");
        assert_eq!(info.accounts[2].send_id, "");
        assert_eq!(info.jars, None);
        assert_eq!(info.managed_clients.unwrap()[0].tin, "1234567890");
        let with_string_tin: ManagedClient =
            serde_json::from_str(r#"{"clientId":"m","tin":"0123","name":"x","accounts":[]}"#)
                .unwrap();
        assert_eq!(with_string_tin.tin, "0123");
    }

    #[test]
    fn jars_with_and_without_goal_decode() {
        let json = r#"[
          {"id":"jar1","sendId":"jar/abc","title":"На авто","description":"","currencyCode":980,"balance":1000,"goal":1000000},
          {"id":"jar2","sendId":"jar/def","title":"Без цілі","description":"d","currencyCode":980,"balance":5},
          {"id":"jar3","sendId":"","title":"t","description":"","currencyCode":840,"balance":5,"goal":null}
        ]"#;
        let jars: Vec<Jar> = serde_json::from_str(json).unwrap();
        assert_eq!(jars[0].goal, Some(1_000_000));
        assert_eq!(jars[1].goal, None);
        assert_eq!(jars[2].goal, None);
    }

    const FULL_ITEM: &str = r#"{"id":"ZuHWzqkKGVo=","time":1554466347,"description":"Покупка щастя","mcc":7997,"originalMcc":7997,"amount":-95000,"operationAmount":-95000,"currencyCode":980,"commissionRate":0,"cashbackAmount":19000,"balance":10050000,"hold":false,"comment":"За каву","receiptId":"XXXX-XXXX-XXXX-XXXX","invoiceId":"2103.в.27","counterEdrpou":"3096889974","counterIban":"UA898999980000355639201001404","counterName":"ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «ВОРОНА»"}"#;

    #[test]
    fn statement_items_round_trip_in_the_real_key_order() {
        let item: StatementItem = serde_json::from_str(FULL_ITEM).unwrap();
        assert!(item
            .counter_name
            .as_deref()
            .is_some_and(|n| n.contains("ВОРОНА")));
        assert_eq!(serde_json::to_string(&item).unwrap(), FULL_ITEM);
        let bare = r#"{"id":"a","time":1,"description":"","mcc":0,"originalMcc":0,"amount":-1,"operationAmount":-1,"currencyCode":980,"commissionRate":0,"cashbackAmount":0,"balance":0,"hold":true}"#;
        let item: StatementItem = serde_json::from_str(bare).unwrap();
        assert_eq!(item.comment, None);
        assert_eq!(
            serde_json::to_string(&item).unwrap(),
            bare,
            "absent stays absent, never null"
        );
    }

    #[test]
    fn webhook_event_decodes() {
        let json = format!(
            r#"{{"type":"StatementItem","data":{{"account":"kKGVoZuHWzqVoZuH","statementItem":{FULL_ITEM}}}}}"#
        );
        let event: WebhookEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(event.kind, STATEMENT_ITEM_EVENT);
        assert_eq!(event.data.statement_item.amount, -95000);
        assert_eq!(serde_json::to_string(&event).unwrap(), json);
    }
}

/// `POST /personal/auth/registration`: a provider asks for access to the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Base64 of the whole public key PEM text.
    pub pubkey: String,
    /// The service's name.
    pub name: String,
    /// What the service does and why it needs the API.
    pub description: String,
    /// Who to talk to.
    pub contact_person: String,
    /// A phone number, digits only (`380671234567`).
    pub phone: String,
    /// An e-mail address.
    pub email: String,
    /// Base64 of the service's logo (a PNG).
    pub logo: String,
}

/// `POST /personal/auth/registration/status`'s body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistrationStatusRequest {
    /// Base64 of the whole public key PEM text, as registered.
    pub pubkey: String,
}

/// What the bank says of a registration.
#[derive(Clone, Default, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationStatus {
    /// `New`, `Declined` or `Approved` (other words are kept as they come).
    pub status: String,
    /// The key id the bank knows the key by (the status answer has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// `POST /personal/auth/request`'s answer: a user's access request. `Debug` hides both fields
/// (each carries the request id, a credential once accepted).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TokenRequest {
    /// The request id; once accepted, the user's credential.
    pub token_request_id: String,
    /// Where the user accepts (a QR code on a computer, a link on a phone).
    pub accept_url: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenRequest([redacted])")
    }
}

/// `GET /personal/corp/settings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CorpSettings {
    /// The registered public key (base64 of its PEM).
    #[serde(default)]
    pub pubkey: String,
    /// The service's name.
    #[serde(default)]
    pub name: String,
    /// The permission letters granted to the company.
    #[serde(default)]
    pub permission: String,
    /// The logo (base64).
    #[serde(default)]
    pub logo: String,
    /// The company's webhook URL; `""` when none is set.
    #[serde(default)]
    pub webhook: String,
}
