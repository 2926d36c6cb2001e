//! The wire types of the Monobank personal API (the repository's `docs/monobank-api.md`, M4), with the exact field names
//! and the real key order (struct field order is serialization order, which the sandbox relies
//! on). Parsing is lenient: unknown fields are ignored, only identity fields are required, optional
//! fields may be absent (or null where Mono sends null), and open enums stay strings. Optional
//! fields are omitted when serialized, never written as null.

use serde::{Deserialize, Deserializer, Serialize};

/// One rate of `GET /bank/currency`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyInfo {
    pub currency_code_a: u16,
    pub currency_code_b: u16,
    #[serde(default)]
    pub date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_buy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_sell: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_cross: Option<f64>,
}

/// `GET /bank/sync` (v250818): the key that signs webhook events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankSync {
    pub server_key_id: String,
    /// Base64 of the uncompressed 65-byte secp256k1 point.
    pub server_pub_key: String,
    #[serde(default)]
    pub server_time_msec: i64,
}

/// `GET /personal/client-info`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub web_hook_url: String,
    #[serde(default)]
    pub permissions: String,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jars: Option<Vec<Jar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_clients: Option<Vec<ManagedClient>>,
}

/// A card or fop account. `balance` includes the credit limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub send_id: String,
    #[serde(default)]
    pub balance: i64,
    #[serde(default)]
    pub credit_limit: i64,
    /// black, white, platinum, iron, fop, yellow, eAid, … (open set).
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub currency_code: u16,
    /// None, UAH, Miles; null or absent for some accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashback_type: Option<String>,
    #[serde(default)]
    pub masked_pan: Vec<String>,
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Jar {
    pub id: String,
    #[serde(default)]
    pub send_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub currency_code: u16,
    #[serde(default)]
    pub balance: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<i64>,
}

/// A client an accountant manages (v250818).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClient {
    #[serde(default)]
    pub client_id: String,
    /// A string in the spec, a number in its example: both are accepted.
    #[serde(default, deserialize_with = "string_or_number")]
    pub tin: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub accounts: Vec<ManagedAccount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedAccount {
    pub id: String,
    #[serde(default)]
    pub balance: i64,
    #[serde(default)]
    pub credit_limit: i64,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub currency_code: u16,
    #[serde(default)]
    pub iban: String,
}

/// One operation of a statement or a webhook event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementItem {
    pub id: String,
    pub time: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub mcc: i32,
    #[serde(default)]
    pub original_mcc: i32,
    pub amount: i64,
    #[serde(default)]
    pub operation_amount: i64,
    /// In practice the operation's currency, not the account's.
    #[serde(default)]
    pub currency_code: u16,
    /// An amount, despite the name.
    #[serde(default)]
    pub commission_rate: i64,
    #[serde(default)]
    pub cashback_amount: i64,
    #[serde(default)]
    pub balance: i64,
    #[serde(default)]
    pub hold: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_edrpou: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_iban: Option<String>,
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: WebhookData,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookData {
    pub account: String,
    pub statement_item: StatementItem,
}

/// The only event type Mono is known to send.
pub const STATEMENT_ITEM_EVENT: &str = "StatementItem";

/// Mono's error body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub error_description: String,
}

/// `POST /personal/webhook` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRequest {
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
